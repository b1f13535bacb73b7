"""The EVERY8D emulator of ``bench_real_triggerer.py``, in a process of its own (its own interpreter and GIL).

    python _real_triggerer_emulator.py DELIVERY_SECONDS

Prints one JSON line (``url``, ``env``: the Airflow connection's variables), then serves until stdin ends.
Commands, one a line on stdin, each answered with one JSON line on stdout: ``advance SECONDS`` (the clock moves
on, statuses catch up), ``log FROM`` (the requests logged from index FROM on: ``[monotonic time, endpoint, BID]``
each; CLOCK_MONOTONIC is the machine's, the same in every process). The log is compact, never a ring: a run of
5,000 waits logs a few tens of thousands of requests.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from airflow_provider_every8d.emulator import Every8dEmulator


class TimedEmulator(Every8dEmulator):
    """The emulator, also logging (monotonic time, endpoint, BID) of every request."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.timed: list[tuple[float, str | None, str | None]] = []

    def record(self, request: Any) -> None:
        self.timed.append((time.monotonic(), request.endpoint, request.fields.get("BID")))


def serve(delivery_seconds: float) -> None:
    emulator = TimedEmulator(accounts={"demo": {"password": "demo-password", "credit": 1e12}},
                             delivery_seconds=delivery_seconds)
    emulator.start()
    try:
        print(json.dumps({"url": emulator.url, "env": emulator.connection_env()}), flush=True)
        for line in sys.stdin:
            command, _, value = line.strip().partition(" ")
            if command == "advance":
                emulator.advance(float(value))
                print(json.dumps("ok"), flush=True)
            elif command == "log":
                print(json.dumps(emulator.timed[int(value):]), flush=True)
            else:
                print(json.dumps(f"unknown command {command!r}"), flush=True)
    finally:
        emulator.stop()


if __name__ == "__main__":
    serve(float(sys.argv[1]))
