"""Every8dHITLNotifier on a standard HITLOperator: the request's subject, options and UI link texted over
real HTTP to the emulator, once even when the task calls its notifiers again (a retry)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.notifications.every8d import Every8dHITLNotifier

APPROVER = "0900000021"


@pytest.fixture
def context(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    from airflow.providers.standard.operators.hitl import HITLOperator

    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "https://airflow.example")
    task = HITLOperator(task_id="choose", subject="Which region?", options=["tw", "jp", "us"],
                        body="Pick where the release goes first.")
    ti = SimpleNamespace(dag_id="release", run_id="manual__1", task_id="choose", map_index=-1)
    return {"task": task, "task_instance": ti, "ti": ti}


def test_notifier_texts_subject_options_and_link(every8d_emulator: Every8dEmulator, context: dict) -> None:
    Every8dHITLNotifier(recipients=APPROVER).notify(context)
    [message] = every8d_emulator.messages
    assert message.text == ("Which region? Pick where the release goes first. tw / jp / us. Answer in Airflow: "
                            "https://airflow.example/dags/release/runs/manual__1/tasks/choose/required_actions"
                            "?map_index=-1")


def test_a_second_call_texts_nobody_again(every8d_emulator: Every8dEmulator, context: dict) -> None:
    notifier = Every8dHITLNotifier(recipients=APPROVER)
    notifier.notify(context)
    notifier.notify(context)  # the task retried: the 24-hour duplicate filter drops it
    assert every8d_emulator.sent_count(APPROVER) == 1


def test_not_attached_to_a_hitl_operator_names_the_problem(every8d_emulator: Every8dEmulator) -> None:
    from airflow_provider_every8d.protocol.errors import Every8dValidationError

    with pytest.raises(Every8dValidationError, match="not attached to a HITL operator"):
        Every8dHITLNotifier(recipients=APPROVER).notify({"task": object(), "task_instance": None})
    assert every8d_emulator.messages == []
