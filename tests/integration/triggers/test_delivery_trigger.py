"""Every8dDeliveryStatusTrigger driven directly (its run()), over real HTTP against the emulator."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.hooks.every8d import Every8dHook
from airflow_provider_every8d.protocol.errors import Every8dValidationError
from airflow_provider_every8d.protocol.retry import QUERY_ATTEMPTS
from airflow_provider_every8d.triggers import every8d as trigger_module
from airflow_provider_every8d.triggers.every8d import Every8dDeliveryStatusTrigger
from tests.helpers import PNG, expected_statuses, numbers, send, status_polls, use_connection


async def first_event(trigger: Every8dDeliveryStatusTrigger, emu: Every8dEmulator | None = None,
                      step: float = 0.0) -> dict[str, Any]:
    """Run the trigger to its first event; with ``step``, advance the emulator's clock after each poll."""

    async def drive() -> None:
        seen = 0
        while True:
            await asyncio.sleep(0.005)
            polls = status_polls(emu) if emu else 0
            if polls > seen:
                seen = polls
                emu.advance(step)  # type: ignore[union-attr]

    driver = asyncio.create_task(drive()) if step else None
    try:
        event = await asyncio.wait_for(anext(trigger.run()), 30)  # type: ignore[arg-type]
    finally:
        if driver:
            driver.cancel()
    return event.payload


def trigger(batch_ids: list[str], **kwargs: Any) -> Every8dDeliveryStatusTrigger:
    return Every8dDeliveryStatusTrigger(batch_ids, poll_interval=kwargs.pop("poll_interval", 0.02), **kwargs)


def test_serialize_gives_classpath_and_every_argument() -> None:
    original = Every8dDeliveryStatusTrigger(["A1", "B2"], "conn", mms=True, poll_interval=5,
                                            max_consecutive_failures=7)
    classpath, kwargs = original.serialize()
    assert classpath == "airflow_provider_every8d.triggers.every8d.Every8dDeliveryStatusTrigger"
    assert kwargs == {"batch_ids": ["A1", "B2"], "every8d_conn_id": "conn", "mms": True, "poll_interval": 5.0,
                      "max_consecutive_failures": 7}
    assert Every8dDeliveryStatusTrigger(**kwargs).serialize() == (classpath, kwargs)


@pytest.mark.parametrize("kwargs", [{"batch_ids": []}, {"poll_interval": 0}, {"max_consecutive_failures": 0},
                                    {"poll_interval": "soon"}, {"max_consecutive_failures": True}])
def test_bad_arguments_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(Every8dValidationError, match=f"^{next(iter(kwargs))}: "):
        Every8dDeliveryStatusTrigger(**{"batch_ids": ["A1"], **kwargs})


@pytest.mark.every8d(delivery_seconds=10, jitter=True)
async def test_batch_moving_from_0_to_final_statuses_over_several_polls(every8d_emulator, hook) -> None:
    batch_id = send(hook, [*numbers(3), "0900000101", "0900000103"])
    payload = await first_event(trigger([batch_id]), every8d_emulator, step=4)
    assert payload["status"] == "success" and payload["batch_ids"] == [batch_id]
    assert payload["summary"] == {"total": 5, "delivered": 3, "failed": 2, "cancelled": 0,
                                  "by_status": {"100": 3, "101": 1, "103": 1}}
    assert status_polls(every8d_emulator) >= 3


@pytest.mark.every8d(delivery_seconds=0)
async def test_2500_messages_are_counted_across_three_pages(every8d_emulator, hook) -> None:
    every8d_emulator.set_credit("demo", 5000)
    recipients = numbers(2500, failures=True)
    batch_id = send(hook, recipients)
    payload = await first_event(trigger([batch_id]))
    assert payload["summary"]["total"] == 2500
    assert payload["summary"]["by_status"] == expected_statuses(recipients)
    assert payload["summary"]["failed"] == 3 * 7
    pages = [r.fields["PNO"] for r in every8d_emulator.requests if r.endpoint == "getDeliveryStatus"]
    assert pages == ["1", "2", "3"]


@pytest.mark.every8d(delivery_seconds=0)
async def test_two_batch_ids_at_once(every8d_emulator, hook) -> None:
    first, second = send(hook, numbers(2)), send(hook, ["0900000104"])
    payload = await first_event(trigger([first, second]))
    assert payload["summary"]["by_status"] == {"100": 2, "104": 1}
    assert payload["batch_ids"] == [first, second]


