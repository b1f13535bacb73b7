"""Chaos on the production-shaped deployment: the process doing the work is killed with SIGKILL.

- a Celery worker running two 5,000-recipient sends (plain and ``deduplicate``), between accepted chunks:
  the retry sends only the rest, and the emulator's record shows everybody exactly once;
- the triggerer holding 200 deferred waits (started in the triggerer, no worker slot): the other triggerer
  takes them over, and every wait ends with the right summary, once, never having run on a worker.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from tests.deployment.deployment_record import batches_of, e164, json_value, received, send_batch
from tests.harness.deployment import Deployment

pytestmark = pytest.mark.deployment
RECIPIENTS = 5_000
FIRST_NUMBER = {"plain": 100_000, "dedup": 200_000}  # as in tests/deployment/dags/every8d_chaos.py
WAITS = 200
WAIT_DAGS = 8  # as in tests/deployment/dags/every8d_chaos.py
HOLD = 3600.0


@pytest.fixture
def slow_sends(emulator: Every8dEmulator) -> Iterator[None]:
    """Every send request takes a second at the emulator: time to kill a worker between two chunks."""
    rules = [emulator.faults.add("slow", endpoint, delay=1.0) for endpoint in ("sendSMS", "sendSMS4FilterMessage")]
    yield
    for rule in rules:
        if rule in emulator.faults.rules:
            emulator.faults.rules.remove(rule)


def _send_tis(deployment: Deployment, run_id: str) -> dict[str, tuple[str, int, str]]:
    rows = deployment.query("SELECT task_id, state, try_number, hostname FROM task_instance WHERE run_id = :run",
                            run=run_id)
    return {task_id: (state, try_number, hostname) for task_id, state, try_number, hostname in rows}


def test_worker_killed_between_chunks_retry_sends_only_the_rest(deployment: Deployment, emulator: Every8dEmulator,
                                                                  slow_sends: None) -> None:
    run_id = deployment.trigger("every8d_chaos_send")
    texts = {kind: f"chaos {kind} {run_id}" for kind in FIRST_NUMBER}
    deployment.wait("two accepted chunks of each send", lambda: all(
        len(batches_of(emulator, text)) >= 2 for text in texts.values()), timeout=120)
    running = _send_tis(deployment, run_id)
    victims = sorted({host for state, _, host in running.values() if state == "running"})
    assert victims, running
    for name in victims:
        deployment.kill(name)  # SIGKILL to the worker's process group: Celery, the supervisor, the task
    accepted_at_kill = {kind: len(batches_of(emulator, text)) for kind, text in texts.items()}
    for rule in list(emulator.faults.rules):
        emulator.faults.rules.remove(rule)  # the retries may go at full speed
    for name in victims:
        deployment.start_component(name)
    assert deployment.wait_run("every8d_chaos_send", run_id, timeout=240) == "success"
    for name in victims:
        deployment.wait_ready(name, deadline=time.monotonic() + 120)

    after = _send_tis(deployment, run_id)
    for kind, first in FIRST_NUMBER.items():
        got = received(emulator, texts[kind])
        wanted = {e164(f"09{n:08d}") for n in range(first, first + RECIPIENTS)}
        assert set(got) == wanted, f"send_{kind}: {len(wanted - set(got))} numbers never got it"
        assert max(got.values()) == 1, f"send_{kind}: {sum(1 for c in got.values() if c > 1)} got it twice"
        state, tries, host = after[f"send_{kind}"]
        assert (state, tries) == ("success", 2), after
        (value,) = deployment.query("SELECT value FROM xcom WHERE run_id = :run AND task_id = :task "
                                    "AND key = 'return_value'", run=run_id, task=f"send_{kind}")[0]
        result = json_value(value)
        assert result["sent"] + len(result["filtered"]) == RECIPIENTS
        assert result["unsent"] == 0
        assert result["cost"] == float(result["sent"])  # one point per short SMS; the filtered cost nothing
        assert len(result["batch_ids"]) > accepted_at_kill[kind] - 1
        print(f"CHAOS worker: killed {victims} after {accepted_at_kill[kind]} accepted chunks of send_{kind}; "
              f"retry on {host}: sent {result['sent']}, filtered {len(result['filtered'])}; emulator: "
              f"{len(got)} numbers, each once")


def _holders(deployment: Deployment, runs: list[str]) -> dict[str, int]:
    rows = deployment.query(
        "SELECT j.hostname, count(*) FROM task_instance ti JOIN trigger t ON t.id = ti.trigger_id "
        "JOIN job j ON j.id = t.triggerer_id WHERE ti.run_id = ANY(:runs) AND ti.state = 'deferred' "
        "GROUP BY j.hostname", runs=runs)
    return {host: count for host, count in rows}


def _expected(index: int) -> tuple[list[str], dict[str, object]]:
    """Batch ``index``'s numbers and its summary: 1-3 delivered, the odd batches one more that fails (103)."""
    numbers = [f"0931{index:03d}{suffix:03d}" for suffix in range(1, 2 + index % 3)]
    failed = index % 2
    if failed:
        numbers.append(f"0931{index:03d}103")
    delivered = len(numbers) - failed
    by_status = {"100": delivered, **({"103": failed} if failed else {})}
    return numbers, {"total": len(numbers), "delivered": delivered, "failed": failed, "cancelled": 0,
                     "by_status": by_status}


