"""Benchmark-only: one trigger that measures the event loop of the ``airflow triggerer`` it runs in.

``bench_real_triggerer.py`` defers one :class:`LagProbeOperator` task (started in the triggerer, no worker)
next to the waits it measures. The trigger sleeps ``tick`` seconds in a loop and records how late each
wake-up is (lag = actual sleep - ``tick``); once a second it appends one JSON line to ``<directory>/<run
id>.jsonl``: the monotonic time (the same clock as the benchmark's, one machine), the lags of that second in
ms, the trigger-runner process's CPU seconds, the number of asyncio tasks in its loop (the running triggers
plus the runner's own few) and the full (generation 2) garbage collections of that second (ms). It ends,
with the task's success, once ``<directory>/<run id>.stop`` exists. Never imported by the provider.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import time
import tracemalloc
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, StartTriggerArgs, TaskSuccessEvent, TriggerEvent

try:
    from airflow.sdk import BaseOperator
except ImportError:  # Airflow 2: not used there (start_from_trigger with templates is 3.3+)
    from airflow.models.baseoperator import BaseOperator  # type: ignore[no-redef]


WHERE = os.environ.get("EVERY8D_BENCH_WHERE") == "1"
"""Diagnosis only (``bench_real_triggerer.py --where``): every 10 s, where the loop's tasks are waiting (the
innermost two coroutine frames of each, counted), written to ``<run id>.where.jsonl``."""
TRACE = os.environ.get("EVERY8D_BENCH_TRACEMALLOC") == "1"
"""Diagnosis only (``bench_real_triggerer.py --tracemalloc``): trace the runner's allocations from the probe's
start; ``<run id>.snap`` asks for the top allocation sites, written to ``<run id>.mem-<n>.txt``."""


def _write_snapshot(path: str) -> None:
    snapshot = tracemalloc.take_snapshot()
    with open(path, "w", encoding="utf-8") as out:
        for key in ("filename", "lineno"):
            stats = snapshot.statistics(key)
            out.write(f"== by {key}: {sum(s.size for s in stats) / 2**20:.1f} MiB traced\n")
            out.writelines(f"{s.size / 2**20:8.2f} MiB {s.count:9,d} {s.traceback}\n" for s in stats[:40])


def _chain(awaited: Any) -> list[str]:
    """The frames down an await chain ("function file:line", outermost first), through greenback's shim."""
    chain: list[str] = []
    while awaited is not None and len(chain) < 40:  # bounded: a chain that loops back must not hang the loop
        frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None) or \
            getattr(awaited, "ag_frame", None)
        if frame is None:
            break
        chain.append(f"{frame.f_code.co_name} {os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno}")
        inner = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None) or \
            getattr(awaited, "ag_await", None)
        awaited = inner if inner is not None else frame.f_locals.get("orig_coro")
    return chain


def _waiting_at() -> dict[str, int]:
    """Where the loop's tasks wait: their innermost two frames, counted (a trigger's task ends at Airflow's
    ``run_trigger``, which drives the trigger's ``run()`` generator: the step a wait is in is not seen)."""
    counts: dict[str, int] = {}
    for task in asyncio.all_tasks():
        chain = _chain(task.get_coro())
        where = " < ".join(reversed(chain[-2:])) if chain else type(task.get_coro()).__name__
        counts[where] = counts.get(where, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: -item[1]))


class LagProbeTrigger(BaseTrigger):
    """Sleep ``tick`` seconds in a loop; write the lateness of every wake-up, once a second."""

    def __init__(self, directory: str, tick: float = 0.05) -> None:
        super().__init__()
        self.directory = directory
        self.tick = float(tick)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return f"{__name__}.{type(self).__qualname__}", {"directory": self.directory, "tick": self.tick}

    def _name(self) -> str:
        ti = getattr(self, "task_instance", None)
        return str(getattr(ti, "run_id", None) or f"trigger-{getattr(self, 'trigger_id', 'x')}")

    async def run(self) -> AsyncIterator[TriggerEvent]:
        base = os.path.join(self.directory, self._name())
        full: list[float] = []
        started = [0.0]

        def on_gc(phase: str, info: dict[str, Any]) -> None:
            if phase == "start":
                started[0] = time.perf_counter()
            elif info["generation"] == 2:
                full.append(round((time.perf_counter() - started[0]) * 1000, 1))

        gc.callbacks.append(on_gc)
        if TRACE:
            tracemalloc.start(1)
        snapshots = 0
        loop = asyncio.get_running_loop()
        try:
            with open(base + ".jsonl", "a", encoding="utf-8") as out:
                lags: list[float] = []
                flushed = where_at = loop.time()
                while not os.path.exists(base + ".stop"):
                    before = loop.time()
                    await asyncio.sleep(self.tick)
                    now = loop.time()
                    lags.append(round((now - before - self.tick) * 1000, 2))
                    if TRACE and os.path.exists(base + ".snap"):
                        snapshots += 1
                        _write_snapshot(f"{base}.mem-{snapshots}.txt")
                        os.remove(base + ".snap")
                    if WHERE and now - where_at >= 10.0:
                        with open(base + ".where.jsonl", "a", encoding="utf-8") as where_out:
                            where_out.write(json.dumps({"t": time.monotonic(), "where": _waiting_at()}) + "\n")
                        where_at = loop.time()
                    if now - flushed >= 1.0:
                        record = {"t": time.monotonic(), "lags": lags, "cpu": time.process_time(),
                                  "tasks": len(asyncio.all_tasks()), "gc2": full[:]}
                        out.write(json.dumps(record) + "\n")
                        out.flush()
                        lags, flushed = [], now
                        full.clear()
        finally:
            gc.callbacks.remove(on_gc)
        yield TaskSuccessEvent()


class LagProbeOperator(BaseOperator):
    """Starts :class:`LagProbeTrigger` straight in the triggerer (Airflow 3.3+); never runs on a worker."""

    def __init__(self, *, directory: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_from_trigger = True
        self.start_trigger_args = StartTriggerArgs(
            trigger_cls=f"{__name__}.LagProbeTrigger", trigger_kwargs={"directory": directory, "tick": 0.05},
            next_method="execute_complete", next_kwargs=None, timeout=None)

    def execute(self, context: Any) -> None:
        raise RuntimeError("the lag probe starts in the triggerer; it never runs on a worker")

    def execute_complete(self, context: Any, event: Any = None) -> None:
        return None
