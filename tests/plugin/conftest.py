"""Airflow's real API app with the EVERY8D plugin loaded, and assets to receive pushes.

On Airflow 2 (no FastAPI API server, the plugin is absent there) only the protocol tests are collected.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from typing import Any

import pytest

from airflow_provider_every8d.plugins.every8d import AIRFLOW_3

if not AIRFLOW_3:  # the receiver needs Airflow 3's API server; the protocol tests still run
    collect_ignore = ["test_receiver.py", "test_end_to_end.py"]

TOKEN = "test-token-0123456789abcdef"
_accounts = itertools.count(1)


@pytest.fixture(scope="session")
def api_app(airflow_db: Any) -> Any:
    """``airflow.api_fastapi.app.create_app()``: the app ``airflow api-server`` serves, plugins mounted."""
    from airflow.api_fastapi.app import create_app

    os.environ.setdefault("AIRFLOW__API_AUTH__JWT_SECRET", "every8d-tests-jwt-secret")  # the app's lifespan needs it
    return create_app()


@pytest.fixture
def push_token(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AIRFLOW__EVERY8D__PUSH_TOKEN", TOKEN)
    monkeypatch.delenv("AIRFLOW__EVERY8D__PUSH_ALLOWED_NETWORKS", raising=False)
    return TOKEN


@pytest.fixture
def client(api_app: Any, push_token: str) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    with TestClient(api_app, client=("127.0.0.1", 50000)) as test_client:
        yield test_client


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


@pytest.fixture
def uid(airflow_db: Any) -> str:
    """A fresh account whose two assets are declared, so tests do not see each other's events."""
    account = f"acct{next(_accounts)}"
    declare_assets(account)
    return account


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
