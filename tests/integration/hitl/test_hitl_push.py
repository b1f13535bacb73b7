"""A STATUS=999 push through the receiver (Airflow's real API app, in-process) answers a HITL request that
waits in the triggerer: the record names the masked number, the task is resumed at once; a push the
platform's reply list does not confirm, or from a number not allowed, changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from tests.harness.hitl import APPROVER, STRANGER, hitl_state
from tests.harness.receiver import TOKEN, api_app, client, push_token, report  # noqa: F401


def _push(client: Any, batch_id: str, mobile: str, text: str) -> None:  # noqa: F811
    query = report("demo", BatchID=batch_id, RM="+886" + mobile[1:], STATUS="999", SM=text)
    response = client.get(f"/every8d/push/{TOKEN}", params=query)
    assert response.status_code == 200, response.text


def test_a_confirmed_reply_push_answers_and_resumes(client: Any, waiting: dict,  # noqa: F811
                                                     every8d_emulator: Every8dEmulator) -> None:
    every8d_emulator.inject_reply(waiting["batch_id"], APPROVER, "１")
    _push(client, waiting["batch_id"], APPROVER, "１")
    state, chosen, responded_by = hitl_state(waiting["ti_id"])
    assert (state, chosen) == ("scheduled", ["Approve"])
    assert responded_by == {"id": "every8d-sms:0900***021", "name": "0900***021 (SMS)"}


def test_a_push_the_reply_list_does_not_hold_changes_nothing(client: Any, waiting: dict) -> None:  # noqa: F811
    _push(client, waiting["batch_id"], APPROVER, "1")  # forged: the platform has no such reply
    assert hitl_state(waiting["ti_id"]) == ("deferred", None, None)


def test_a_push_from_a_number_not_allowed_changes_nothing(client: Any, waiting: dict,  # noqa: F811
                                                          every8d_emulator: Every8dEmulator) -> None:
    every8d_emulator.inject_reply(waiting["batch_id"], STRANGER, "1")
    _push(client, waiting["batch_id"], STRANGER, "1")
    assert hitl_state(waiting["ti_id"]) == ("deferred", None, None)


@pytest.mark.parametrize("waiting", [False], ids=["not-yet-in-a-triggerer"], indirect=True)
def test_a_push_before_a_triggerer_runs_the_wait_leaves_the_resume_to_the_trigger(
        client: Any, waiting: dict, every8d_emulator: Every8dEmulator) -> None:  # noqa: F811
    """Resuming a task that deferred moments ago can meet Airflow 3.3.2's stale defer-exit race
    (apache/airflow#72716): the answer is recorded, and the trigger ends with it when it starts."""
    every8d_emulator.inject_reply(waiting["batch_id"], APPROVER, "1")
    _push(client, waiting["batch_id"], APPROVER, "1")
    state, chosen, responded_by = hitl_state(waiting["ti_id"])
    assert (state, chosen, responded_by["name"]) == ("deferred", ["Approve"], "0900***021 (SMS)")
