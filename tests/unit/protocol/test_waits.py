"""The default wait for delivery (protocol/waits.py): the messages' validity plus an hour."""

from __future__ import annotations

from datetime import timedelta

import pytest

from airflow_provider_every8d.protocol.waits import default_timeout


@pytest.mark.parametrize(("retry_time", "wait"), [
    (None, timedelta(minutes=1440 + 60)),
    (0, timedelta(minutes=1440 + 60)),
    (60, timedelta(minutes=120)),
    (5, timedelta(minutes=65)),
])
def test_default_wait_is_the_validity_plus_an_hour(retry_time: int | None, wait: timedelta) -> None:
    assert default_timeout(retry_time) == wait
