"""Deferred waits at scale: 1,000 ``Every8dDeliveryStatusTrigger`` runs in one event loop, as one triggerer.

Setup (not measured): 1,000 batches of 100 messages each are sent to the emulator (its own process,
``--delivery-seconds 20 --jitter``: each message becomes final 10-30 s after it was sent, so the batches
finish over several polls). Then 1,000 triggers (``poll_interval=5``) run concurrently in one asyncio
loop until each has yielded its event, next to a 10 ms ticker that records the loop's lag (how late it
wakes up). Measured: peak RSS (VmHWM), CPU share (process CPU / wall), lag p50/p99/max, polls.

For comparison, poke-mode sensors: one process that imports Airflow and the sensor and pokes once is
measured (its peak RSS); 1,000 of them is an estimate (x 1,000), and they would hold 1,000 worker slots.

    .venv/bin/python benchmarks/bench_deferred_waits.py [--triggers 1000] [--messages 100] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

from _common import (
    ROOT,
    emit,
    emulator,
    isolate_airflow,
    phone_numbers,
    process_cpu_seconds,
    reset_peak_rss,
    status_kib,
)

TICK = 0.010
POLL_INTERVAL = 5.0
DELIVERY_SECONDS = 20.0
DEADLINE = 240.0
"""Seconds: the trigger phase is abandoned (and reported) after this."""

POKE_PROCESS = """
import json, os, sys
import airflow.sdk
from airflow_provider_every8d.sensors.every8d import Every8dDeliveryStatusSensor
sensor = Every8dDeliveryStatusSensor(task_id="poke", batch_id=sys.argv[1], mode="poke")
sensor.poke({})
status = dict(line.split(":", 1) for line in open("/proc/self/status") if line.startswith(("VmHWM", "VmRSS")))
print(json.dumps({key: int(value.split()[0]) for key, value in status.items()}))
"""


def send_batches(count: int, size: int, start: int = 0) -> list[str]:
    from airflow_provider_every8d.hooks.every8d import Every8dHook

    numbers = phone_numbers(count * size, start=start, skip_never_final=True)
    hook = Every8dHook()
    try:
        return [hook.send_sms("deferred", numbers[i * size:(i + 1) * size]).batch_id for i in range(count)]
    finally:
        hook.close()


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run_triggers(batch_ids: Sequence[str]) -> dict[str, Any]:
    from airflow_provider_every8d.transport.aio import AsyncEvery8dClient
    from airflow_provider_every8d.triggers.every8d import Every8dDeliveryStatusTrigger

    polls = 0
    original_exchange = AsyncEvery8dClient._exchange

    async def counted_exchange(self: AsyncEvery8dClient, request: Any) -> Any:
        nonlocal polls
        polls += 1
        return await original_exchange(self, request)

    AsyncEvery8dClient._exchange = counted_exchange  # type: ignore[method-assign]
    loop = asyncio.get_running_loop()
    started = loop.time()
    lags: list[float] = []
    worst: list[tuple[float, float]] = []  # (seconds into the phase, lag) of every lag over 50 ms
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            before = loop.time()
            await asyncio.sleep(TICK)
            lags.append(loop.time() - before - TICK)
            if lags[-1] > 0.05:
                worst.append((round(before - started, 2), round(lags[-1], 3)))

    async def wait(trigger: Every8dDeliveryStatusTrigger) -> tuple[dict[str, Any], float]:
        async for event in trigger.run():
            return event.payload, loop.time() - started
        raise RuntimeError("trigger ended without an event")

    triggers = [Every8dDeliveryStatusTrigger(batch_ids=[batch_id], poll_interval=POLL_INTERVAL)
                for batch_id in batch_ids]
    tick = asyncio.create_task(ticker())
    try:
        results = await asyncio.wait_for(asyncio.gather(*(wait(t) for t in triggers)), DEADLINE)
    finally:
        done.set()
        await tick
        AsyncEvery8dClient._exchange = original_exchange  # type: ignore[method-assign]
    failed = [payload for payload, _ in results if payload.get("status") != "success"]
    if failed:
        raise RuntimeError(f"{len(failed)} triggers failed, first: {failed[0]}")
    finished = [at for _, at in results]
    return {"polls": polls, "lags": lags, "lags_over_50ms": worst, "finished_max": max(finished),
            "messages": sum(payload["summary"]["total"] for payload, _ in results)}


def poke_process_rss(batch_id: str) -> dict[str, int]:
    """Peak RSS of one fresh process that imports Airflow and the sensor and pokes once (KiB)."""
    output = subprocess.run([sys.executable, "-c", POKE_PROCESS, batch_id], capture_output=True, text=True,
                            check=True, cwd=ROOT, env=os.environ, timeout=120).stdout
    return json.loads(output.strip().splitlines()[-1])  # type: ignore[no-any-return]


class GcPauses:
    """Durations of the garbage collector's full (generation 2) collections while installed."""

    def __init__(self) -> None:
        self.full: list[float] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        elif info["generation"] == 2:
            self.full.append(time.perf_counter() - self._started)


