"""Shared test harness (Airflow processes, PostgreSQL, the receiver, deployments): imported by full name,
``from tests.harness.postgres import Postgres``. Only processes a deployment starts get tests/ on their
PYTHONPATH (``harness.hostname.component`` is their hostname callable)."""
