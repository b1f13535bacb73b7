"""pytest plugin (entry point ``every8d``): the ``every8d_emulator`` fixture for DAG authors' tests.

The fixture starts a fresh emulator per test (free port, instant-ish delivery of 0.2 s by
default) and points Airflow's ``every8d_default`` connection at it through the
``AIRFLOW_CONN_EVERY8D_DEFAULT`` environment variable for the test's duration.

Constructor arguments can be given per test with a marker::

    @pytest.mark.every8d(credit=5, delivery_seconds=0)
    def test_low_credit(every8d_emulator): ...
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .server import Every8dEmulator

DEFAULTS: dict[str, Any] = {"delivery_seconds": 0.2}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "every8d(**kwargs): arguments for the every8d_emulator fixture")


@pytest.fixture
def every8d_emulator(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Every8dEmulator]:
    """A started ``Every8dEmulator``; ``AIRFLOW_CONN_EVERY8D_DEFAULT`` points at it."""
    marker = request.node.get_closest_marker("every8d")
    options = {**DEFAULTS, **(marker.kwargs if marker else {})}
    with Every8dEmulator(**options) as emulator:
        uid = next(iter(emulator.store.accounts))
        for name, value in emulator.connection_env(uid).items():
            monkeypatch.setenv(name, value)
        yield emulator
