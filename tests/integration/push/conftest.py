"""The receiver inside Airflow's real API app (fixtures from ``harness/receiver.py``), on SQLite and on a
throw-away PostgreSQL (``on_postgres``: Airflow's metadata database moved there for one test module)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from airflow_provider_every8d.plugins.every8d import AIRFLOW_3
from tests.harness.receiver import airflow_database, api_app, client, push_token, uid  # noqa: F401

if not AIRFLOW_3:  # the receiver needs Airflow 3's API server
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture(scope="module")
def on_postgres(postgres_server: Any, airflow_db: Any, request: pytest.FixtureRequest) -> Iterator[None]:
    """Airflow's ORM on a fresh PostgreSQL database for the module's tests, SQLite again afterwards."""
    name = request.module.__name__.rsplit(".", 1)[-1]
    with airflow_database(postgres_server.create_database(name)):
        yield
