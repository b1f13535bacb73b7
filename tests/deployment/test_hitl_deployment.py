"""Human-in-the-loop by SMS on real processes: API server (with the push receiver), scheduler, DAG processor
and triggerer (tests/harness/airflow_processes.py, SQLite, LocalExecutor), the emulator pushing to the API
server. The deploy-approval example DAG runs twice:

1. the on-call approves by SMS: the emulator's STATUS=999 push reaches the receiver, which records the
   answer with the masked number as ``responded_by`` and resumes the task (the triggerer's reply poll, every
   30 s in the example, is only the fallback);
2. nobody replies; a user answers through ``PATCH .../hitlDetails`` while the SMS is still unanswered: the
   record names that user, the task resumes, and the deploy is skipped (Reject);
3. the on-call approves by SMS but the reply's push is lost: the triggerer's poll (30 s in the example)
   finds it and has the API server's check endpoint record it, so the record still names the masked
   number, and the task resumes.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from tests.harness.airflow_processes import Airflow, healthy, wait_for

pytestmark = pytest.mark.deployment
pytest.importorskip("airflow.providers.standard.operators.hitl", reason="Human-in-the-loop needs Airflow 3.1+")

DAG_ID = "example_every8d_deploy_approval"
TASK_ID = "approve_deploy"
TOKEN = "hitl-push-token-0123456789abcdef"
USER, PASSWORD = "ops", "ops-password-1"
APPROVER = "0900000021"
STARTUP, STEP = 120.0, 90.0
"""Bounds in seconds; on an idle machine the module takes about a minute (a busy one starts tasks slowly)."""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Airflow, Every8dEmulator]]:
    home = tmp_path_factory.mktemp("hitl") / "home"
    airflow = Airflow(home, [f"{DAG_ID}.py"], {
        "AIRFLOW__EVERY8D__PUSH_TOKEN": TOKEN,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
    })
    (home / "passwords.json").write_text(json.dumps({USER: PASSWORD}))
    airflow.env["AIRFLOW__API__BASE_URL"] = airflow.base_url  # the SMS carries the Required Actions link
    with Every8dEmulator(delivery_seconds=0.5, push_url=f"{airflow.base_url}/every8d/push/{TOKEN}") as emulator:
        airflow.env.update(emulator.connection_env())
        try:
            airflow.start_all("scheduler", "dag-processor", "triggerer")
            deadline = time.monotonic() + STARTUP
            wait_for("the API server", lambda: healthy(f"{airflow.base_url}/api/v2/monitor/health"), deadline,
                     airflow.home)
            wait_for("the example DAG parsed", lambda: airflow.query(
                "SELECT 1 FROM dag WHERE dag_id = ? AND is_paused = 0", DAG_ID), deadline, airflow.home)
            yield airflow, emulator
        finally:
            airflow.stop()


def _api(airflow: Airflow, method: str, path: str, body: dict[str, Any] | None = None,
         token: str | None = None) -> Any:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(f"{airflow.base_url}{path}", method=method, headers=headers,
                                     data=json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def _token(airflow: Airflow) -> str:
    return str(_api(airflow, "POST", "/auth/token", {"username": USER, "password": PASSWORD})["access_token"])


def _trigger(airflow: Airflow, token: str) -> str:
    run_id = f"hitl-{time.time_ns()}"
    _api(airflow, "POST", f"/api/v2/dags/{DAG_ID}/dagRuns", {"dag_run_id": run_id, "logical_date": None}, token)
    return run_id


def _states(airflow: Airflow, run_id: str) -> dict[str, str]:
    return dict(airflow.query("SELECT task_id, state FROM task_instance WHERE dag_id = ? AND run_id = ?",
                              DAG_ID, run_id))


def _finished(airflow: Airflow, run_id: str) -> str | None:
    rows = airflow.query("SELECT state FROM dag_run WHERE dag_id = ? AND run_id = ?", DAG_ID, run_id)
    return rows[0][0] if rows and rows[0][0] in ("success", "failed") else None


def _details(airflow: Airflow, run_id: str, token: str) -> dict[str, Any]:
    return dict(_api(airflow, "GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{TASK_ID}/-1/"
                                     "hitlDetails", token=token))


def _deferral_settled(airflow: Airflow, run_id: str) -> bool:
    """Whether the scheduler logged the executor event of the try that deferred (Airflow 3.3.2 fails a task
    resumed before it: apache/airflow#72716)."""
    log = airflow.home / "scheduler.log"
    event = ("Received executor event with state success for task instance TaskInstanceKey("
             f"dag_id='{DAG_ID}', task_id='{TASK_ID}', run_id='{run_id}', try_number=1")
    return log.exists() and event in log.read_text(errors="replace")


def _trigger_completed(airflow: Airflow, run_id: str) -> bool:
    """Whether the triggerer has ended the run's HITL trigger (fired or cancelled). The next run must not defer
    before: on SQLite a new trigger row can reuse a deleted trigger's id, and an event the old trigger then
    fires (it reads the answered record) resumes the new task with the old answer (seen: a run approved 1 s
    after deferral, its own trigger never started)."""
    folder = airflow.home / "logs" / f"dag_id={DAG_ID}" / f"run_id={run_id}" / f"task_id={TASK_ID}"
    return any("trigger completed" in log.read_text(errors="replace") for log in folder.glob("*.trigger.*.log"))


def _settle(airflow: Airflow, run_id: str) -> None:
    wait_for("the run's HITL trigger to end", lambda: _trigger_completed(airflow, run_id), time.monotonic() + STEP,
             airflow.home)


def _approved_by_sms(airflow: Airflow, emulator: Every8dEmulator, *, pushed: bool) -> None:
    """Run the DAG, the on-call replying ``1`` 10 s after the text (well after the deferral: apache/airflow#72716
    below), its push sent or lost; assert the deploy ran and the record names the masked number."""
    token = _token(airflow)
    emulator.reply_after(APPROVER, "1", delay=10.0, push=pushed)
    try:
        run_id = _trigger(airflow, token)
        state = wait_for("the approved run to finish", lambda: _finished(airflow, run_id),
                         time.monotonic() + STEP, airflow.home)
    finally:
        emulator.reply_after(APPROVER, None)
    assert state == "success"
    assert _states(airflow, run_id) == {"build": "success", TASK_ID: "success", "deploy": "success"}
    details = _details(airflow, run_id, token)
    assert details["chosen_options"] == ["Approve"]
    assert details["responded_by_user"] == {"id": "every8d-sms:0900***021", "name": "0900***021 (SMS)"}
    _settle(airflow, run_id)


def test_answered_by_sms_reply_the_push_records_the_masked_number(stack: tuple[Airflow, Every8dEmulator]) -> None:
    airflow, emulator = stack
    _approved_by_sms(airflow, emulator, pushed=True)
    texts = [m.text for m in emulator.messages if m.mobile == "+886900000021"]
    assert len(texts) == 1 and f"{airflow.base_url}/dags/{DAG_ID}/runs/" in texts[0]
    assert any(p.params.get("STATUS") == "999" and p.ok for p in emulator.pushes)


def test_answered_through_the_rest_api_while_the_sms_is_unanswered(stack: tuple[Airflow, Every8dEmulator]) -> None:
    airflow, emulator = stack
    token = _token(airflow)
    run_id = _trigger(airflow, token)
    deadline = time.monotonic() + STEP
    # Answered once a triggerer runs the wait: an answer within about a second of the deferral can meet
    # Airflow 3.3.2's stale defer-exit race (apache/airflow#72716), which fails the resumed task.
    wait_for("the approval to wait in the triggerer", lambda: airflow.query(
        "SELECT 1 FROM task_instance ti JOIN trigger t ON t.id = ti.trigger_id WHERE ti.run_id = ? AND "
        "ti.task_id = ? AND ti.state = 'deferred' AND t.triggerer_id IS NOT NULL", run_id, TASK_ID),
        deadline, airflow.home)
    # ... and once the scheduler has taken the deferring workload's own executor event: one arriving after
    # the resumed task was queued again is the race itself (seen in a fresh-clone run, 0.5 s after deferral).
    wait_for("the scheduler to see the deferral's executor event", lambda: _deferral_settled(airflow, run_id),
             deadline, airflow.home)
    assert not [r for r in emulator.replies if r.batch_id in {m.batch_id for m in emulator.messages[-2:]}]
    answer = _api(airflow, "PATCH", f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{TASK_ID}/-1/"
                                    "hitlDetails", {"chosen_options": ["Reject"], "params_input": {}}, token)
    assert answer["chosen_options"] == ["Reject"]
    state = wait_for("the rejected run to finish", lambda: _finished(airflow, run_id), deadline, airflow.home)
    assert state == "success"
    assert _states(airflow, run_id) == {"build": "success", TASK_ID: "success", "deploy": "skipped"}
    details = _details(airflow, run_id, token)
    assert details["chosen_options"] == ["Reject"]
    assert details["responded_by_user"]["name"] == USER
    _settle(airflow, run_id)


def test_answered_by_sms_whose_push_is_lost_the_poll_records_the_masked_number(
        stack: tuple[Airflow, Every8dEmulator]) -> None:
    airflow, emulator = stack
    _approved_by_sms(airflow, emulator, pushed=False)  # the reply is in the 2.4 list only
    batch_ids = {m.batch_id for m in emulator.messages if m.mobile == "+886900000021"}
    answered = [r for r in emulator.replies if r.batch_id in batch_ids and r.content == "1"]
    assert answered and not [p for p in emulator.pushes
                             if p.params.get("STATUS") == "999" and p.params.get("BatchID") == answered[-1].batch_id]
