"""Every8dReplySensor (poke and deferrable), against replies injected into the emulator."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest

from airflow_provider_every8d.sensors.every8d import Every8dReplySensor
from airflow_provider_every8d.triggers.every8d import Every8dReplyTrigger
from tests.helpers import Failures, numbers, run_dag, send, task_instance, xcom

START = datetime(2024, 1, 1)
APPROVER = "0900000021"


def reply_dag(dag_id: str, failures: Failures | None = None, **kwargs: Any) -> Any:
    from airflow.providers.common.compat.sdk import DAG

    with DAG(dag_id, schedule=None, start_date=START, catchup=False) as dag:
        Every8dReplySensor(task_id="wait_reply", poke_interval=0.05, timeout=20, on_failure_callback=failures,
                           **{"deferrable": False, **kwargs})
    return dag


@pytest.mark.every8d(delivery_seconds=0)
@pytest.mark.parametrize("deferrable", [False, True], ids=["poke", "deferrable"])
def test_sensor_resolves_on_an_injected_reply_and_returns_it(airflow_db, every8d_emulator, hook,
                                                             deferrable: bool) -> None:
    batch_id = send(hook, [APPROVER, "0900000022"], "Reply Y to approve the load")
    every8d_emulator.inject_reply(batch_id, "0900000022", "Y")  # wrong person: ignored
    every8d_emulator.inject_reply(batch_id, APPROVER, "maybe")  # right person, wrong answer: ignored
    injected = False

    def inject_later() -> None:
        nonlocal injected
        import time

        while sum(r.endpoint == "getReplyMessage" for r in every8d_emulator.requests) < 2:
            time.sleep(0.01)
        every8d_emulator.inject_reply(batch_id, APPROVER, " y ", name="On call")
        injected = True

    import threading

    thread = threading.Thread(target=inject_later, daemon=True)
    thread.start()
    dag_id = f"reply_sensor_{'deferrable' if deferrable else 'poke'}"
    run = run_dag(reply_dag(dag_id, batch_id=batch_id, from_numbers=[APPROVER], pattern=r"^y(es)?$",
                            deferrable=deferrable))
    thread.join(5)
    assert injected and task_instance(run, "wait_reply").state == "success"
    (reply,) = xcom(run, "wait_reply")
    assert (reply["name"], reply["mobile"], reply["content"]) == ("On call", "+886900000021", " y ")
    assert reply["reply_time"]


@pytest.mark.every8d(delivery_seconds=0)
async def test_reply_trigger_reads_every_page(every8d_emulator, hook) -> None:
    recipients = numbers(25)
    batch_id = send(hook, recipients)
    for number in recipients[:24]:
        every8d_emulator.inject_reply(batch_id, number, "N")
    every8d_emulator.inject_reply(batch_id, recipients[24], "Y")
    trigger = Every8dReplyTrigger([batch_id], pattern="^y$", poll_interval=0.02)
    event = await asyncio.wait_for(anext(trigger.run()), 20)  # type: ignore[arg-type]
    assert [r["mobile"] for r in event.payload["replies"]] == ["+886" + recipients[24][1:]]
    assert [r.fields["PNO"] for r in every8d_emulator.requests if r.endpoint == "getReplyMessage"] == ["1", "2", "3"]


def test_reply_trigger_serializes() -> None:
    trigger = Every8dReplyTrigger(["A1"], "conn", from_numbers=[APPROVER], pattern="^y$", poll_interval=3)
    classpath, kwargs = trigger.serialize()
    assert classpath == "airflow_provider_every8d.triggers.every8d.Every8dReplyTrigger"
    assert Every8dReplyTrigger(**kwargs).serialize() == (classpath, kwargs)
