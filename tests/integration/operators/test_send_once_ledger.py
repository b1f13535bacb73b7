"""The send ledger's harder cases: a lost answer on Airflow 3.3 without deduplicate, MMS in flight, no
ledger at all, a ledger that cannot be written, and outcomes no retry may repeat.

Retries are driven by running the operator again against the same store (what a retried task instance sees
in task_state_store); AirflowFailException is what Airflow never retries.
"""

from __future__ import annotations

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.operators.every8d import Every8dSendMmsOperator, Every8dSendSmsOperator
from tests.helpers import DictStore, numbers, send_requests

RECIPIENTS = numbers(250)
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def _exceptions():
    from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

    return AirflowException, AirflowFailException


def test_a_lost_answer_is_rechecked_through_the_duplicate_filter_on_retry(every8d_emulator: Every8dEmulator):
    """Airflow 3.3, deduplicate=False: the 2nd chunk is accepted but its answer lost. The retry sends that
    chunk through 1.3, which drops everyone who already got the text: exactly one message each."""
    retryable, final = _exceptions()
    every8d_emulator.faults.add("drop_after_accept", endpoint="sendSMS", times=1, after=1)
    store = DictStore()
    make = lambda: Every8dSendSmsOperator(task_id="send", message="Tonight 22:00", recipients=RECIPIENTS,  # noqa: E731
                                          chunk_size=100)
    with pytest.raises(retryable) as caught:
        make().execute({"task_state_store": store})
    assert not isinstance(caught.value, final) and "duplicate filter" in str(caught.value)
    result = make().execute({"task_state_store": store})
    assert [every8d_emulator.sent_count(n) for n in RECIPIENTS] == [1] * len(RECIPIENTS)
    endpoints = [r.endpoint for r in every8d_emulator.requests if r.endpoint.lower().startswith("sendsms")]
    assert endpoints == ["sendSMS", "sendSMS", "sendSMS4FilterMessage", "sendSMS"]
    assert sorted(result["filtered"]) == sorted(RECIPIENTS[100:200])
    assert result["sent"] == 150 and len(result["batch_ids"]) == 2


def test_an_mms_in_flight_fails_without_retry_and_names_the_ledger_key(every8d_emulator: Every8dEmulator):
    _retryable, final = _exceptions()
    every8d_emulator.faults.add("drop_after_accept", endpoint="MMS/sendMMS", times=1)
    store = DictStore()
    make = lambda: Every8dSendMmsOperator(task_id="send", message="hi", recipients=RECIPIENTS[:5],  # noqa: E731
                                          subject="Coupon", attachment=PNG, attachment_type="png")
    with pytest.raises(final):
        make().execute({"task_state_store": store})
    with pytest.raises(final) as caught:  # a retry anyway (e.g. a manual clear) sends nothing
        make().execute({"task_state_store": store})
    assert "every8d_send" in str(caught.value)
    assert [every8d_emulator.sent_count(n) for n in RECIPIENTS[:5]] == [1] * 5
    assert len([r for r in every8d_emulator.requests if r.endpoint == "MMS/sendMMS"]) == 1


@pytest.mark.parametrize("fault", ["drop_after_accept", "http_500", "garbage"])
def test_without_a_ledger_a_failure_after_an_accepted_chunk_is_not_retried(every8d_emulator, fault):
    """Airflow < 3.3 and no deduplicate: a retry would send the accepted chunks again, so no retry."""
    _, final = _exceptions()
    every8d_emulator.faults.add(fault, endpoint="sendSMS", times=1, after=1)
    with pytest.raises(final) as caught:
        Every8dSendSmsOperator(task_id="send", message="hi", recipients=RECIPIENTS, chunk_size=100).execute({})
    assert "batch ids" in str(caught.value)
    assert send_requests(every8d_emulator) == 2


def test_without_a_ledger_deduplicate_keeps_retries(every8d_emulator):
    retryable, final = _exceptions()
    every8d_emulator.faults.add("drop_after_accept", endpoint="sendSMS4FilterMessage", times=1, after=1)
    with pytest.raises(retryable) as caught:
        Every8dSendSmsOperator(task_id="send", message="hi", recipients=RECIPIENTS, chunk_size=100,
                               deduplicate=True).execute({})
    assert not isinstance(caught.value, final)
    Every8dSendSmsOperator(task_id="send", message="hi", recipients=RECIPIENTS, chunk_size=100,
                           deduplicate=True).execute({})  # the retry: everything again through the filter
    assert [every8d_emulator.sent_count(n) for n in RECIPIENTS] == [1] * len(RECIPIENTS)


