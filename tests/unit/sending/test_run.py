"""A run: chunk by chunk through call(request), each failure an outcome with the right verdict.

Retries are the same run again against the same store, as a retried task instance sees task_state_store.
"""

from __future__ import annotations

import logging

import pytest

from airflow_provider_every8d.protocol.endpoints import Endpoint
from airflow_provider_every8d.protocol.errors import Every8dTransportError, Every8dValidationError
from airflow_provider_every8d.sending import NO_LEDGER_WARNING, Verdict, run
from tests.helpers import numbers
from tests.unit.sending.engine_support import JsonStore, Platform, sms_send

RECIPIENTS = numbers(25)
LOST = Every8dTransportError("read timed out", may_have_reached_server=True)
REFUSED = Every8dTransportError("connection refused", may_have_reached_server=False)


def test_a_send_is_done_with_the_xcom_of_every_chunk(platform: Platform, store: JsonStore) -> None:
    outcome = run(sms_send(RECIPIENTS, chunk_size=10), platform, store=store)
    assert outcome.verdict is Verdict.DONE and outcome.retry_safe
    assert outcome.to_xcom() == {"batch_ids": ["B1", "B2", "B3"], "sent": 25, "cost": 25.0, "unsent": 0,
                                 "credit": 975.0, "filtered": []}
    assert sorted(platform.sent_to()) == RECIPIENTS


def test_a_retry_of_a_done_send_sends_nothing_and_reports_the_same(platform: Platform, store: JsonStore) -> None:
    first = run(sms_send(RECIPIENTS, chunk_size=10), platform, store=store)
    second = run(sms_send(RECIPIENTS, chunk_size=10), platform, store=store)
    assert second.to_xcom() == first.to_xcom() and len(platform.sends()) == 3


def test_the_balance_is_asked_for_when_the_last_answer_does_not_say(platform: Platform, store: JsonStore) -> None:
    platform.script = [b"-98,0900000001/0900000002"]  # 1.3: everybody filtered, no balance in the answer
    outcome = run(sms_send(RECIPIENTS[:2], deduplicate=True), platform, store=store)
    assert outcome.verdict is Verdict.DONE and outcome.to_xcom()["filtered"] == RECIPIENTS[:2]
    assert [r.endpoint for r in platform.requests] == [Endpoint.SEND_SMS_FILTERED, Endpoint.CREDIT]
    assert outcome.to_xcom()["credit"] == 1000.0


@pytest.mark.parametrize(("persistent", "deduplicate", "verdict"), [
    (False, False, Verdict.FINAL), (False, True, Verdict.RETRY), (True, False, Verdict.RETRY)])
def test_a_chunk_that_never_reached_the_platform_after_an_accepted_one(
        platform: Platform, persistent: bool, deduplicate: bool, verdict: Verdict) -> None:
    platform.script = [None, REFUSED]
    outcome = run(sms_send(RECIPIENTS, chunk_size=10, deduplicate=deduplicate), platform,
                  store=JsonStore() if persistent else None)
    assert outcome.verdict is verdict and outcome.batch_ids == ["B1"]
    assert "chunk 2 of 3 was not sent" in outcome.problem and "never reached EVERY8D" in outcome.problem
    assert outcome.cause is REFUSED


def test_a_first_chunk_that_never_reached_the_platform_may_be_retried_anywhere(platform: Platform) -> None:
    platform.script = [REFUSED]
    assert run(sms_send(RECIPIENTS), platform, store=None).verdict is Verdict.RETRY


@pytest.mark.parametrize(("persistent", "can_recheck", "deduplicate", "verdict"), [
    (True, True, False, Verdict.RETRY),    # Airflow 3.3, SMS: the retry goes through the filter
    (True, False, False, Verdict.FINAL),   # Airflow 3.3, MMS / MSGID / param SMS: no way to check
    (False, True, True, Verdict.RETRY),    # no ledger, deduplicate=True
    (False, True, False, Verdict.FINAL),   # no ledger, no filter: a retry could text twice
])
def test_a_lost_answer(platform: Platform, persistent: bool, can_recheck: bool, deduplicate: bool,
                       verdict: Verdict) -> None:
    platform.script = [LOST]
    outcome = run(sms_send(RECIPIENTS[:3], can_recheck=can_recheck, deduplicate=deduplicate), platform,
                  store=JsonStore() if persistent else None)
    assert outcome.verdict is verdict
    assert "may have been accepted" in outcome.problem and "batch id is unknown" in outcome.problem


def test_a_lost_chunk_is_resent_through_the_filter_and_nobody_is_texted_twice(
        platform: Platform, store: JsonStore) -> None:
    platform.script = [None, LOST]
    assert run(sms_send(RECIPIENTS, chunk_size=10), platform, store=store).verdict is Verdict.RETRY
    platform.script = [b"-98," + "/".join(RECIPIENTS[10:20]).encode()]  # they had it: all filtered
    outcome = run(sms_send(RECIPIENTS, chunk_size=10), platform, store=store)
    assert outcome.verdict is Verdict.DONE
    assert [r.endpoint for r in platform.sends()] == [Endpoint.SEND_SMS, Endpoint.SEND_SMS,
                                                      Endpoint.SEND_SMS_FILTERED, Endpoint.SEND_SMS]
    assert outcome.to_xcom()["filtered"] == RECIPIENTS[10:20] and outcome.to_xcom()["sent"] == 15


