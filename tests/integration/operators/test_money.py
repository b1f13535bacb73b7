"""The money guard: max_cost and check_credit refuse before any request; unsent > 0 fails the task."""

from __future__ import annotations

import pytest
from airflow.providers.common.compat.sdk import AirflowException

from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.operators.every8d import Every8dSendMmsOperator, Every8dSendSmsOperator
from tests.helpers import numbers

LONG = "x" * 100  # 71-134 characters: 2 points per recipient


def test_max_cost_refuses_before_any_request(every8d_emulator: Every8dEmulator) -> None:
    operator = Every8dSendSmsOperator(task_id="send", message=LONG, recipients=numbers(10), max_cost=19)
    with pytest.raises(AirflowException, match=r"max_cost: .*estimated at 20 points, over the limit of 19"):
        operator.execute({})
    assert every8d_emulator.requests == []


def test_max_cost_at_the_estimate_sends(every8d_emulator: Every8dEmulator) -> None:
    result = Every8dSendSmsOperator(task_id="send", message=LONG, recipients=numbers(10), max_cost=20).execute({})
    assert result["cost"] == 20.0


def test_max_cost_counts_mms_by_size(every8d_emulator: Every8dEmulator) -> None:
    image = b"\x89PNG\r\n\x1a\n" + b"\0" * 60_000  # over 50 KB: 5 points each
    operator = Every8dSendMmsOperator(task_id="send", message="", subject="Deal", attachment=image,
                                      attachment_type="png", recipients=numbers(2), max_cost=9)
    with pytest.raises(AirflowException, match="estimated at 10 points"):
        operator.execute({})
    assert every8d_emulator.requests == []


@pytest.mark.every8d(credit=15)
def test_check_credit_refuses_when_the_balance_is_too_low(every8d_emulator: Every8dEmulator) -> None:
    operator = Every8dSendSmsOperator(task_id="send", message=LONG, recipients=numbers(10), check_credit=True)
    with pytest.raises(AirflowException, match=r"check_credit: .*20 points but the balance is 15"):
        operator.execute({})
    assert [r.endpoint for r in every8d_emulator.requests] == ["getCredit"]  # nothing was sent
    assert every8d_emulator.messages == []


@pytest.mark.every8d(credit=150)
def test_unsent_fails_the_task_and_stops_the_next_chunks(every8d_emulator: Every8dEmulator) -> None:
    operator = Every8dSendSmsOperator(task_id="send", message="hi", recipients=numbers(250), chunk_size=100)
    with pytest.raises(AirflowException) as caught:
        operator.execute({})
    text = str(caught.value)
    assert "unsent: 50 of 100 messages of chunk 2 of 3 were not sent" in text
    assert "ran out of credit" in text and "later chunks were not tried" in text
    assert sum(1 for r in every8d_emulator.requests if r.endpoint == "sendSMS") == 2
    assert len(every8d_emulator.messages) == 150