@pytest.mark.parametrize("columns", [5, 6])
async def test_5_and_6_column_rows_with_empty_and_given_names(columns: int, monkeypatch) -> None:
    with Every8dEmulator(status_columns=columns, delivery_seconds=0) as emu:
        use_connection(monkeypatch, emu)
        hook = Every8dHook()
        unnamed = send(hook, numbers(2))
        named = hook.send_param_sms([{"mobile": "0900000011", "name": "王小明", "content": "hi"}]).batch_id
        payload = await first_event(trigger([unnamed, named]))
        assert payload["summary"]["by_status"] == {"100": 3}
        names = {row.name for batch in (unnamed, named) for row in hook.iter_delivery_status(batch)}
        assert names == {"", "王小明"}


@pytest.mark.every8d(delivery_seconds=0)
async def test_mms_booked_300_waits_and_700_is_terminal(every8d_emulator, hook) -> None:
    at = datetime.now(timezone.utc) + timedelta(hours=1)
    batch_id = hook.send_mms("picture", numbers(2), "subject", PNG, "png", send_time=at).batch_id
    payload = await first_event(trigger([batch_id], mms=True), every8d_emulator, step=1800)
    assert payload["summary"] == {"total": 2, "delivered": 2, "failed": 0, "cancelled": 0,
                                  "by_status": {"700": 2}}
    assert status_polls(every8d_emulator) >= 2


@pytest.mark.every8d(delivery_seconds=0)
@pytest.mark.parametrize("fault", [{"kind": "http_500", "status": 503}, {"kind": "garbage"}, {"kind": "html"},
                                   {"kind": "reset"}, {"kind": "slow", "delay": 1.0}])
async def test_transient_faults_on_a_share_of_polls_still_give_the_right_summary(
        every8d_emulator, hook, monkeypatch, fault: dict[str, Any]) -> None:
    use_connection(monkeypatch, every8d_emulator, timeout=0.3)
    batch_id = send(hook, [*numbers(3), "0900000105"])
    rule = every8d_emulator.faults.add(endpoint="getDeliveryStatus", rate=0.6, seed=3, **fault)
    payload = await first_event(trigger([batch_id], max_consecutive_failures=20))
    assert payload["status"] == "success"
    assert payload["summary"]["by_status"] == {"100": 3, "105": 1}
    assert rule.fired >= 1


@pytest.mark.every8d(delivery_seconds=0)
async def test_emulator_down_for_good_ends_with_an_error_event_after_bounded_failures(every8d_emulator, hook,
                                                                                        monkeypatch) -> None:
    batch_id = send(hook, numbers(1))
    use_connection(monkeypatch, every8d_emulator, connect_retries=0)
    every8d_emulator.stop()
    payload = await first_event(trigger([batch_id], max_consecutive_failures=2))
    assert payload["status"] == "error" and payload["summary"] is None
    assert payload["message"].startswith(f"2 polls in a row failed for batch {batch_id}; last failure: HTTP failure")


@pytest.mark.every8d(delivery_seconds=0)
async def test_failures_keep_the_last_summary_in_the_error_event(every8d_emulator, hook) -> None:
    batch_id = send(hook, ["0900000999"])  # never final
    runner = trigger([batch_id], max_consecutive_failures=1).run()
    task = asyncio.ensure_future(anext(runner))  # type: ignore[arg-type]
    while status_polls(every8d_emulator) < 1:
        await asyncio.sleep(0.005)
    every8d_emulator.faults.add("garbage", endpoint="getDeliveryStatus")
    payload = (await asyncio.wait_for(task, 30)).payload
    assert payload["status"] == "error" and "unparsable answer" in payload["message"]
    assert payload["summary"]["by_status"] == {"0": 1}


@pytest.mark.every8d(delivery_seconds=0)
async def test_wrong_password_is_not_retried(every8d_emulator, hook, monkeypatch) -> None:
    batch_id = send(hook, numbers(1))
    every8d_emulator.account("demo").password = "changed"
    payload = await first_event(trigger([batch_id]))
    assert payload["status"] == "error" and "-2" in payload["message"]
    assert "changed" not in payload["message"] and "demo-password" not in payload["message"]
    assert status_polls(every8d_emulator) == 1


