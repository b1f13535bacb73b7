"""A delivery wait logs its summary when the counts move, not at every poll: a triggerer holding thousands
of waits would otherwise write thousands of identical lines per poll interval."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.settings import ClientSettings
from airflow_provider_every8d.transport.aio import AsyncEvery8dClient

triggers = pytest.importorskip("airflow_provider_every8d.triggers.every8d")


class Logger:
    """Stands in for the trigger's logger: keeps the INFO lines."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, message: str, *args: Any) -> None:
        self.lines.append(message % args)

    def warning(self, message: str, *args: Any) -> None:
        self.lines.append(message % args)


@pytest.mark.every8d(delivery_seconds=3600)
def test_unchanged_polls_write_one_line(every8d_emulator: Every8dEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow_provider_every8d.hooks.every8d import Every8dHook

    batch_id = str(Every8dHook().send_sms("quiet", ["0900000001", "0900000002"]).batch_id)
    trigger = triggers.Every8dDeliveryStatusTrigger(batch_ids=[batch_id], poll_interval=0.01)
    settings = ClientSettings(base_url=every8d_emulator.url, uid="demo", password="demo-password")
    logger = Logger()
    monkeypatch.setattr(type(trigger), "log", property(lambda self: logger))

    async def poll(times: int) -> list[Any]:
        async with AsyncEvery8dClient(settings) as client:
            return [await trigger.check(client) for _ in range(times)]

    assert asyncio.run(poll(4)) == [None] * 4
    assert triggers.flush_log_lines()  # lines are written by a thread: read them once it wrote them
    assert len(logger.lines) == 1 and "2 pending" in logger.lines[0]
    every8d_emulator.advance(3600)
    (event,) = asyncio.run(poll(1))
    assert event is not None and event.payload["status"] == "success"
    assert triggers.flush_log_lines()
    assert len(logger.lines) == 2 and "2 delivered" in logger.lines[1]
