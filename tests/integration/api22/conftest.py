"""API 2.2 runs: an emulator in 2.2 mode and an empty token cache around every test (the cache is per
process, and tests share one)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.transport.tokens import TOKENS


@pytest.fixture(autouse=True)
def _empty_token_cache() -> Iterator[None]:
    TOKENS.forget()
    yield
    TOKENS.forget()


@pytest.fixture
def emu22() -> Iterator[Every8dEmulator]:
    with Every8dEmulator(api_version="2.2", delivery_seconds=0.2, token_lifetime=3600) as emulator:
        yield emulator
