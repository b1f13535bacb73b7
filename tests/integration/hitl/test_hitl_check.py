"""The API server's SMS answer check (``POST /every8d/hitl/<ti_id>/check``, Airflow's real API app served by
uvicorn on 127.0.0.1) for a request deferred on the HITL trigger: it records what the platform's reply list
says with the masked number as ``responded_by`` and leaves the resume to the trigger; a forged, unknown or
repeated call changes nothing. Then the trigger itself, its poll finding the answer: through the check the
record names the number; without the endpoint, the Execution API write (Airflow's real route) names nobody."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.plugins import hitl_check
from airflow_provider_every8d.triggers import hitl as trigger_module
from airflow_provider_every8d.triggers.hitl import Every8dHITLTrigger
from tests.harness.hitl import APPROVER, STRANGER, hitl_state
from tests.harness.receiver import api_app, served_on_localhost  # noqa: F401

SMS_RESPONDER = {"id": "every8d-sms:0900***021", "name": "0900***021 (SMS)"}


@pytest.fixture
def api_server(api_app: Any) -> Iterator[str]:  # noqa: F811
    with served_on_localhost(api_app) as port:
        yield f"http://127.0.0.1:{port}"


def _check(api_server: str, ti_id: Any) -> tuple[int, Any]:
    response = httpx.post(f"{api_server}/every8d/hitl/{ti_id}/check", timeout=30)
    return response.status_code, response.json()


def test_a_check_records_the_answer_with_the_masked_number_and_leaves_the_resume(
        api_server: str, waiting: dict, every8d_emulator: Every8dEmulator) -> None:
    every8d_emulator.inject_reply(waiting["batch_id"], APPROVER, "１")
    assert _check(api_server, waiting["ti_id"]) == (200, {"outcome": "recorded"})
    assert hitl_state(waiting["ti_id"]) == ("deferred", ["Approve"], SMS_RESPONDER)


def test_a_second_check_after_the_answer_changes_nothing(api_server: str, waiting: dict,
                                                         every8d_emulator: Every8dEmulator) -> None:
    every8d_emulator.inject_reply(waiting["batch_id"], APPROVER, "1")
    _check(api_server, waiting["ti_id"])
    every8d_emulator.inject_reply(waiting["batch_id"], APPROVER, "2")
    before = len(every8d_emulator.requests)
    assert _check(api_server, waiting["ti_id"]) == (200, {"outcome": "answered"})
    assert hitl_state(waiting["ti_id"]) == ("deferred", ["Approve"], SMS_RESPONDER)
    assert len(every8d_emulator.requests) == before  # answered: the platform is not asked again


@pytest.mark.parametrize("reply_from", [None, STRANGER], ids=["no-reply-at-all", "a-number-not-allowed"])
def test_a_check_without_an_answer_in_the_reply_list_changes_nothing(
        api_server: str, waiting: dict, every8d_emulator: Every8dEmulator, reply_from: str | None) -> None:
    if reply_from is not None:
        every8d_emulator.inject_reply(waiting["batch_id"], reply_from, "1")
    assert _check(api_server, waiting["ti_id"]) == (200, {"outcome": "nothing"})
    assert hitl_state(waiting["ti_id"]) == ("deferred", None, None)


def _set_trigger_kwargs(ti_id: Any, **changes: Any) -> None:
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.trigger import Trigger
    from airflow.utils.session import create_session

    with create_session() as session:
        trigger = session.get(Trigger, session.get(TaskInstance, ti_id).trigger_id)
        trigger.kwargs = {**trigger.kwargs, **changes}


def test_a_reply_after_the_response_timeout_is_not_recorded_the_trigger_applies_the_defaults(
        api_server: str, waiting: dict, every8d_emulator: Every8dEmulator) -> None:
    import pendulum

    _set_trigger_kwargs(waiting["ti_id"], timeout_datetime=pendulum.now("UTC").subtract(hours=1),
                        defaults=["Reject"])
    every8d_emulator.inject_reply(waiting["batch_id"], APPROVER, "1")  # an hour late
    assert _check(api_server, waiting["ti_id"]) == (200, {"outcome": "nothing"})
    assert hitl_state(waiting["ti_id"]) == ("deferred", None, None)


def test_a_check_whose_reply_read_outlasts_its_budget_writes_nothing(
        waiting: dict, every8d_emulator: Every8dEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """The asking trigger stops waiting after CHECK_WAIT s and writes the answer itself; the endpoint must
    not write after that too (it gives up after CHECK_BUDGET s)."""
    every8d_emulator.inject_reply(waiting["batch_id"], APPROVER, "1")
    monkeypatch.setattr(hitl_check, "CHECK_BUDGET", -1.0)  # the reply read took longer than the budget
    assert hitl_check.check(waiting["ti_id"]) == (200, hitl_check.CheckOutcome.NOTHING)
    assert hitl_state(waiting["ti_id"]) == ("deferred", None, None)


@pytest.mark.parametrize("ti_id", [uuid.uuid4(), "not-a-uuid"], ids=["unknown", "malformed"])
def test_a_check_of_an_unknown_request_answers_404(api_server: str, waiting: dict, ti_id: Any) -> None:
    assert _check(api_server, ti_id) == (404, {"outcome": "unknown"})
    assert hitl_state(waiting["ti_id"]) == ("deferred", None, None)


def test_checks_of_one_request_are_rate_limited(api_server: str, waiting: dict, every8d_emulator: Every8dEmulator,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hitl_check, "CHECK_INTERVAL", 3600.0)
    assert _check(api_server, waiting["ti_id"]) == (200, {"outcome": "nothing"})
    every8d_emulator.inject_reply(waiting["batch_id"], APPROVER, "1")
    before = len(every8d_emulator.requests)
    assert _check(api_server, waiting["ti_id"]) == (429, {"outcome": "busy"})
    assert len(every8d_emulator.requests) == before
    assert hitl_state(waiting["ti_id"]) == ("deferred", None, None)


# -- the trigger, its poll finding the answer ------------------------------------------------------------------


@pytest.fixture
def execution_api(monkeypatch: pytest.MonkeyPatch) -> None:
    """The trigger reads and writes the record through Airflow's real Execution API routes (in-process, as
    ``dag.test()`` runs them), on this test's database."""
    from airflow.sdk.execution_time.supervisor import InProcessTestSupervisor

    client = InProcessTestSupervisor._api_client()
    monkeypatch.setattr(trigger_module, "_record_api", lambda: (client.hitl.get_detail_response,
                                                                client.hitl.update_response))


