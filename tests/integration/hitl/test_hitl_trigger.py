"""Every8dHITLTrigger run directly (asyncio) against the emulator over real HTTP, with the HITL record
kept in memory in place of Airflow's Execution API: who writes first wins, failures are retried."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.hooks.every8d import Every8dHook
from airflow_provider_every8d.triggers import hitl as module
from airflow_provider_every8d.triggers.hitl import Every8dHITLTrigger

APPROVER = "0900000021"


class Record:
    """The HITL record as the Execution API serves it: one response accepted, a second write refused."""

    def __init__(self, fail_writes: int = 0) -> None:
        self.chosen: list[str] | None = None
        self.user: Any = None
        self.fail_writes = fail_writes
        self.ui_answer: tuple[list[str], Any] | None = None

    def read(self, ti_id: Any) -> Any:
        return SimpleNamespace(response_received=self.chosen is not None, chosen_options=self.chosen,
                               responded_by_user=self.user, params_input={},
                               responded_at=datetime.now(timezone.utc) if self.chosen else None)

    def write(self, ti_id: Any, chosen_options: list[str], params_input: dict) -> Any:
        if self.fail_writes:
            self.fail_writes -= 1
            raise ConnectionError("API server unavailable")
        if self.ui_answer is not None:  # someone answered in the UI between the read and this write
            self.chosen, self.user = self.ui_answer
            self.ui_answer = None
        if self.chosen is not None:
            raise RuntimeError("409 Conflict: already answered")
        self.chosen = chosen_options
        return self.read(ti_id)


@pytest.fixture
def record(monkeypatch: pytest.MonkeyPatch) -> Record:
    """The record in memory; no API server answer check (nothing listens on port 9: the trigger writes the
    answer itself, see test_hitl_check.py for the check)."""
    value = Record()
    monkeypatch.setattr(module, "_record_api", lambda: (value.read, value.write))
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "http://127.0.0.1:9")
    return value


def _trigger(batch_id: str, **overrides: Any) -> Every8dHITLTrigger:
    kwargs: dict[str, Any] = {"ti_id": uuid.uuid4(), "batch_ids": [batch_id], "options": ["Approve", "Reject"],
                              "allowed_numbers": [APPROVER], "poll_interval": 0.1, "record_interval": 0.1}
    return Every8dHITLTrigger(**{**kwargs, **overrides})


def _first_event(trigger: Every8dHITLTrigger) -> dict[str, Any]:
    async def first() -> Any:
        return await asyncio.wait_for(anext(trigger.run()), timeout=30)

    return dict(asyncio.run(first()).payload)


def _ask(emulator: Every8dEmulator, reply: str | None = None) -> str:
    if reply is not None:
        emulator.reply_after(APPROVER, reply, delay=0.1)
    return Every8dHook().send_sms("Deploy? 1 Approve, 2 Reject: reply with the number", APPROVER).batch_id


def test_an_sms_answer_is_written_into_the_record(every8d_emulator: Every8dEmulator, record: Record) -> None:
    event = _first_event(_trigger(_ask(every8d_emulator, "2")))
    assert record.chosen == ["Reject"]
    assert (event["chosen_options"], event["responded_by_user"]["name"]) == (["Reject"], "0900***021 (SMS)")


def test_a_failed_record_write_is_tried_again(every8d_emulator: Every8dEmulator, record: Record) -> None:
    record.fail_writes = 2
    event = _first_event(_trigger(_ask(every8d_emulator, "1")))
    assert (record.chosen, record.fail_writes, event["chosen_options"]) == (["Approve"], 0, ["Approve"])


def test_the_record_answered_first_wins_over_a_later_sms(every8d_emulator: Every8dEmulator, record: Record) -> None:
    batch_id = _ask(every8d_emulator)
    record.chosen, record.user = ["Approve"], SimpleNamespace(id="7", name="alice")
    every8d_emulator.inject_reply(batch_id, APPROVER, "2")
    event = _first_event(_trigger(batch_id))
    assert (event["chosen_options"], event["responded_by_user"]) == (["Approve"], {"id": "7", "name": "alice"})
    assert record.chosen == ["Approve"]


def test_a_refused_reply_query_leaves_the_timeout(every8d_emulator: Every8dEmulator, record: Record,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    batch_id = _ask(every8d_emulator, "1")
    monkeypatch.setenv("AIRFLOW_CONN_EVERY8D_DEFAULT", every8d_emulator.connection_json().replace(
        "demo-password", "wrong-password"))
    deadline = datetime.now(timezone.utc) + timedelta(seconds=1)
    event = _first_event(_trigger(batch_id, defaults=["Reject"], timeout_datetime=deadline))
    assert (event["chosen_options"], event["timedout"]) == (["Reject"], True)
    assert record.chosen == ["Reject"]


def test_a_ui_answer_between_read_and_write_wins(every8d_emulator: Every8dEmulator, record: Record) -> None:
    record.ui_answer = (["Approve"], SimpleNamespace(id="7", name="alice"))
    event = _first_event(_trigger(_ask(every8d_emulator, "2")))
    assert (event["chosen_options"], event["responded_by_user"]["name"]) == (["Approve"], "alice")
    assert record.chosen == ["Approve"]
