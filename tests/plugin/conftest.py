"""Airflow's real API app with the EVERY8D plugin loaded, and assets to receive pushes (the fixtures and
helpers live in ``harness/receiver.py``, shared with ``tests/integration/push``).

On Airflow 2 (no FastAPI API server, the plugin is absent there) only the protocol tests are collected.
"""

from __future__ import annotations

from tests.harness.receiver import (  # noqa: F401  (fixtures and the helpers the tests import from here)
    TOKEN,
    api_app,
    client,
    declare_assets,
    events,
    push_token,
    report,
    uid,
)

from airflow_provider_every8d.plugins.every8d import AIRFLOW_3

if not AIRFLOW_3:  # the receiver needs Airflow 3's API server; the protocol tests still run
    collect_ignore = ["test_receiver.py", "test_end_to_end.py"]