def test_triggerer_killed_with_200_waits_the_other_takes_over(deployment: Deployment,
                                                               emulator: Every8dEmulator) -> None:
    expected = [_expected(index) for index in range(WAITS)]
    normal = emulator.store.delivery_seconds
    emulator.store.delivery_seconds = HOLD  # nothing is final until the clock is moved on
    try:
        batches = [send_batch(emulator, numbers, f"wait {index}") for index, (numbers, _) in enumerate(expected)]
    finally:
        emulator.store.delivery_seconds = normal
    runs = [deployment.trigger(f"every8d_chaos_waits_{part}", {"batches": batches}) for part in range(WAIT_DAGS)]
    deployment.wait("200 waits held by the triggerers", lambda: sum(_holders(deployment, runs).values()) == WAITS,
                    timeout=120)
    deployment.wait("every batch polled from a triggerer", lambda: set(batches) <= {
        r.fields.get("BID") for r in emulator.requests if r.endpoint == "getDeliveryStatus"}, timeout=60)
    holders = _holders(deployment, runs)
    victim = max(holders, key=lambda host: holders[host])
    survivor = next(name for name in ("triggerer-1", "triggerer-2") if name != victim)
    deployment.kill(victim)
    deployment.wait(f"{survivor} to take the waits over", lambda: _holders(deployment, runs) == {survivor: WAITS},
                    timeout=90, component=survivor)
    deployment.start_component(victim)  # back for the other tests; its readiness is not this test's business
    emulator.advance(HOLD + 5)
    for part, run_id in enumerate(runs):
        assert deployment.wait_run(f"every8d_chaos_waits_{part}", run_id, timeout=120) == "success"

    rows = deployment.query("SELECT task_id, state, try_number, coalesce(hostname, ''), trigger_id FROM task_instance "
                            "WHERE run_id = ANY(:runs)", runs=runs)
    assert len(rows) == WAITS
    assert {(state, tries, host, trigger) for _, state, tries, host, trigger in rows} == {("success", 1, "", None)}
    values = dict(deployment.query("SELECT task_id, value FROM xcom WHERE run_id = ANY(:runs) "
                                   "AND key = 'return_value'", runs=runs))
    for index, (_, summary) in enumerate(expected):
        assert json_value(values[f"wait_{index:03d}"]) == summary, index
    worker_logs = [p for p in (deployment.home / "logs").rglob("*.log")
                   if any(run_id in str(p) for run_id in runs) and "trigger" not in p.name]
    assert worker_logs == []  # no worker ever ran a wait: only triggerer logs exist for them
    print(f"CHAOS triggerer: killed {victim} holding {holders[victim]} of {WAITS} waits ({holders}); {survivor} "
          f"finished all {WAITS}, each once, try 1, on no worker")
