"""The figures of ``bench_real_triggerer.py`` from what it recorded: the probe's lines, the triggerer's log, the
tree sampler's samples and the emulator's request log."""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

from _real_triggerer_processes import TreeSampler

BLOCKED = re.compile(rb"async thread was blocked for ([\d.]+) seconds")
Timed = Sequence[tuple[float, str | None, str | None]]


def summary(values: Sequence[float]) -> dict[str, float] | None:
    if not values:
        return None
    ordered = sorted(values)
    pick = lambda share: ordered[min(len(ordered) - 1, int(share * len(ordered)))]  # noqa: E731
    return {"n": len(ordered), "p50": pick(0.5), "p99": pick(0.99), "max": ordered[-1]}


class Readings:
    """The lag probe's JSON lines and the triggerer's log, under the run's home."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.probes = home / "probe"
        self.probes.mkdir(parents=True)
        self.probe_run = ""

    def probe_records(self) -> list[dict[str, Any]]:
        path = self.probes / f"{self.probe_run}.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.endswith("}")]

    def running(self) -> int:
        """Triggers running in the trigger runner's loop now: its asyncio tasks beyond the probe's first."""
        records = self.probe_records()
        return records[-1]["tasks"] - records[0]["tasks"] if records else -1

    def log_size(self) -> int:
        return (self.home / "home" / "triggerer-1.log").stat().st_size

    def blocked(self, offset: int) -> list[float]:
        """Seconds of each 'async thread was blocked' warning of the triggerer's log from ``offset`` on."""
        data = (self.home / "home" / "triggerer-1.log").read_bytes()[offset:]
        return [float(m.group(1)) for m in BLOCKED.finditer(data)]

    def fired_logged(self, kind: str) -> dict[str, int]:
        """The triggerer's own 'Trigger fired event' lines, from each task's trigger log: total, most for one."""
        counts = [path.read_bytes().count(b"Trigger fired event")
                  for path in (self.home / "home" / "logs").glob(f"dag_id=bench_{kind}_*/*/*/*.log.trigger.*.log")]
        return {"fired_logged": sum(counts), "most_fired_for_one": max(counts, default=0)}

    def step_figures(self, sampler: TreeSampler, times: dict[str, Any]) -> dict[str, Any]:
        """Memory, CPU, loop lag and full collections of one step (from its start, and over its window)."""
        start, end = times["window_start"], times["window_end"]
        whole = sampler.between(times["started"], end)
        window = sampler.between(start, end)
        records = self.probe_records()
        lags = [lag for r in records if start <= r["t"] <= end for lag in r["lags"]]
        ramp = [lag for r in records if times["started"] <= r["t"] < start for lag in r["lags"]]
        runner_cpu = [r["cpu"] for r in records if start <= r["t"] <= end]
        return {**times, "peak_rss": max(s[1] for s in whole),
                "window_rss": max(s[1] for s in window), "lags": summary(lags), "ramp_lags": summary(ramp),
                "cpu_share": (window[-1][2] - window[0][2]) / (window[-1][0] - window[0][0]),
                "runner_cpu_share": (runner_cpu[-1] - runner_cpu[0]) / (end - start) if runner_cpu else None,
                "gc2": [ms for r in records if start <= r["t"] <= end for ms in r["gc2"]],
                "load": os.getloadavg()[0]}


def request_figures(timed: Timed, start: float, end: float, poke: float) -> dict[str, Any]:
    """The emulator's requests in the window: per endpoint, and per batch (status queries); over the whole run
    until the window's end, each batch's poll period (the time between the starts of two of its polls, as the
    emulator saw them arrive) and when each batch was first polled."""
    endpoints: dict[str, int] = defaultdict(int)
    in_window: dict[str, list[float]] = defaultdict(list)
    every: dict[str, list[float]] = defaultdict(list)
    for at, endpoint, batch in timed:
        if at > end:
            continue
        if endpoint == "getDeliveryStatus" and batch:
            every[batch].append(at)
        if at >= start:
            endpoints[str(endpoint)] += 1
            if endpoint == "getDeliveryStatus" and batch:
                in_window[batch].append(at)
    gaps = [b - a for ts in in_window.values() for a, b in pairwise(ts)]
    periods = [b - a for ts in every.values() for a, b in pairwise(ts)]
    first = [ts[0] - start for ts in every.values()]
    seconds = end - start
    return {"endpoints": dict(endpoints), "batches_polled": len(in_window), "seconds": seconds,
            "per_interval": endpoints.get("getDeliveryStatus", 0) * poke / seconds,
            "min_gap": min(gaps, default=None), "max_per_batch": max(map(len, in_window.values()), default=0),
            "poll_period": summary(periods), "first_polled_in_window": sum(1 for f in first if f >= 0)}
