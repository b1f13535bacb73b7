"""The sans-I/O driver both transports run (protocol/driver.py): which request goes next, which failure
is tried again after which pause, when paging stops, what the summary counts. Answers come from a table."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import pytest

from airflow_provider_every8d.protocol import build, driver
from airflow_provider_every8d.protocol.driver import Answer, Emit, Pause
from airflow_provider_every8d.protocol.errors import Every8dResponseError, Every8dTransportError
from airflow_provider_every8d.protocol.request import ApiRequest

ROW = "\t+886900000001\t2021/06/01 14:25:55\t1.0\t{status}\t\r\n"
BATCH = "6a7c1d1e-0b7c-4f5e-9a10-3e9b1b2c3d4e"


def status_page(total: int, statuses: Sequence[int]) -> bytes:
    return (f"{total}\r\n" + "".join(ROW.format(status=status) for status in statuses)).encode()


def timeout() -> Every8dTransportError:
    return Every8dTransportError("ReadTimeout (the request may have reached the server)",
                                 may_have_reached_server=True)


def http(status: int) -> Every8dTransportError:
    return Every8dTransportError(f"HTTP {status}", status_code=status)


def run(steps: driver.Steps, answers: list[Answer]) -> tuple[list[ApiRequest], list[float], list[Any]]:
    """Perform the steps as a transport would, answering each request from ``answers`` in order."""
    sent: list[ApiRequest] = []
    pauses: list[float] = []
    emitted: list[Any] = []
    outcome: Answer = None
    while (step := driver.advance(steps, outcome)) is not None:
        outcome = None
        if isinstance(step, Emit):
            emitted.extend(step.items)
        elif isinstance(step, Pause):
            pauses.append(step.seconds)
        else:
            sent.append(step)
            outcome = answers.pop(0)
    assert answers == []  # every scripted answer was asked for
    return sent, pauses, emitted


@pytest.mark.parametrize(("answers", "pauses", "value"), [
    ([b"998.00"], [], 998.0),
    ([timeout(), b"998.00"], [0.5], 998.0),
    ([http(500), http(503), b"12.50"], [0.5, 1.0], 12.5),
])
def test_a_query_is_tried_again_after_a_transient_failure(answers: list[Answer], pauses: list[float],
                                                           value: float) -> None:
    tries = len(answers)
    sent, waited, emitted = run(driver.result(driver.call(build.credit_request())), answers)
    assert (len(sent), waited, emitted) == (tries, pauses, [value])


@pytest.mark.parametrize(("answers", "attempts"), [
    ([timeout(), timeout(), timeout()], 3),
    ([http(500)], 1),
    ([http(404)], 3),  # a 4xx is an answer, not a hiccup
])
def test_a_query_gives_up_after_its_attempts_or_on_a_client_error(answers: list[Answer], attempts: int) -> None:
    last = answers[-1]
    with pytest.raises(Every8dTransportError) as caught:
        run(driver.call(build.credit_request(), attempts), answers)
    assert caught.value is last


@pytest.mark.parametrize("failure", [timeout(), http(500)])
def test_a_send_is_never_tried_again(failure: Every8dTransportError) -> None:
    with pytest.raises(Every8dTransportError) as caught:
        run(driver.call(build.sms_request("once", "0900000001")), [failure])
    assert caught.value is failure


def test_an_unparsable_answer_is_a_response_error_and_not_retried() -> None:
    with pytest.raises(Every8dResponseError):
        run(driver.call(build.credit_request()), [b"<html>oops</html>"])


def test_the_pause_carries_the_words_of_the_retry_warning() -> None:
    steps = driver.call(build.credit_request())
    request = driver.advance(steps, None)
    pause = driver.advance(steps, timeout())
    assert isinstance(pause, Pause) and pause.request is request and "ReadTimeout" in pause.problem


@pytest.mark.parametrize(("bodies", "rows"), [
    ([status_page(0, [])], 0),  # the first page is always read, empty or not
    ([status_page(2, [100, 101])], 2),
    ([status_page(1500, [100] * 1000), status_page(1500, [100] * 500)], 1500),
    ([status_page(2500, [100] * 1000), status_page(2500, [])], 1000),  # an empty page ends the batch
])
def test_rows_are_read_page_after_page_until_the_total_is_in(bodies: list[Answer], rows: int) -> None:
    sent, _, emitted = run(driver.each_row(partial(build.delivery_status_request, BATCH)), list(bodies))
    assert len(emitted) == rows
    assert [dict(request.fields)["PNO"] for request in sent] == [str(page + 1) for page in range(len(bodies))]


def test_each_page_emits_the_page_results() -> None:
    _, _, emitted = run(driver.each_page(partial(build.delivery_status_request, BATCH)),
                        [status_page(1001, [100] * 1000), status_page(1001, [101])])
    assert [page.total for page in emitted] == [1001, 1001]


def test_the_summary_counts_every_page_of_every_batch_and_emits_one_summary() -> None:
    other = "fb1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
    sent, _, emitted = run(driver.delivery_summary([BATCH, other]),
                           [status_page(1001, [100] * 1000), http(502), status_page(1001, [101]),
                            status_page(1, [303])])
    (summary,) = emitted
    assert summary.to_dict() == {"total": 1002, "delivered": 1000, "failed": 1, "cancelled": 1,
                                 "by_status": {"100": 1000, "101": 1, "303": 1}}
    assert summary.complete
    assert [dict(request.fields)["BID"] for request in sent] == [BATCH, BATCH, BATCH, other]


def test_a_batch_without_rows_keeps_the_summary_incomplete() -> None:
    _, _, (summary,) = run(driver.delivery_summary([BATCH], mms=True), [status_page(0, [])])
    assert not summary.complete and summary.to_dict()["total"] == 0
