"""The delivery and reply waits write their log lines off the event loop, over real HTTP against the emulator.

In Airflow 3's triggerer a trigger's log line is written into a socket that the triggerer's supervisor reads
between its database rounds; while it records thousands of endings the socket stays full and a write waits.
Airflow writes its own lines from worker threads (``ainfo``); a line written from the loop's thread would stop
every trigger of the triggerer until the supervisor reads again (10 s at 5,000 waits ending together,
benchmarks/profiles/real_triggerer_runs.md, section 5).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from airflow_provider_every8d.triggers.every8d import Every8dDeliveryStatusTrigger, Every8dReplyTrigger
from tests.helpers import numbers, send

GUARD = 10.0
"""Seconds a held line waits at most: only so that a test of a loop that is stopped ends (and fails)."""


class HeldLogChannel(logging.Handler):
    """Holds each log line until :attr:`opened` is set, as a full log socket does; records what it wrote."""

    def __init__(self) -> None:
        super().__init__()
        self.opened = threading.Event()
        self.waiting = threading.Event()
        self.lines: list[str] = []
        self.held_too_long = False

    def emit(self, record: logging.LogRecord) -> None:
        self.waiting.set()
        if not self.opened.wait(GUARD):
            self.held_too_long = True
        self.lines.append(record.getMessage())


@pytest.fixture
def channel() -> Iterator[HeldLogChannel]:
    held = HeldLogChannel()
    logger = logging.getLogger("tests.held_log_channel")
    logger.addHandler(held)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield held
    finally:
        logger.removeHandler(held)


async def event_while_held(trigger: Any, channel: HeldLogChannel) -> dict[str, Any]:
    """The trigger's first event, its log written through ``channel`` (the logger Airflow's LoggingMixin
    caches in ``_log``, structlog's in Airflow 3, the standard library's in 2), with another task of the same
    loop opening the channel once a line waits in it: it can only do so if the waiting line leaves the loop
    free."""
    trigger._log = logging.getLogger("tests.held_log_channel")

    async def other_task() -> None:
        while not channel.waiting.is_set():
            await asyncio.sleep(0.001)
        channel.opened.set()

    opener = asyncio.create_task(other_task())
    try:
        event = await asyncio.wait_for(anext(trigger.run()), 3 * GUARD)
    finally:
        channel.opened.set()
        opener.cancel()
    for _ in range(int(GUARD / 0.01)):  # the line may still be on its way to the channel
        if channel.lines:
            break
        await asyncio.sleep(0.01)
    return event.payload  # type: ignore[no-any-return]


@pytest.mark.every8d(delivery_seconds=0)
async def test_the_delivery_waits_line_does_not_stop_the_loop(every8d_emulator, hook, channel) -> None:
    batch_id = send(hook, numbers(1))
    payload = await event_while_held(Every8dDeliveryStatusTrigger([batch_id], poll_interval=0.02), channel)
    assert payload["status"] == "success"
    assert not channel.held_too_long, "the line was written on the loop's thread: the other task never ran"
    assert channel.lines == [f"EVERY8D batch {batch_id}: 1 message: 1 delivered"]


@pytest.mark.every8d(delivery_seconds=0)
async def test_the_reply_waits_line_does_not_stop_the_loop(every8d_emulator, hook, channel) -> None:
    batch_id = send(hook, ["0900000998"])  # the emulator replies from a number ending in 998
    payload = await event_while_held(Every8dReplyTrigger([batch_id], poll_interval=0.02), channel)
    assert payload["status"] == "success" and len(payload["replies"]) == 1
    assert not channel.held_too_long, "the line was written on the loop's thread: the other task never ran"
    assert channel.lines == [f"EVERY8D batch {batch_id}: 1 matching replies"]
