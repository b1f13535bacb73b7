"""Test set-up shared by every test: an isolated Airflow home (SQLite) created once per session.

The environment is set before anything imports Airflow, so no test touches ~/airflow.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_HOME = Path(tempfile.mkdtemp(prefix="every8d-airflow-home-"))
os.environ["AIRFLOW_HOME"] = str(_HOME)
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(Path(__file__).parents[1] / "example_dags"))
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "False")
os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "INFO")
os.environ.setdefault("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{_HOME / 'airflow.db'}")

REPO = Path(__file__).parents[1]

from tests.harness.postgres import postgres_server, postgres_url  # noqa: E402, F401  (fixtures for every test)


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """An Airflow metadata database, migrated once per session (for dag.test() and XCom)."""
    from airflow.utils.db import initdb

    initdb()
    return _HOME


@pytest.fixture
def hook(every8d_emulator: Any) -> Iterator[Any]:
    """An Every8dHook on the emulator's connection (every8d_default), closed after the test."""
    from airflow_provider_every8d.hooks.every8d import Every8dHook

    hook = Every8dHook()
    yield hook
    hook.close()