def test_a_retry_lists_the_numbers_an_earlier_try_had_filtered(platform: Platform, store: JsonStore) -> None:
    """The ledger keeps them as digests; the retry finds them among its own recipients."""
    platform.script = [b"990.0,8,8.0,0,B1," + "/".join(RECIPIENTS[:2]).encode(), LOST]
    run(sms_send(RECIPIENTS[:20], chunk_size=10, deduplicate=True), platform, store=store)
    outcome = run(sms_send(RECIPIENTS[:20], chunk_size=10, deduplicate=True), platform, store=store)
    assert outcome.verdict is Verdict.DONE and outcome.to_xcom()["filtered"] == RECIPIENTS[:2]


def test_running_out_of_credit_is_final_and_later_chunks_are_not_tried(platform: Platform) -> None:
    platform.script = [None, b"0.0,5,5.0,5,B2"]
    outcome = run(sms_send(RECIPIENTS, chunk_size=10), platform, store=JsonStore())
    assert outcome.verdict is Verdict.FINAL and len(platform.sends()) == 2
    assert "unsent: 5 of 10 messages of chunk 2 of 3" in outcome.problem
    assert outcome.to_xcom()["unsent"] == 5


def test_a_clear_after_running_out_of_credit_still_fails(platform: Platform, store: JsonStore) -> None:
    platform.script = [b"0.0,5,5.0,5,B1"]
    run(sms_send(RECIPIENTS[:10]), platform, store=store)
    outcome = run(sms_send(RECIPIENTS[:10]), platform, store=store)
    assert outcome.verdict is Verdict.FINAL and outcome.problem.startswith("unsent: 5 messages of this send")
    assert len(platform.sends()) == 1


def test_max_cost_refuses_before_any_request(platform: Platform) -> None:
    outcome = run(sms_send(RECIPIENTS, max_cost=24), platform, store=None)
    assert outcome.verdict is Verdict.FINAL and platform.requests == []
    assert "max_cost: the send is estimated at 25 points, over the limit of 24" in outcome.problem


def test_check_credit_asks_the_balance_and_refuses_what_it_cannot_pay(platform: Platform) -> None:
    platform.credit = 24
    outcome = run(sms_send(RECIPIENTS, check_credit=True), platform, store=None)
    assert outcome.verdict is Verdict.FINAL and [r.endpoint for r in platform.requests] == [Endpoint.CREDIT]
    assert "25 points but the balance is 24" in outcome.problem


def test_a_bad_connection_raises_and_leaves_nothing_in_flight(store: JsonStore) -> None:
    def call(request: object) -> object:
        raise Every8dValidationError("every8d_conn_id", "connection 'x' is not defined")

    with pytest.raises(Every8dValidationError, match="every8d_conn_id"):
        run(sms_send(RECIPIENTS[:2]), call, store=store)
    assert store.values["every8d_send"]["inflight"] == []


def test_an_accepted_chunk_that_cannot_be_written_down_is_final_and_names_its_batch(platform: Platform) -> None:
    class FailingStore(JsonStore):
        writes = 0

        def set(self, key: str, value: object) -> None:
            self.writes += 1
            if self.writes > 2:  # chunk keys and in flight go in; "accepted" does not
                raise ConnectionError("execution API unreachable")
            super().set(key, value)

    outcome = run(sms_send(RECIPIENTS[:3]), platform, store=FailingStore())
    assert outcome.verdict is Verdict.FINAL and "accepted as batch B1" in outcome.problem


def test_an_unreadable_ledger_is_final_and_sends_nothing(platform: Platform, store: JsonStore) -> None:
    store.set("every8d_send", {"version": 99})
    outcome = run(sms_send(RECIPIENTS), platform, store=store)
    assert outcome.verdict is Verdict.FINAL and platform.requests == [] and "every8d_send" in outcome.problem


def test_without_a_store_the_run_warns_once(platform: Platform, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        run(sms_send(RECIPIENTS, chunk_size=10), platform, store=None)
    assert caplog.text.count(NO_LEDGER_WARNING) == 1


def test_another_user_of_the_engine_keeps_its_own_ledger(platform: Platform, store: JsonStore) -> None:
    """A HITL question texted once: its own key, so a send operator's ledger is never confused with it."""
    run(sms_send(RECIPIENTS[:1]), platform, store=store, ledger_key="every8d_hitl")
    run(sms_send(RECIPIENTS[:1]), platform, store=store, ledger_key="every8d_hitl")
    assert platform.sent_to() == RECIPIENTS[:1] and "every8d_send" not in store.values
