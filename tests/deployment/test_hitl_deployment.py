"""Human-in-the-loop by SMS on the production-shaped deployment (tests/deployment/conftest.py: PostgreSQL,
CeleryExecutor, two API servers with the push receiver, two triggerers), ``[api] base_url`` API server 1,
the emulator pushing to API server 2 while this module runs. The deploy-approval example DAG runs three
times:

1. the on-call approves by SMS: the emulator's STATUS=999 push reaches the receiver, which records the
   answer with the masked number as ``responded_by`` and resumes the task (the reply poll of whichever
   triggerer runs the wait, every 30 s in the example, is only the fallback);
2. nobody replies; a user answers through ``PATCH .../hitlDetails`` while the SMS is still unanswered: the
   record names that user, the task resumes, and the deploy is skipped (Reject);
3. the on-call approves by SMS but the reply's push is lost: the triggerer's poll (30 s in the example)
   finds it and has the check endpoint at ``[api] base_url`` record it, so the record still names the
   masked number, and the task resumes.

PostgreSQL never reuses a trigger row's id, so a run need not wait for the previous run's trigger to end
(on SQLite it must: docs/human-in-the-loop.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.emulator.push import PushAttempt, PushWorker, Ticker
from tests.deployment.deployment_record import PUSH_TOKEN
from tests.harness.deployment import Deployment

pytestmark = pytest.mark.deployment
pytest.importorskip("airflow.providers.standard.operators.hitl", reason="Human-in-the-loop needs Airflow 3.1+")

DAG_ID = "example_every8d_deploy_approval"
TASK_ID = "approve_deploy"
USER = "ops"
APPROVER, APPROVER_E164 = "0900000021", "+886900000021"
STEP = 120.0
"""Bound in seconds for one run; on an idle machine a run takes 15-45 s (a busy one starts tasks slowly)."""
_MINT = ("from airflow.api_fastapi.app import create_auth_manager\n"
         "from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser\n"
         f"print('TOKEN=' + create_auth_manager().generate_jwt(SimpleAuthManagerUser(username={USER!r}, "
         "role='admin')))")


@pytest.fixture(scope="module")
def pushes(deployment: Deployment, emulator: Every8dEmulator) -> Iterator[list[PushAttempt]]:
    """The deployment's emulator pushes every report to API server 2's receiver while this module runs (the
    other deployment tests send too many messages for a push each); the push attempts, in order."""
    attempts: list[PushAttempt] = []
    worker = PushWorker(f"{deployment.api_url(2)}/every8d/push/{PUSH_TOKEN}", attempts.append)
    ticker = Ticker(emulator.store.refresh)  # deliveries and replies fall due without anyone polling
    worker.start()
    ticker.start()
    with emulator.store.lock:
        emulator.store.on_report = worker.submit
    try:
        yield attempts
    finally:
        with emulator.store.lock:
            emulator.store.on_report = None
        ticker.stop()
        worker.stop()


@pytest.fixture(scope="module")
def token(deployment: Deployment) -> str:
    """A bearer token for the Airflow user ``ops`` from the deployment's own auth manager (its token-less
    requests are all "Anonymous", ``simple_auth_manager_all_admins``): the REST answer has a name to record."""
    done = subprocess.run([sys.executable, "-c", _MINT], env=deployment.env, capture_output=True, timeout=120,
                          check=True)
    return next(line[6:] for line in done.stdout.decode().splitlines() if line.startswith("TOKEN="))


def _api(deployment: Deployment, method: str, path: str, token: str, body: dict[str, Any] | None = None) -> Any:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    request = urllib.request.Request(f"{deployment.api_url(1)}{path}", method=method, headers=headers,
                                     data=json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def _trigger(deployment: Deployment, token: str) -> str:
    """A run with a short id: the SMS must hold the options and the link, which holds the run id."""
    run_id = f"hitl-{time.time_ns()}"
    _api(deployment, "POST", f"/api/v2/dags/{DAG_ID}/dagRuns", token, {"dag_run_id": run_id, "logical_date": None})
    return run_id


def _states(deployment: Deployment, run_id: str) -> dict[str, str]:
    return dict(deployment.query("SELECT task_id, state FROM task_instance WHERE dag_id = :dag AND run_id = :run",
                                 dag=DAG_ID, run=run_id))


def _details(deployment: Deployment, run_id: str, token: str) -> dict[str, Any]:
    return dict(_api(deployment, "GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{TASK_ID}/-1/"
                                        "hitlDetails", token))


def _texts(emulator: Every8dEmulator, run_id: str) -> list[tuple[str, str]]:
    """``(batch id, text)`` of what the approver was texted for this run (its text links to the run)."""
    with emulator.store.lock:
        return [(m.batch_id, m.text) for m in emulator.store.messages
                if m.mobile == APPROVER_E164 and f"/runs/{run_id}/" in m.text]


def _deferral_settled(deployment: Deployment, run_id: str) -> bool:
    """Whether the scheduler logged the executor event of the try that deferred (Airflow 3.3.2 fails a task
    resumed before it: apache/airflow#72716)."""
    event = ("Received executor event with state success for task instance TaskInstanceKey("
             f"dag_id='{DAG_ID}', task_id='{TASK_ID}', run_id='{run_id}', try_number=1")
    return event in (deployment.home / "scheduler.log").read_text(errors="replace")


def _approved_by_sms(deployment: Deployment, emulator: Every8dEmulator, token: str, *, pushed: bool) -> str:
    """Run the DAG, the on-call replying ``1`` 6 s after the delivery (12 s after the text: well after the
    deferral, apache/airflow#72716 below), its push sent or lost; assert the deploy ran and the record names
    the masked number; the run id."""
    emulator.reply_after(APPROVER, "1", delay=6.0, push=pushed)
    try:
        run_id = _trigger(deployment, token)
        state = deployment.wait_run(DAG_ID, run_id, STEP)
    finally:
        emulator.reply_after(APPROVER, None)
    assert state == "success"
    assert _states(deployment, run_id) == {"build": "success", TASK_ID: "success", "deploy": "success"}
    details = _details(deployment, run_id, token)
    assert details["chosen_options"] == ["Approve"]
    assert details["responded_by_user"] == {"id": "every8d-sms:0900***021", "name": "0900***021 (SMS)"}
    return run_id


def test_answered_by_sms_reply_the_push_records_the_masked_number(
        deployment: Deployment, emulator: Every8dEmulator, pushes: list[PushAttempt], token: str) -> None:
    run_id = _approved_by_sms(deployment, emulator, token, pushed=True)
    texts = _texts(emulator, run_id)
    base_url = deployment.env["AIRFLOW__API__BASE_URL"]
    assert len(texts) == 1 and f"{base_url}/dags/{DAG_ID}/runs/{run_id}/" in texts[0][1]
    assert any(p.params.get("STATUS") == "999" and p.params.get("BatchID") == texts[0][0] and p.ok
               for p in list(pushes))


def test_answered_through_the_rest_api_while_the_sms_is_unanswered(
        deployment: Deployment, emulator: Every8dEmulator, pushes: list[PushAttempt], token: str) -> None:
    run_id = _trigger(deployment, token)
    deadline = time.monotonic() + STEP
    # Answered once a triggerer (either) runs the wait: an answer within about a second of the deferral can
    # meet Airflow 3.3.2's stale defer-exit race (apache/airflow#72716), which fails the resumed task.
    deployment.wait("the approval to wait in a triggerer", lambda: deployment.query(
        "SELECT 1 FROM task_instance ti JOIN trigger t ON t.id = ti.trigger_id WHERE ti.dag_id = :dag AND "
        "ti.run_id = :run AND ti.task_id = :task AND ti.state = 'deferred' AND t.triggerer_id IS NOT NULL",
        dag=DAG_ID, run=run_id, task=TASK_ID), deadline - time.monotonic())
    # ... and once the scheduler has taken the deferring workload's own executor event: one arriving after
    # the resumed task was queued again is the race itself (seen in a fresh-clone run, 0.5 s after deferral).
    deployment.wait("the scheduler to see the deferral's executor event", lambda: _deferral_settled(
        deployment, run_id), deadline - time.monotonic(), component="scheduler")
    batch_ids = {batch_id for batch_id, _ in _texts(emulator, run_id)}
    assert batch_ids and not [r for r in emulator.replies if r.batch_id in batch_ids]
    answer = _api(deployment, "PATCH", f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{TASK_ID}/-1/"
                                       "hitlDetails", token, {"chosen_options": ["Reject"], "params_input": {}})
    assert answer["chosen_options"] == ["Reject"]
    state = deployment.wait_run(DAG_ID, run_id, deadline - time.monotonic())
    assert state == "success"
    assert _states(deployment, run_id) == {"build": "success", TASK_ID: "success", "deploy": "skipped"}
    details = _details(deployment, run_id, token)
    assert details["chosen_options"] == ["Reject"]
    assert details["responded_by_user"] == {"id": USER, "name": USER}


def test_answered_by_sms_whose_push_is_lost_the_poll_records_the_masked_number(
        deployment: Deployment, emulator: Every8dEmulator, pushes: list[PushAttempt], token: str) -> None:
    run_id = _approved_by_sms(deployment, emulator, token, pushed=False)  # the reply is in the 2.4 list only
    batch_ids = {batch_id for batch_id, _ in _texts(emulator, run_id)}
    answered = [r for r in emulator.replies if r.batch_id in batch_ids and r.content == "1"]
    assert answered and not [p for p in list(pushes)
                             if p.params.get("STATUS") == "999" and p.params.get("BatchID") in batch_ids]
