"""Exactly-once evidence: 50 task runs x 4 chunks (200 batches) per arm through Every8dSendSmsOperator, with
20% of the send requests failing (lost answers after acceptance, HTTP 500, connection resets, garbage), and
up to 8 tries per task run (a try that raises AirflowFailException ends its task run, as in Airflow).

A try is what a worker does: a fresh operator, ``execute(context)``; the task_state_store (Airflow 3.3) is an
in-memory store that lives across the tries of one task run, as the real one does (test_op_send_once.py
drives the same retries through dag.test()). The emulator's record is the judge. Arms:

- ``dedup``: deduplicate=True, no task_state_store (Airflow < 3.3)
- ``store``: task_state_store, deduplicate=False
- ``store+dedup``: both
- ``neither``: no store, no filter (older Airflow, default arguments)

In every arm nobody gets the message twice; without store and filter that costs failed task runs, since
the operator refuses to retry once something may have gone out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.operators.every8d import Every8dSendSmsOperator
from tests.helpers import DictStore, numbers

RUNS, RECIPIENTS, CHUNK, MAX_TRIES = 50, 8, 2, 8
KINDS = ("drop_after_accept", "http_500", "reset", "garbage")
RATE_PER_KIND = 1 - (1 - 0.20) ** (1 / len(KINDS))
"""Each kind's own rate, so that one request in five meets some fault."""
POOL = numbers(RUNS * RECIPIENTS, start=100_000)


@dataclass
class Tally:
    tries: int = 0
    failed_runs: int = 0
    not_retried: int = 0
    xcom_batch_ids: set[str] = field(default_factory=set)


def _sends(emu: Every8dEmulator) -> list[Any]:
    return [r for r in emu.requests if r.endpoint in ("sendSMS", "sendSMS4FilterMessage")]


def _dest(request: Any) -> set[str]:
    return set(str(request.fields.get("DEST", "")).split(","))


def _check_try(requests: list[Any], succeeded: bool) -> None:
    """Within one try every recipient meets at most one send attempt, and a failed try stops at its
    first faulted request: nothing is resent after an answer that may have been an acceptance."""
    seen: set[str] = set()
    for request in requests:
        assert not seen & _dest(request), "a recipient was sent to twice within one try"
        seen |= _dest(request)
    faulted = [index for index, request in enumerate(requests) if request.fault]
    if succeeded:
        assert faulted == []
    else:
        assert faulted == [len(requests) - 1], "the try went on after a failed send"


def _run_task(run: int, deduplicate: bool, store: DictStore | None, emu: Every8dEmulator, tally: Tally) -> None:
    """Up to MAX_TRIES tries, as Airflow retries: AirflowFailException ends the task run at once."""
    from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

    recipients = POOL[run * RECIPIENTS:(run + 1) * RECIPIENTS]
    for _ in range(MAX_TRIES):
        tally.tries += 1
        before = len(_sends(emu))
        operator = Every8dSendSmsOperator(task_id=f"send_{run}", message=f"Soak test message {run}",
                                          recipients=recipients, chunk_size=CHUNK, deduplicate=deduplicate)
        try:
            result = operator.execute({"task_state_store": store} if store is not None else {})
        except AirflowException as error:
            _check_try(_sends(emu)[before:], succeeded=False)
            if "Chunks already accepted" in str(error):  # the error tells the truth about what a retry does
                assert ("are not sent again" in str(error)) == (store is not None), str(error)
            if isinstance(error, AirflowFailException):
                tally.not_retried += 1
                break
            continue
        _check_try(_sends(emu)[before:], succeeded=True)
        tally.xcom_batch_ids.update(result["batch_ids"])
        return
    tally.failed_runs += 1


def _unanswered_batches(emu: Every8dEmulator) -> set[str]:
    """Batches created by a request whose answer never reached the client (drop_after_accept)."""
    batches = list(emu.store.batches.values())
    unanswered, position = set(), 0
    for request in _sends(emu):
        if request.fault not in (None, "drop_after_accept") or position >= len(batches):
            continue
        mobiles = {"0" + m.mobile[-9:] for m in batches[position].messages}
        if mobiles <= _dest(request):
            if request.fault:
                unanswered.add(batches[position].batch_id)
            position += 1
    return unanswered


ARMS = {"dedup": (True, False), "store": (False, True), "store+dedup": (True, True), "neither": (False, False)}


@pytest.mark.parametrize("arm", list(ARMS))
def test_soak_200_batches_with_20_percent_faults(arm: str, monkeypatch) -> None:
    deduplicate, with_store = ARMS[arm]
    with Every8dEmulator(delivery_seconds=0, credit=1_000_000) as emu:
        monkeypatch.setenv("AIRFLOW_CONN_EVERY8D_DEFAULT", emu.connection_json())
        endpoint = "sendSMS4FilterMessage" if deduplicate else "sendSMS"
        for index, kind in enumerate(KINDS):
            emu.faults.add(kind, endpoint, rate=RATE_PER_KIND, seed=7 + index)
        tally = Tally()
        for run in range(RUNS):
            _run_task(run, deduplicate, DictStore() if with_store else None, emu, tally)

        counts = [emu.sent_count(number) for number in POOL]
        duplicates = sum(count - 1 for count in counts if count > 1)
        created = set(emu.store.batches)
        missing = created - tally.xcom_batch_ids
        unanswered = _unanswered_batches(emu)
        sends = len(_sends(emu))
        print(f"\nsoak {arm}: {RUNS * RECIPIENTS // CHUNK} batches planned, {len(created)} created, "
              f"{tally.tries} tries, {sends} send requests, faults injected {emu.faults.injected} "
              f"{dict(emu.faults.by_kind)}, duplicates {duplicates} ({sum(c > 1 for c in counts)} recipients), "
              f"batch ids not in XCom {len(missing)} (answer lost {len(missing & unanswered)}), "
              f"task runs failed {tally.failed_runs} ({tally.not_retried} without retry, "
              f"{counts.count(0)} recipients not reached)")

    assert emu.faults.injected > 0 and tally.xcom_batch_ids <= created
    assert duplicates == 0, "a recipient got the message twice"
    if deduplicate or with_store:  # retries are safe: every task run ends with everybody texted once
        assert tally.failed_runs == 0 and counts == [1] * len(POOL)
    else:  # a retry could resend: the task fails instead of retrying once anything may have gone out
        assert tally.failed_runs == tally.not_retried > 0
    if with_store:  # every batch id the client ever received is in the XCom
        assert missing <= unanswered