@pytest.mark.every8d(delivery_seconds=3600)
async def test_polls_start_an_interval_apart_however_long_the_answer_takes(every8d_emulator, hook,
                                                                           monkeypatch) -> None:
    """A poll whose answer takes 0.3 s (a slow platform, or a queue for a connection among 5,000 waits in one
    triggerer) must not push the next poll 0.3 s later; a failed poll still backs off from its own end."""
    batch_id = send(hook, numbers(1))
    every8d_emulator.faults.add("http_500", endpoint="getDeliveryStatus", status=503, times=QUERY_ATTEMPTS)
    every8d_emulator.faults.add("slow", endpoint="getDeliveryStatus", delay=0.3)
    pauses: list[float] = []
    real_sleep = asyncio.sleep

    async def no_wait(seconds: float) -> None:  # the trigger's pauses, recorded instead of slept
        pauses.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr(trigger_module, "asyncio", SimpleNamespace(sleep=no_wait, to_thread=asyncio.to_thread,
                                                                   get_running_loop=asyncio.get_running_loop))
    waiting = asyncio.ensure_future(anext(trigger([batch_id], poll_interval=10.0).run()))  # type: ignore[arg-type]
    try:
        while len(pauses) < 3:
            await real_sleep(0.01)
    finally:
        waiting.cancel()
    assert pauses[0] == 1.0  # after the failed poll (3 answers of 503): the back-off, from that poll's end
    assert all(pause <= 10.0 - 0.3 for pause in pauses[1:3])  # after each slow answer: 10 s from its start


def _count_lookups(monkeypatch) -> list[str]:
    """The connection ids the hook looked up for a client (each lookup, in a triggerer, masks the password
    through the triggerer's supervisor)."""
    looked_up: list[str] = []
    real = Every8dHook.aget_client

    async def counted(self: Every8dHook) -> Any:
        looked_up.append(self.every8d_conn_id)
        return await real(self)

    monkeypatch.setattr(Every8dHook, "aget_client", counted)
    return looked_up


@pytest.mark.every8d(delivery_seconds=0)
async def test_waits_started_together_share_one_connection_lookup(every8d_emulator, hook, monkeypatch) -> None:
    batch_ids = [send(hook, numbers(1, start=n)) for n in range(1, 11)]
    looked_up = _count_lookups(monkeypatch)
    payloads = await asyncio.gather(*(first_event(trigger([batch_id])) for batch_id in batch_ids))
    assert [payload["status"] for payload in payloads] == ["success"] * 10
    assert looked_up == ["every8d_default"]
    assert status_polls(every8d_emulator) == 10


async def test_a_failed_lookup_is_not_shared(monkeypatch) -> None:
    looked_up = _count_lookups(monkeypatch)
    outcomes = await asyncio.gather(*(first_event(trigger(["A1"], every8d_conn_id="every8d_missing"))
                                      for _ in range(2)), return_exceptions=True)
    assert [type(outcome) for outcome in outcomes] == [Every8dValidationError] * 2
    assert looked_up == ["every8d_missing"] * 2


async def test_a_wrong_password_makes_the_next_wait_look_the_connection_up_again(every8d_emulator, monkeypatch
                                                                                 ) -> None:
    """Waits share one lookup for a minute; a wait refused with -2 (wrong account or password) drops it, so
    a password corrected in Airflow reaches the next wait at once."""
    conn = json.loads(every8d_emulator.connection_json())
    monkeypatch.setenv("AIRFLOW_CONN_EVERY8D_DEFAULT", json.dumps({**conn, "password": "not-the-password"}))
    looked_up = _count_lookups(monkeypatch)
    refused = await first_event(trigger(["A1"]))
    assert refused["status"] == "error" and "-2" in refused["message"]
    monkeypatch.setenv("AIRFLOW_CONN_EVERY8D_DEFAULT", json.dumps(conn))  # corrected in Airflow
    hook = Every8dHook()
    batch_id = send(hook, numbers(1))
    every8d_emulator.advance(60)
    assert (await first_event(trigger([batch_id])))["status"] == "success"
    assert looked_up == ["every8d_default"] * 2
