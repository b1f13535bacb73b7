"""Shared helpers for push-receiver tests: the token, a push's query, declared assets, stored events, and
Airflow's metadata database moved onto PostgreSQL for a test module (the receiver then runs in-process
against PostgreSQL, as in a production deployment).

``tests/integration/push/conftest.py`` turns these into fixtures.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

TOKEN = "test-token-0123456789abcdef"
_accounts = itertools.count(1)


def new_account(prefix: str = "acct") -> str:
    return f"{prefix}{os.getpid()}x{next(_accounts)}"


def declare_assets(uid: str, name: str = "") -> None:
    """What the dag-processor does when a DAG schedules on the assets: rows in ``asset`` and ``asset_active``."""
    from airflow.models.asset import AssetActive, AssetModel
    from airflow.utils.session import create_session

    from airflow_provider_every8d.plugins.assets import DELIVERY_REPORTS, REPLIES, report_uri

    with create_session() as session:
        for kind in (DELIVERY_REPORTS, REPLIES):
            uri = report_uri(uid, kind)
            model = AssetModel(name=f"{name}{kind}" if name else uri, uri=uri, group="asset", extra={})
            session.add(model)
            session.flush()
            if not name:  # one active asset per URI; another name for it stays inactive but receives events
                session.add(AssetActive.for_asset(model))


def events(uid: str, kind: str = "delivery-reports") -> list[dict[str, Any]]:
    """The ``extra`` of every asset event on the account's asset, oldest first."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    from airflow_provider_every8d.plugins.assets import report_uri

    with create_session() as session:
        rows = session.scalars(
            select(AssetEvent)
            .join(AssetModel, AssetModel.id == AssetEvent.asset_id)
            .where(AssetModel.uri == report_uri(uid, kind))
            .order_by(AssetEvent.id)
        ).all()
        return [dict(row.extra) for row in rows]


def report(uid: str, **fields: str) -> dict[str, str]:
    """A push's query as EVERY8D sends it (a delivered SMS), with ``fields`` replacing or adding."""
    query = {
        "BatchID": "2d0c7b4e-0000-4000-8000-000000000001",
        "RM": "+886900000123",
        "RT": "20250102030405",
        "STATUS": "100",
        "SM": "",
        "MR": "1",
        "USERID": uid,
        "UserNo": "42",
        "ST": "20250102030000",
        "SUBJECT": "主旨",
        "CHARGE": "1",
        "MSGID": "",
    }
    query.update(fields)
    return query


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements Airflow's engine runs inside the block (what a push costs the database)."""
    from airflow import settings
    from sqlalchemy import event

    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(settings.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(settings.engine, "before_cursor_execute", record)


@contextmanager
def served_on_localhost(app: Any) -> Iterator[int]:
    """``app`` served by uvicorn on 127.0.0.1 (in this process, so monkeypatches apply) until the block
    ends; yields the port."""
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def airflow_database(url: str) -> Iterator[None]:
    """Airflow's ORM on the database at ``url`` (migrated here) until the block ends, then back."""
    from airflow.utils.db import initdb

    previous = os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "")
    os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = url
    try:
        _reconfigure(url)
        initdb()
        yield
    finally:
        os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = previous
        _reconfigure(previous)


def _reconfigure(url: str) -> None:
    from airflow import settings

    settings.dispose_orm()
    settings.SQL_ALCHEMY_CONN = url
    settings.configure_orm()


# Fixtures (imported by the receiver tests' conftest.py files) -------------------------------------------


@pytest.fixture(scope="session")
def api_app(airflow_db: Any) -> Any:
    """``airflow.api_fastapi.app.create_app()``: the app ``airflow api-server`` serves, plugins mounted."""
    from airflow.api_fastapi.app import create_app

    os.environ.setdefault("AIRFLOW__API_AUTH__JWT_SECRET", "every8d-tests-jwt-secret")  # the app's lifespan needs it
    return create_app()


@pytest.fixture
def push_token(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AIRFLOW__EVERY8D__PUSH_TOKEN", TOKEN)
    for option in ("PUSH_TOKENS", "PUSH_ALLOWED_NETWORKS", "PUSH_DEDUP_DAYS"):
        monkeypatch.delenv(f"AIRFLOW__EVERY8D__{option}", raising=False)
    return TOKEN


@pytest.fixture
def client(api_app: Any, push_token: str) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    with TestClient(api_app, client=("127.0.0.1", 50000)) as test_client:
        yield test_client


@pytest.fixture
def uid(airflow_db: Any) -> str:
    """A fresh account whose two assets are declared, so tests do not see each other's events."""
    account = new_account()
    declare_assets(account)
    return account
