"""Fixtures of the delivery tests (helpers are in delivery_helpers.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.hooks.every8d import Every8dHook


@pytest.fixture
def hook(every8d_emulator: Every8dEmulator) -> Iterator[Every8dHook]:
    hook = Every8dHook()
    yield hook
    hook.close()
