"""One production-shaped deployment for every deployment test (started once per session, ~1 minute):
PostgreSQL, Redis, CeleryExecutor, two API servers, the scheduler, the DAG processor, two triggerers and two
Celery workers (tests/harness/deployment.py), the EVERY8D emulator they send to, and a second emulator
account whose delivery reports the push DAGs declare.

Logs stay in pytest's temporary directory (``<basetemp>/deployment*/home/<component>.log``) after the run.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from tests.deployment.deployment_record import PUSH_TOKEN, PUSH_UID
from tests.harness.deployment import REPO, Deployment

HERE = Path(__file__).parent
DAG_FILES = [
    HERE / "dags" / "every8d_chaos.py",
    REPO / "example_dags" / "every8d_quickstart.py",
    REPO / "example_dags" / "example_every8d_alerting.py",
    REPO / "example_dags" / "example_every8d_campaign.py",
    REPO / "example_dags" / "example_every8d_deploy_approval.py",  # no DAG before Airflow 3.1 (no HITL)
    REPO / "example_dags" / "example_every8d_push.py",
]
DAG_IDS = ["every8d_chaos_send", *(f"every8d_chaos_waits_{part}" for part in range(8)), "every8d_quickstart",
           "example_every8d_alerting", "example_every8d_campaign", "every8d_push_tally"]
CREDIT = 10_000_000.0


def _has_hitl() -> bool:
    try:
        return importlib.util.find_spec("airflow.providers.standard.operators.hitl") is not None
    except ImportError:  # no standard provider
        return False


if _has_hitl():  # Airflow 3.1+: the HITL deployment test's DAG
    DAG_IDS.append("example_every8d_deploy_approval")


@pytest.fixture(scope="session")
def emulator() -> Iterator[Every8dEmulator]:
    """The platform the deployment sends to: deliveries after 6 s (so the quickstart wait defers), credit
    for every message the tests send."""
    with Every8dEmulator(accounts={"demo": {"password": "demo-password", "credit": CREDIT}},
                         delivery_seconds=6.0) as instance:
        yield instance


@pytest.fixture(scope="session")
def deployment(tmp_path_factory: pytest.TempPathFactory, emulator: Every8dEmulator) -> Iterator[Deployment]:
    pytest.importorskip("airflow.sdk", reason="the deployment test runs Airflow 3's components")
    pytest.importorskip("airflow.providers.celery", reason="the deployment test needs the celery provider")
    env = {**emulator.connection_env(), "EVERY8D_PUSH_UID": PUSH_UID, "AIRFLOW__EVERY8D__PUSH_TOKEN": PUSH_TOKEN}
    instance = Deployment(tmp_path_factory.mktemp("deployment") / "home", DAG_FILES, env)
    try:
        instance.start()
        instance.wait_parsed(DAG_IDS, timeout=120)
        yield instance
    finally:
        instance.stop()
