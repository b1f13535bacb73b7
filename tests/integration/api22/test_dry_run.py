"""The duplicate filter asked without sending (API 2.2, IsSend=false), over real HTTP against the emulator:
``Every8dHook.check_duplicates``, ``dry_run=True`` on the send operators, and the send-once recheck of a
lost chunk that asks first and sends only to who does not have the text yet."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_every8d import sending
from airflow_provider_every8d.hooks.every8d import Every8dHook
from airflow_provider_every8d.operators.every8d import Every8dSendParamSmsOperator, Every8dSendSmsOperator
from airflow_provider_every8d.protocol import api22, build
from airflow_provider_every8d.protocol.errors import Every8dValidationError

TEXT = "Your order shipped"
PLANTED = ["0900000001", "0900000003"]
EVERYONE = ["0900000001", "0900000002", "0900000003", "0900000004"]
XCOM_KEYS = {"batch_ids", "sent", "cost", "unsent", "credit", "filtered"}


def _plant(emu: Any) -> str:
    """Send TEXT to PLANTED now: they have it within the 24 hours."""
    return Every8dHook().send_sms(TEXT, PLANTED).batch_id


@pytest.mark.every8d(api_version="2.2")
def test_check_duplicates_names_who_has_the_text_and_from_which_batch(every8d_emulator) -> None:
    planted = _plant(every8d_emulator)
    messages = len(every8d_emulator.messages)
    assert Every8dHook().check_duplicates(TEXT, EVERYONE) == {number: planted for number in PLANTED}
    assert len(every8d_emulator.messages) == messages and every8d_emulator.credit() == 998


def test_check_duplicates_needs_api_2_2(every8d_emulator) -> None:
    with pytest.raises(Every8dValidationError, match=r"needs API 2\.2"):
        Every8dHook().check_duplicates(TEXT, EVERYONE)
    assert every8d_emulator.requests == []


@pytest.mark.every8d(api_version="2.2")
def test_the_dry_run_sends_nothing_and_reports_the_planted_duplicates(every8d_emulator) -> None:
    _plant(every8d_emulator)
    before, balance = len(every8d_emulator.messages), every8d_emulator.credit()
    result = Every8dSendSmsOperator(task_id="send", message=TEXT, recipients=EVERYONE, dry_run=True,
                                    check_credit=True).execute({})
    assert set(result) == XCOM_KEYS | {"dry_run"} and result["dry_run"] is True
    assert (result["sent"], result["batch_ids"], result["unsent"]) == (0, [], 0)
    assert sorted(result["filtered"]) == PLANTED
    assert result["cost"] == 2.0 and result["credit"] == balance  # the two who would get it, 1 point each
    assert len(every8d_emulator.messages) == before and every8d_emulator.credit() == balance


@pytest.mark.every8d(api_version="2.2")
def test_the_dry_run_prices_the_event_link(every8d_emulator) -> None:
    result = Every8dSendSmsOperator(task_id="send", message="x" * 60, recipients=EVERYONE, event_id=-1,
                                    dry_run=True).execute({})
    assert result["cost"] == 8.0 and every8d_emulator.messages == []  # 77 characters: 2 points each


def test_on_2_1_the_dry_run_prices_and_sends_nothing_without_asking(every8d_emulator) -> None:
    result = Every8dSendSmsOperator(task_id="send", message=TEXT, recipients=EVERYONE, dry_run=True).execute({})
    assert (result["sent"], result["cost"], result["filtered"], result["dry_run"]) == (0, 4.0, [], True)
    assert [r.endpoint for r in every8d_emulator.requests] == ["getCredit"]


@pytest.mark.every8d(api_version="2.2")
def test_a_param_sms_dry_run_sends_nothing(every8d_emulator) -> None:
    result = Every8dSendParamSmsOperator(task_id="send", recipients=[{"mobile": n, "content": "hi"} for n in EVERYONE],
                                         dry_run=True).execute({})
    assert (result["sent"], result["cost"], result["dry_run"]) == (0, 4.0, True)
    assert every8d_emulator.messages == []


def test_event_id_on_a_2_1_connection_is_refused_before_sending(every8d_emulator) -> None:
    with pytest.raises(Every8dValidationError, match="event_id"):
        Every8dSendSmsOperator(task_id="send", message=TEXT, recipients=EVERYONE, event_id=-1).execute({})
    assert every8d_emulator.requests == []


def _send() -> sending.Send:
    return sending.Send(sending.phone_recipients(EVERYONE),
                        lambda items, recheck: build.sms_request(TEXT, items, deduplicate=recheck),
                        can_recheck=True, ask_filter=api22.duplicates_request)


def _message_requests(records: list) -> list:
    return [r for r in records if r.endpoint in ("sendSMS", "sendSMS4FilterMessage")]


@pytest.mark.every8d(api_version="2.2")
def test_the_lost_answer_recheck_asks_first_and_sends_nothing_when_all_have_it(every8d_emulator) -> None:
    emu, store = every8d_emulator, sending.MemoryStore()  # a task_state_store across two tries
    emu.faults.add("drop_after_accept", endpoint="sendSMS", times=1)
    first = sending.run(_send(), Every8dHook().call, store=store)
    assert first.verdict is sending.Verdict.RETRY and len(emu.messages) == 4  # accepted, answer lost
    mark = len(emu.requests)
    second = sending.run(_send(), Every8dHook().call, store=store)
    asked = _message_requests(emu.requests[mark:])
    assert [(r.endpoint, r.fields.get("IsSend")) for r in asked] == [("sendSMS4FilterMessage", "false")]
    assert len(emu.messages) == 4 and all(emu.sent_count(n) == 1 for n in EVERYONE)
    assert second.verdict is sending.Verdict.DONE and sorted(second.to_xcom()["filtered"]) == EVERYONE


@pytest.mark.every8d(api_version="2.2")
def test_the_lost_answer_recheck_sends_only_to_who_does_not_have_it(every8d_emulator) -> None:
    emu, store = every8d_emulator, sending.MemoryStore()  # a task_state_store across two tries
    _plant(emu)  # two of the four already have it (from another send)
    emu.faults.add("reset", endpoint="sendSMS", times=1)  # the connection dies: nothing is known
    first = sending.run(_send(), Every8dHook().call, store=store)
    assert first.verdict is sending.Verdict.RETRY
    mark = len(emu.requests)
    second = sending.run(_send(), Every8dHook().call, store=store)
    asked, sent = _message_requests(emu.requests[mark:])
    assert asked.fields.get("IsSend") == "false"  # the question comes before any message
    assert sent.endpoint == "sendSMS4FilterMessage" and sent.fields["DEST"] == "0900000002,0900000004"
    assert all(emu.sent_count(n) == 1 for n in EVERYONE)
    assert second.to_xcom()["sent"] == 2 and sorted(second.to_xcom()["filtered"]) == PLANTED
