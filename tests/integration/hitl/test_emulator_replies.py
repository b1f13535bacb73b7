"""The emulator's scripted replies: a number told to answer with a text after a delay (what a DAG author
uses to test an SMS approval), read back over real HTTP with the provider's hook."""

from __future__ import annotations

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.hooks.every8d import Every8dHook

APPROVER = "0900000021"


def test_scripted_number_replies_its_text_after_delivery_and_delay(every8d_emulator: Every8dEmulator) -> None:
    every8d_emulator.reply_after(APPROVER, "１", delay=30)
    hook = Every8dHook()
    batch_id = hook.send_sms("Deploy? 1 Approve, 2 Reject: reply with the number", [APPROVER, "0900000022"]).batch_id
    every8d_emulator.advance(10)  # delivered (0.2 s), but the 30 s have not passed
    assert list(hook.iter_replies(batch_id)) == []
    every8d_emulator.advance(30)
    replies = list(hook.iter_replies(batch_id))
    assert [(reply.mobile, reply.content) for reply in replies] == [("+886900000021", "１")]


def test_script_applies_to_every_later_sms_until_stopped(every8d_emulator: Every8dEmulator) -> None:
    every8d_emulator.reply_after(APPROVER, "2")
    hook = Every8dHook()
    first = hook.send_sms("Q1", APPROVER).batch_id
    every8d_emulator.reply_after(APPROVER, None)
    second = hook.send_sms("Q2", APPROVER).batch_id
    every8d_emulator.advance(5)
    assert [reply.content for reply in hook.iter_replies(first)] == ["2"]
    assert list(hook.iter_replies(second)) == []


def test_a_scripted_reply_without_its_push_is_in_the_reply_list_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """``push=False``: the reply's STATUS=999 push is lost (what makes a HITL wait fall back on its poll)."""
    with Every8dEmulator(delivery_seconds=0.2, push_url="http://127.0.0.1:9/push", push_max_attempts=1) as emulator:
        monkeypatch.setenv("AIRFLOW_CONN_EVERY8D_DEFAULT", emulator.connection_json())
        emulator.reply_after(APPROVER, "1", push=False)
        emulator.reply_after("0900000022", "2")
        batch_id = Every8dHook().send_sms("Deploy? 1 Approve, 2 Reject", [APPROVER, "0900000022"]).batch_id
        emulator.advance(5)
        pushes = emulator.wait_for_pushes(3, timeout=10, ok_only=False)  # two deliveries, one reply, in order
        replies = sorted((reply.mobile, reply.content) for reply in Every8dHook().iter_replies(batch_id))
    assert replies == [("+886900000021", "1"), ("+886900000022", "2")]
    assert [push.params["RM"] for push in pushes if push.params["STATUS"] == "999"] == ["+886900000022"]