class _FailingStore(DictStore):
    """A store whose writes start failing after ``ok`` of them (the API server went away)."""

    def __init__(self, ok: int) -> None:
        super().__init__()
        self.ok = ok

    def set(self, key, value, *, retention=None):
        if self.ok <= 0:
            raise ConnectionError("execution API unreachable")
        self.ok -= 1
        super().set(key, value)


def test_an_accepted_chunk_that_cannot_be_recorded_names_its_batch_and_is_not_retried(every8d_emulator):
    _, final = _exceptions()
    with pytest.raises(final) as caught:  # 2 writes before the send (chunk keys, in flight); the 3rd fails
        Every8dSendSmsOperator(task_id="send", message="hi", recipients=RECIPIENTS[:3]).execute(
            {"task_state_store": _FailingStore(ok=2)})
    (batch,) = {m.batch_id for m in every8d_emulator.messages}
    assert batch in str(caught.value)


@pytest.mark.every8d(credit=150)
def test_unsent_and_money_refusals_are_final(every8d_emulator):
    _, final = _exceptions()
    with pytest.raises(final, match="ran out of credit"):
        Every8dSendSmsOperator(task_id="send", message="hi", recipients=RECIPIENTS, chunk_size=100).execute({})
    with pytest.raises(final, match="max_cost"):
        Every8dSendSmsOperator(task_id="send", message="hi", recipients=RECIPIENTS, max_cost=10).execute({})


@pytest.mark.parametrize("second_try", ["refused", "lost"])
def test_unsure_recipients_stay_unsure_until_accepted_across_tries(every8d_emulator: Every8dEmulator, monkeypatch,
                                                                   second_try: str):
    """Try 1 loses chunk 2's answer; try 2's recheck through the filter is refused (-2: the password was
    changed meanwhile) or loses its answer too; try 3 must still recheck, not send plainly: everyone gets
    exactly one message."""
    import json

    retryable, _ = _exceptions()
    every8d_emulator.faults.add("drop_after_accept", endpoint="sendSMS", times=1, after=1)
    store = DictStore()
    make = lambda: Every8dSendSmsOperator(task_id="send", message="Tonight 22:00", recipients=RECIPIENTS,  # noqa: E731
                                          chunk_size=100)
    with pytest.raises(retryable):
        make().execute({"task_state_store": store})
    good = json.loads(every8d_emulator.connection_json())
    if second_try == "refused":
        monkeypatch.setenv("AIRFLOW_CONN_EVERY8D_DEFAULT", json.dumps({**good, "password": "changed-password"}))
    else:
        every8d_emulator.faults.add("http_500", endpoint="sendSMS4FilterMessage", times=1)
    with pytest.raises(retryable):
        make().execute({"task_state_store": store})
    monkeypatch.setenv("AIRFLOW_CONN_EVERY8D_DEFAULT", json.dumps(good))
    make().execute({"task_state_store": store})
    assert [every8d_emulator.sent_count(n) for n in RECIPIENTS] == [1] * len(RECIPIENTS)


def test_a_bad_connection_on_the_first_try_does_not_block_later_tries(every8d_emulator, monkeypatch):
    """Nothing was sent when the connection could not even be resolved: the ledger must not hold a chunk in
    flight (for MMS that would block every later try)."""
    store = DictStore()
    make = lambda conn: Every8dSendMmsOperator(task_id="send", message="hi", recipients=RECIPIENTS[:2],  # noqa: E731
                                               subject="Coupon", attachment=PNG, attachment_type="png",
                                               every8d_conn_id=conn)
    with pytest.raises(ValueError, match="every8d_conn_id"):
        make("no_such_connection").execute({"task_state_store": store})
    result = make("every8d_default").execute({"task_state_store": store})
    assert result["sent"] == 2


@pytest.mark.every8d(credit=150)
def test_a_clear_after_running_out_of_credit_still_fails(every8d_emulator):
    """The platform does not say who was left unsent, so a later try that sends the rest still fails."""
    _, final = _exceptions()
    store = DictStore()
    make = lambda: Every8dSendSmsOperator(task_id="send", message="hi", recipients=RECIPIENTS,  # noqa: E731
                                          chunk_size=100)
    with pytest.raises(final, match="ran out of credit"):
        make().execute({"task_state_store": store})
    every8d_emulator.set_credit("demo", 1000)
    with pytest.raises(final, match="unsent: 50 messages"):
        make().execute({"task_state_store": store})
    assert sum(every8d_emulator.sent_count(n) for n in RECIPIENTS) == 200  # chunk 3 went out; 50 never did