def _first_event(waiting: dict) -> dict[str, Any]:
    trigger = Every8dHITLTrigger(ti_id=waiting["ti_id"], batch_ids=[waiting["batch_id"]],
                                 options=["Approve", "Reject"], allowed_numbers=[APPROVER], poll_interval=0.1,
                                 record_interval=0.1)

    async def first() -> Any:
        return await asyncio.wait_for(anext(trigger.run()), timeout=60)

    return dict(asyncio.run(first()).payload)


def test_the_trigger_has_the_api_server_record_who_answered(
        api_server: str, waiting: dict, every8d_emulator: Every8dEmulator, execution_api: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", api_server)
    every8d_emulator.inject_reply(waiting["batch_id"], APPROVER, "2")
    event = _first_event(waiting)
    assert (event["chosen_options"], event["responded_by_user"]) == (["Reject"], SMS_RESPONDER)
    assert hitl_state(waiting["ti_id"]) == ("deferred", ["Reject"], SMS_RESPONDER)


def test_without_the_endpoint_the_trigger_writes_the_answer_itself_and_says_why(
        waiting: dict, every8d_emulator: Every8dEmulator, execution_api: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """An API server without the provider: its UI answers any other path (here: a plain 404)."""
    from fastapi import FastAPI
    from structlog.testing import capture_logs

    monkeypatch.setattr(trigger_module, "_check_problems_logged", set())
    with served_on_localhost(FastAPI()) as port:
        monkeypatch.setenv("AIRFLOW__API__BASE_URL", f"http://127.0.0.1:{port}")
        every8d_emulator.inject_reply(waiting["batch_id"], APPROVER, "1")
        with capture_logs() as logs:
            event = _first_event(waiting)
    assert event["chosen_options"] == ["Approve"]
    assert event["responded_by_user"] == SMS_RESPONDER  # the task's return value still names the number
    assert hitl_state(waiting["ti_id"]) == ("deferred", ["Approve"], None)
    warnings = [entry["event"] for entry in logs if entry.get("log_level") == "warning"]
    assert len(warnings) == 1 and "HTTP 404 without an answer" in warnings[0]


def test_a_check_that_recorded_but_whose_answer_was_lost_is_not_answered_twice(
        api_server: str, waiting: dict, every8d_emulator: Every8dEmulator, execution_api: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The endpoint recorded the answer, then its HTTP answer was lost (a timeout, say): the trigger's own
    write meets Airflow's 409 and the trigger ends with what the record holds."""
    async def recorded_then_lost(ti_id: Any) -> tuple[None, str]:
        assert _check(api_server, ti_id) == (200, {"outcome": "recorded"})
        return None, "the API server could not be reached (ReadTimeout)"

    monkeypatch.setattr(trigger_module, "_ask_api_server", recorded_then_lost)
    every8d_emulator.inject_reply(waiting["batch_id"], APPROVER, "1")
    event = _first_event(waiting)
    assert (event["chosen_options"], event["responded_by_user"]) == (["Approve"], SMS_RESPONDER)
    assert hitl_state(waiting["ti_id"]) == ("deferred", ["Approve"], SMS_RESPONDER)
