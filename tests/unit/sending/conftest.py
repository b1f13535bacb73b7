"""Fixtures of the send engine's unit tests (see engine_support.py)."""

from __future__ import annotations

import pytest

from tests.unit.sending.engine_support import JsonStore, Platform


@pytest.fixture
def platform() -> Platform:
    return Platform()


@pytest.fixture
def store() -> JsonStore:
    return JsonStore()