def one_run(process: subprocess.Popen[str], count: int, size: int, offset: int, freeze: bool = False) -> dict[
        str, Any]:
    """Send ``count`` fresh batches, then wait for all of them with ``count`` triggers; the figures.

    ``freeze``: ``gc.freeze()`` first, so full collections skip everything allocated before (Airflow's
    import-time objects): shows how much of the lag is the garbage collector's, not the triggers'.
    """
    setup = time.perf_counter()
    batch_ids = send_batches(count, size, offset)
    setup = time.perf_counter() - setup
    reset_peak_rss()
    rss_before = status_kib("VmRSS")
    gc_pauses = GcPauses()
    if freeze:
        gc.collect()
        gc.freeze()
    gc.callbacks.append(gc_pauses)
    emulator_cpu = process_cpu_seconds(process.pid)
    cpu, wall = time.process_time(), time.perf_counter()
    try:
        figures = asyncio.run(run_triggers(batch_ids))
    finally:
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        gc.callbacks.remove(gc_pauses)
        gc.unfreeze()
    lags = figures.pop("lags")
    return {**figures, "freeze": freeze, "batch_id": batch_ids[0], "setup": setup, "wall": wall, "cpu": cpu,
            "emulator_cpu": process_cpu_seconds(process.pid) - emulator_cpu, "rss_before": rss_before,
            "peak_rss": status_kib("VmHWM"), "samples": len(lags), "p50": percentile(lags, 0.50) * 1000,
            "p99": percentile(lags, 0.99) * 1000, "max": max(lags) * 1000,
            "load": os.getloadavg()[0], "gc_full": len(gc_pauses.full),
            "gc_full_max": max(gc_pauses.full, default=0) * 1000}


