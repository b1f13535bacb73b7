"""Waiting (protocol/waits.py): the default wait (the messages' validity plus an hour) and the one
failure budget the sensor's poke, the operator's wait_for_delivery and the triggers spend."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from airflow_provider_every8d.protocol.errors import (
    Every8dApiError,
    Every8dResponseError,
    Every8dTransportError,
    Every8dValidationError,
)
from airflow_provider_every8d.protocol.waits import MIN_PAUSE, FailureBudget, default_timeout, failure_pause


@pytest.mark.parametrize(("retry_time", "wait"), [
    (None, timedelta(minutes=1440 + 60)),
    (0, timedelta(minutes=1440 + 60)),
    (60, timedelta(minutes=120)),
    (5, timedelta(minutes=65)),
])
def test_default_wait_is_the_validity_plus_an_hour(retry_time: int | None, wait: timedelta) -> None:
    assert default_timeout(retry_time) == wait


@pytest.mark.parametrize(("poll_interval", "failures", "pause"),
                         [(30, 1, 1), (30, 2, 2), (30, 3, 4), (30, 5, 16), (30, 6, 30), (3, 3, 3), (0.001, 1, 0.01)])
def test_failure_pause_grows_and_is_capped(poll_interval: float, failures: int, pause: float) -> None:
    assert failure_pause(poll_interval, failures) == pause


@pytest.mark.parametrize("error", [
    Every8dTransportError("HTTP 503: busy", status_code=503),
    Every8dResponseError("unparsable answer"),
    TimeoutError(),
    asyncio.TimeoutError(),
])
def test_transient_failures_are_counted(error: BaseException) -> None:
    assert isinstance(error, FailureBudget().transient)


def test_a_refusal_is_not_transient() -> None:
    assert not isinstance(Every8dApiError(-2, "wrong password"), FailureBudget().transient)


def test_the_budget_is_spent_by_failures_in_a_row_only() -> None:
    budget = FailureBudget(3, "batch A1")
    error = Every8dTransportError("HTTP 503: busy", status_code=503)
    assert budget.failed(error) is None and budget.failed(error) is None
    budget.succeeded()  # a good poll starts the count afresh
    assert budget.failed(error) is None and budget.failed(error) is None
    assert budget.failed(error) == f"3 polls in a row failed for batch A1; last failure: {error}"
    assert "HTTP 503: busy" in str(error)


def test_pauses_grow_after_failures_and_return_to_the_interval() -> None:
    budget = FailureBudget(10, "batch A1")
    assert budget.pause(30) == 30
    for _ in range(3):
        budget.failed(TimeoutError())
    assert budget.pause(30) == 4
    assert budget.warning(TimeoutError(), budget.pause(30)) == \
        "EVERY8D poll 3/10 failed for batch A1 (TimeoutError); next try in 4.0 s"
    budget.succeeded()
    assert budget.pause(0) == MIN_PAUSE  # never spins


@pytest.mark.parametrize(("poll_interval", "elapsed", "pause"), [
    (60, 0.0, 60),  # an instant answer: the whole interval
    (60, 18.0, 42),  # 18 s queued or answering: the next poll still starts 60 s after this one did
    (60, 60.0, MIN_PAUSE),  # took the whole interval: the next one at once
    (60, 150.0, MIN_PAUSE),  # overran it by far: one poll at once, no burst to make up the missed ones
    (60, -1.0, 60),  # a clock step back never lengthens the interval
])
def test_polls_start_an_interval_apart_whatever_the_request_took(poll_interval: float, elapsed: float,
                                                                  pause: float) -> None:
    assert FailureBudget().pause_after(poll_interval, elapsed) == pause


def test_after_failures_the_back_off_counts_from_the_failed_polls_end() -> None:
    budget = FailureBudget(10, "batch A1")
    for _ in range(3):
        budget.failed(TimeoutError())
    assert budget.pause_after(30, 5.0) == 4 == budget.pause(30)
    budget.succeeded()
    assert budget.pause_after(30, 5.0) == 25


@pytest.mark.parametrize("limit", [0, -1, True, 2.5, "5"])
def test_a_bad_limit_names_the_field(limit: object) -> None:
    with pytest.raises(Every8dValidationError, match=r"^max_consecutive_failures: "):
        FailureBudget(limit)  # type: ignore[arg-type]
