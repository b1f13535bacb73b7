"""Delivery-report pushes on the production-shaped deployment: two API servers, PostgreSQL, a scheduler that
is killed while runs are queued on the pushes' asset events.

- 20 identical pushes at once, split over both API servers: every one answered 200, one asset event;
- a push while PostgreSQL is stopped: 503, and after the emulator's retry the report is stored exactly once;
- the scheduler killed and restarted while reports keep arriving: every report is consumed by a DAG run.
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.plugins.assets import DELIVERY_REPORTS, report_uri
from tests.deployment.deployment_record import PUSH_TOKEN, PUSH_UID
from tests.harness.deployment import Deployment

pytestmark = pytest.mark.deployment
HOLD = 3600.0


def report(batch_id: str, number: str, status: str = "100") -> dict[str, str]:
    """A push's query as EVERY8D sends it (a delivered SMS of the push account)."""
    return {"BatchID": batch_id, "RM": "+886" + number[1:], "RT": "20260102030405", "STATUS": status, "SM": "",
            "MR": "1", "USERID": PUSH_UID, "UserNo": "10001", "ST": "20260102030000", "SUBJECT": "",
            "CHARGE": "1", "MSGID": ""}


def push(deployment: Deployment, api: int, query: dict[str, str]) -> int:
    url = f"{deployment.api_url(api)}/every8d/push/{PUSH_TOKEN}?{urllib.parse.urlencode(query)}"
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def stored(deployment: Deployment, batch_id: str) -> list[int]:
    """Ids of the asset events stored for ``batch_id`` on the push account's delivery-report asset."""
    rows = deployment.query(
        "SELECT e.id FROM asset_event e JOIN asset a ON a.id = e.asset_id "
        "WHERE a.uri = :uri AND e.extra ->> 'batch_id' = :batch ORDER BY e.id",
        uri=report_uri(PUSH_UID, DELIVERY_REPORTS), batch=batch_id)
    return [row[0] for row in rows]


def test_20_identical_pushes_over_both_api_servers_store_one_event(deployment: Deployment) -> None:
    batch_id = str(uuid.uuid4())
    query = report(batch_id, "0900001201")
    start = threading.Barrier(20)
    answers: list[int] = []

    def send(api: int) -> None:
        start.wait(timeout=30)
        answers.append(push(deployment, api, query))

    threads = [threading.Thread(target=send, args=(1 + index % 2,)) for index in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(answers) == [200] * 20
    assert len(stored(deployment, batch_id)) == 1
    print("CHAOS api-server x2: 20 identical pushes at once (10 each) -> 20 x 200, 1 asset event")


@pytest.fixture
def push_emulator(deployment: Deployment) -> Iterator[Every8dEmulator]:
    """An EVERY8D account that pushes its reports to API server 2 and retries a failed push every second."""
    with Every8dEmulator(accounts={PUSH_UID: "push-password"}, delivery_seconds=HOLD, push_retry_delay=1.0,
                         push_max_attempts=60,
                         push_url=f"{deployment.api_url(2)}/every8d/push/{PUSH_TOKEN}") as instance:
        yield instance


def test_push_while_postgres_is_down_answers_503_then_is_stored_once(deployment: Deployment,
                                                                     push_emulator: Every8dEmulator) -> None:
    from tests.deployment.deployment_record import send_batch

    batch_id = send_batch(push_emulator, ["0900001202"], "push during an outage", uid=PUSH_UID,
                          password="push-password")
    deployment.postgres.halt()
    back = datetime.now(timezone.utc)
    try:
        try:
            push_emulator.advance(HOLD + 1)  # delivered now: the emulator pushes the report to API server 2
            refused = deployment.wait("a push refused while PostgreSQL is down", lambda: [
                p for p in push_emulator.pushes if p.params["BatchID"] == batch_id and not p.ok], timeout=60,
                component="api-server-2", allow_dead=True)
        finally:
            deployment.postgres.resume()
            back = datetime.now(timezone.utc)
        deployment.wait("the emulator's retry to be accepted", lambda: [
            p for p in push_emulator.pushes if p.params["BatchID"] == batch_id and p.ok], timeout=90,
            component="api-server-2", allow_dead=True)
    finally:  # what died with the database comes back for the other tests
        restarted = deployment.recover(since=back)
    attempts = [p.status for p in push_emulator.pushes if p.params["BatchID"] == batch_id]
    assert refused[0].status == 503, attempts
    assert attempts.count(200) == 1 and attempts[-1] == 200, attempts
    assert len(stored(deployment, batch_id)) == 1
    print(f"CHAOS postgres stopped: push answered {attempts} -> 1 asset event; components that died with the "
          f"database and were restarted: {restarted or 'none'}")


def _consumed(deployment: Deployment, events: list[int]) -> set[int]:
    rows = deployment.query(
        "SELECT DISTINCT x.event_id FROM dagrun_asset_event x JOIN dag_run r ON r.id = x.dag_run_id "
        "WHERE r.dag_id = 'every8d_push_tally' AND x.event_id = ANY(:events)", events=events)
    return {row[0] for row in rows}


def _runs(deployment: Deployment, events: list[int]) -> int:
    return int(deployment.query(
        "SELECT count(DISTINCT r.id) FROM dagrun_asset_event x JOIN dag_run r ON r.id = x.dag_run_id "
        "WHERE r.dag_id = 'every8d_push_tally' AND x.event_id = ANY(:events)", events=events)[0][0])


def test_scheduler_restarted_while_runs_are_queued_every_report_leads_to_a_run(deployment: Deployment) -> None:
    batch_id = str(uuid.uuid4())
    numbers = [f"09000{index:05d}" for index in range(100, 1100)]
    deployment.kill("scheduler")
    answers = [push(deployment, 1 + index % 2, report(batch_id, number)) for index, number in enumerate(numbers[:30])]
    deployment.start_component("scheduler")
    after_first_run = 0
    for number in numbers[30:]:  # keep reporting while the scheduler comes back and creates runs from them
        answers.append(push(deployment, 1 + len(answers) % 2, report(batch_id, number)))
        if after_first_run or _runs(deployment, stored(deployment, batch_id)):
            after_first_run += 1
        if after_first_run == 20:
            break
        time.sleep(0.2)
    assert after_first_run == 20, "the restarted scheduler made no run from the queued reports"
    deployment.wait_ready("scheduler", time.monotonic() + 120)
    assert answers == [200] * len(answers)
    events = stored(deployment, batch_id)
    assert len(events) == len(answers)
    deployment.wait("every report consumed by a run of every8d_push_tally",
                    lambda: _consumed(deployment, events) == set(events), timeout=120, component="scheduler")
    print(f"CHAOS scheduler killed: {len(answers)} reports (30 while it was down, the rest while it restarted, "
          f"20 of them after its first run) -> {len(events)} events, all consumed by {_runs(deployment, events)} "
          "runs")