def run(count: int, size: int, runs: int) -> dict[str, Any]:
    isolate_airflow()
    with emulator(delivery_seconds=DELIVERY_SECONDS, jitter=True) as (process, _):
        import airflow_provider_every8d.transport.aio
        import airflow_provider_every8d.triggers.every8d  # noqa: F401

        results = [one_run(process, count, size, index * count * size * 2) for index in range(runs)]
        frozen = one_run(process, count, size, runs * count * size * 2, freeze=True)
        poke = poke_process_rss(results[0]["batch_id"])
    peak_mb = max(r["peak_rss"] for r in results) / 1024
    p99 = statistics.median(r["p99"] for r in results)
    poke_total_gb = poke["VmHWM"] * count / 1024 / 1024
    labels = [str(index + 1) for index in range(runs)] + ["with gc.freeze()"]
    rows = [[labels[index], f"{r['messages']:,}", f"{r['polls']:,}", f"{r['wall']:.1f}", f"{r['cpu'] / r['wall']:.0%}",
             f"{r['emulator_cpu'] / r['wall']:.0%}", f"{r['peak_rss'] / 1024:.0f}",
             f"{(r['peak_rss'] - r['rss_before']) / 1024:.0f}", f"{r['p50']:.1f}", f"{r['p99']:.1f}",
             f"{r['max']:.0f}", f"{r['gc_full']} / {r['gc_full_max']:.0f}", f"{r['load']:.1f}"]
            for index, r in enumerate([*results, frozen])]
    return {
        "name": "deferred_waits",
        "title": f"3. Deferred waits: {count:,} delivery-status triggers in one event loop",
        "tables": [
            {"headers": ["Run", "Messages", "Polls (requests)", "Wall s (until all done)", "Client CPU share",
                         "Emulator CPU share", "Peak RSS MB", "RSS growth MB", "Loop lag p50 ms", "p99 ms",
                         "max ms", "Full GCs / longest ms", "Load avg (1 min)"], "rows": rows},
            {"headers": ["Waiting with", "Processes", "Worker slots held", "Memory"],
             "rows": [[f"{count:,} deferred triggers (measured)", "1 (the triggerer)", "0", f"{peak_mb:.0f} MB"],
                      [f"{count:,} poke-mode sensors (estimate)", f"{count:,}", f"{count:,}",
                       f"{poke['VmHWM'] / 1024:.0f} MB x {count:,} ≈ {poke_total_gb:.0f} GB"]]},
        ],
        "bars": [
            {"bar": "peak RSS < 300 MB", "measured": f"{peak_mb:.0f} MB (highest run)", "pass": peak_mb < 300},
            {"bar": "event-loop lag p99 < 100 ms", "measured": f"{p99:.1f} ms (median of {runs} runs)",
             "pass": p99 < 100},
        ],
        "notes": [
            f"Each run: {count:,} fresh batches x {size} messages sent first (setup, "
            f"{statistics.median(r['setup'] for r in results):.1f} s), then the triggers start together; messages "
            f"become final {DELIVERY_SECONDS / 2:.0f}-{DELIVERY_SECONDS * 1.5:.0f} s after sending (emulator "
            f"--jitter); poll_interval={POLL_INTERVAL:g} s. Every trigger ended with a success event.",
            f"Loop lag: a task sleeping {TICK * 1000:.0f} ms in a loop, lag = actual - {TICK * 1000:.0f} ms "
            f"(about {statistics.median(r['samples'] for r in results):,.0f} samples a run). CPU share: this "
            "process's CPU / wall over the run (100% = one core). Peak RSS: VmHWM of the whole process "
            "(Airflow imported), reset before each run.",
            "Where the lag comes from: the longest stalls are the first loop iteration (all triggers start "
            "at once: connection lookup, client, first request) and Python's full garbage collections of a "
            "heap holding Airflow (see the last column); neither is a poll. A full collection walks every "
            "object in the process (about 160,000 after importing Airflow, 330,000 with 1,000 triggers "
            "running: ~0.2 s on this machine). The last row runs the same with `gc.freeze()` before the "
            "triggers start (a triggerer-process setting, not the provider's): "
            f"p99 {frozen['p99']:.1f} ms, longest full collection {frozen['gc_full_max']:.0f} ms.",
            "Triggers run as the triggerer runs them (`async for event in trigger.run()`), without the "
            "triggerer's own bookkeeping (DB heartbeat, per-trigger log handlers).",
            f"Poke-mode estimate: one fresh process importing Airflow + the sensor and poking once peaks at "
            f"{poke['VmHWM'] / 1024:.0f} MB RSS; x {count:,} (no sharing assumed, the task supervisor process "
            "that Airflow 3 adds per task not counted). Each also holds a worker slot for the whole wait.",
        ],
        "raw": {"runs": results, "frozen": frozen, "poke_process": poke},
    }


def main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triggers", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=100, help="messages per batch")
    parser.add_argument("--runs", type=int, default=3, help="trigger phases, each on fresh batches")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    emit(run(args.triggers, args.messages, args.runs), args.json)


if __name__ == "__main__":
    main(sys.argv[1:])
