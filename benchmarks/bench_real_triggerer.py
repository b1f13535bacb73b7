"""5,000 deferred delivery waits in ONE real ``airflow triggerer`` process, on PostgreSQL.

The deployment test's harness (tests/harness/deployment.py) starts a throw-away PostgreSQL, ``airflow db
migrate``, one API server, the scheduler, the DAG processor and exactly one triggerer (LocalExecutor, no
worker: every wait starts in the triggerer). The EVERY8D emulator runs in a child process of its own
(``_real_triggerer_emulator.py``) and logs each request with its time. Batches of 20 messages are sent to it first
and held (nothing final) until released. The parts: ``_real_triggerer_processes.py`` (the emulator's process, the
deployment, the tree sampler), ``_real_triggerer_database.py``, ``_real_triggerer_figures.py``,
``_real_triggerer_dags.py`` and ``_real_triggerer_report.py``.

Ours: DAGs of ``--tasks`` ``Every8dDeliveryStatusSensor(deferrable=True, poke_interval=--poke)`` tasks, one
run each, the run's conf naming the batches; step by step (1,000, 2,000, 5,000 waits running together). At each
step, once every wait runs in the triggerer: a window of ``--window`` seconds, measuring the triggerer's process
tree (``airflow triggerer`` and its trigger-runner child, psutil: RSS summed, CPU), the loop lag (a probe trigger
in the same loop, ``_lag_probe.py``) and the emulator's requests. Then the emulator's clock moves on, every batch
becomes final and every wait must end. Peer, in a restarted (fresh) triggerer: the same number of Airflow's
lightest deferrable wait, ``DateTimeSensorAsync`` (a ``DateTimeTrigger``), same DAG shape, same steps.
Everything started here is stopped at the end, on failure too.

Two series. Goal 3's figure: ORDINARY deferred waits (``--steps``), as a worker's ``defer()`` leaves them, without
paying thousands of worker runs on 2 cores: ``_defer_bulk.py`` (a child with the deployment's environment) creates
the DAG runs with Airflow's ``create_dagrun`` and writes, through the ORM, what the Execution API's deferred branch
writes (a ``trigger`` row from the real trigger object, the TI deferred with trigger_id, next_method, next_kwargs,
trigger_timeout); the triggerer gets plain RunTrigger workloads (no DAG copy). Completion there: every trigger fired
its event and its TI left ``deferred`` (``scheduled``, the event in next_kwargs), counted from the database; the
DAGs are paused and there is no worker, so the resumed tasks do not run. Second series (``--sft-steps``): the
``start_from_trigger=True`` waits above, where Airflow's triggerer keeps a deserialised DAG per trigger.

    .venv/bin/python benchmarks/bench_real_triggerer.py [--steps 1000,2000,5000] [--sft-steps 1000,2000] [--json]
    .venv/bin/python benchmarks/bench_real_triggerer.py --steps 5000 --sft-steps '' --no-peer   # goal 3's 5,000 only
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from _common import ROOT, emit, phone_numbers
from _real_triggerer_database import Metadata
from _real_triggerer_figures import Readings, request_figures, summary
from _real_triggerer_options import parse
from _real_triggerer_processes import EmulatorProcess, OneTriggerer, TreeSampler, default_capacity
from _real_triggerer_report import report

sys.path.insert(0, str(ROOT))
from tests.deployment.deployment_record import send_batch
from tests.harness.deployment import ComponentError

HOLD = 10_000_000.0
"""Emulator seconds before a held message becomes final: never, until the emulator's clock is advanced."""
DAGS_PER_FILE = 25
STEP_TIMEOUT = 900.0
IDLE_SECONDS = 8.0
SAFE_MODE = "# An Airflow DAG file (the words the DAG processor's safe mode looks for).\n"


class Bench:
    def __init__(self, args: argparse.Namespace, home: Path) -> None:
        self.args = args
        self.home = home
        self.readings = Readings(home)
        self.emulator = EmulatorProcess(delivery_seconds=HOLD)
        self.sampler = TreeSampler()
        self.deployment: OneTriggerer | None = None
        self.batches: list[str] = []

    @property
    def metadata(self) -> Metadata:
        assert self.deployment is not None
        return Metadata(self.deployment)

    # -- setup -------------------------------------------------------------------------------------------
    def dag_files(self, folder: Path) -> list[Path]:
        files = []
        folder.mkdir()
        for kind, per_kind in self.per_kind().items():
            for first in range(0, per_kind, DAGS_PER_FILE):
                path = folder / f"bench_{kind}_{first:04d}.py"
                path.write_text(SAFE_MODE + "from _real_triggerer_dags import define\n\n"
                                f"define(globals(), kind={kind!r}, dags=range({first}, "
                                f"{min(first + DAGS_PER_FILE, per_kind)}), tasks={self.args.tasks}, "
                                f"poke={self.args.poke})\n")
                files.append(path)
        probe = folder / "bench_lag_probe.py"
        probe.write_text(SAFE_MODE + "from _real_triggerer_dags import define\n\n"
                         f"define(globals(), kind='probe', directory={str(self.readings.probes)!r})\n")
        return [*files, probe]

    def per_kind(self) -> dict[str, int]:
        """DAGs of each kind: the ordinary deferred series (``df...``) and the start_from_trigger series."""
        sft = max(self.args.sft_steps, default=0) // self.args.tasks
        deferred = max(self.args.steps) // self.args.tasks
        kinds = {"dfevery8d": deferred, "dfpeer": deferred, **({"every8d": sft, "peer": sft} if sft else {})}
        return {kind: dags for kind, dags in kinds.items() if not (self.args.no_peer and kind.endswith("peer"))}

    def send_batches(self, count: int) -> list[str]:
        numbers = phone_numbers(count * self.args.messages, skip_never_final=True)
        size = self.args.messages
        with ThreadPoolExecutor(4) as pool:
            return list(pool.map(lambda i: send_batch(self.emulator, numbers[i * size:(i + 1) * size],  # type: ignore[arg-type]
                                                      f"wait {i}"), range(count)))

    def start(self) -> dict[str, Any]:
        self.emulator.start()
        count = max(self.args.steps)
        env = {**self.emulator.connection_env(),
               "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), str(ROOT / "benchmarks"), str(ROOT)]),
               "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
               "AIRFLOW__TRIGGERER__CAPACITY": str(self.args.capacity),
               "AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD": "30",
               "AIRFLOW__DAG_PROCESSOR__DAG_FILE_PROCESSOR_TIMEOUT": "300",
               "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "3600",  # parsed once: not re-parsed meanwhile
               "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "300"}
        if self.args.tracemalloc:
            env["EVERY8D_BENCH_TRACEMALLOC"] = "1"
        if self.args.where:
            env["EVERY8D_BENCH_WHERE"] = "1"
        if self.args.select_per_loop:
            env["AIRFLOW__TRIGGERER__MAX_TRIGGER_TO_SELECT_PER_LOOP"] = str(self.args.select_per_loop)
        self.deployment = OneTriggerer(self.home / "home", self.dag_files(self.home / "dagfiles"), env)
        started = time.monotonic()
        with ThreadPoolExecutor(1) as pool:  # the batches of the first series, while the deployment starts
            sending = pool.submit(self.send_batches, count)
            self.deployment.start()
            self.batches = sending.result()
        dag_ids = [f"bench_{kind}_{n:04d}" for kind, dags in self.per_kind().items() for n in range(dags)]
        self.deployment.wait_parsed([*dag_ids, "bench_lag_probe"], timeout=600)
        self.metadata.write_sql("UPDATE dag SET is_paused = true WHERE dag_id LIKE 'bench_df%'")
        self.sampler.pid = self.deployment.processes["triggerer-1"].pid
        self.sampler.start()
        return {"setup_s": time.monotonic() - started}

    # -- measuring -----------------------------------------------------------------------------------
    def idle(self) -> dict[str, Any]:
        """Triggerer up, no trigger at all (the probe not yet): its tree's RSS; then start the probe."""
        assert self.deployment is not None
        time.sleep(IDLE_SECONDS)
        now = time.monotonic()
        samples = self.sampler.between(now - IDLE_SECONDS + 1, now)
        self.readings.probe_run = self.deployment.trigger("bench_lag_probe")
        self.deployment.wait("the lag probe running", lambda: len(self.readings.probe_records()) >= 2, 120)
        return {"idle_rss": max(s[1] for s in samples), "processes": samples[-1][3]}

    def step(self, kind: str, done: int, target: int, conf: dict[str, Any]) -> dict[str, Any]:
        """Trigger the DAG runs that bring the running waits from ``done`` to ``target``; measure a window."""
        assert self.deployment is not None
        tasks, offset, readings = self.args.tasks, self.readings.log_size(), self.readings
        started = time.monotonic()
        runs = [(f"bench_{kind}_{number:04d}",
                 {**conf, **({"batches": self.batches[number * tasks:(number + 1) * tasks]}
                             if kind.endswith("every8d") else {})}) for number in range(done // tasks, target // tasks)]
        if kind.startswith("df"):  # what defer() leaves, written in bulk (no worker runs)
            self.metadata.write_deferred(self.home / "defer-spec.json", kind, runs, self.args.poke)
        else:
            for dag_id, run_conf in runs:
                self.deployment.trigger(dag_id, run_conf)
        deferred = self.deployment.wait(f"{target} {kind} tasks deferred",
                                        lambda: self.metadata.deferred(kind) >= target,
                                        STEP_TIMEOUT) and time.monotonic() - started
        try:
            self.deployment.wait(f"{target} {kind} triggers running", lambda: readings.running() >= target,
                                 STEP_TIMEOUT - (time.monotonic() - started))
        except ComponentError as error:  # measured anyway, and said: not every wait runs yet
            print(f"   {str(error)[:200]}", file=sys.stderr, flush=True)
        window_start = time.monotonic()
        time.sleep(self.args.window if kind.endswith("every8d") else self.args.peer_window)
        window_end = time.monotonic()
        if self.args.tracemalloc:  # diagnosis: the probe writes the runner's top allocation sites
            snap = readings.probes / f"{readings.probe_run}.snap"
            snap.touch()
            self.deployment.wait("the allocation snapshot", lambda: not snap.exists(), STEP_TIMEOUT)
        figures = {"kind": kind, "waits": target, **readings.step_figures(self.sampler, {
            "started": started, "window_start": window_start, "window_end": window_end, "deferred_s": deferred,
            "running_s": window_start - started, "blocked": readings.blocked(offset),
            "running_after": readings.running()})}
        if kind.endswith("every8d"):
            figures["requests"] = request_figures(self.emulator.timed, window_start, window_end, self.args.poke)
        return figures

    def release(self, kind: str, top: int) -> dict[str, Any]:
        """Every held message becomes final; every every8d run must succeed, every task with it (ordinary
        deferred series: every trigger must fire once and its task instance leave ``deferred``)."""
        assert self.deployment is not None
        metadata, readings = self.metadata, self.readings
        started, offset = time.monotonic(), readings.log_size()
        self.emulator.advance(HOLD + 5)
        runs = top // self.args.tasks
        done = (lambda: metadata.fired(kind)["fired"] >= top) if kind.startswith("df") else \
            (lambda: sum(metadata.states("dag_run", kind).get(state, 0) for state in ("success", "failed")) >= runs)
        try:
            self.deployment.wait("every wait to finish", done, STEP_TIMEOUT)
        except ComponentError as error:  # reported (the tasks' states say how far it got), not lost
            print(f"   {str(error)[:200]}", file=sys.stderr, flush=True)
        ended = time.monotonic()
        (readings.probes / f"{readings.probe_run}.stop").touch()
        with contextlib.suppress(ComponentError):  # the probe's own end is not a figure
            self.deployment.wait("the probe run to end", lambda: self.deployment and self.deployment.run_state(
                "bench_lag_probe", readings.probe_run) in ("success", "failed"), 120)
        lags = [lag for r in readings.probe_records() if started <= r["t"] <= ended for lag in r["lags"]]
        fired = {**metadata.fired(kind), **readings.fired_logged(kind)} if kind.startswith("df") else {}
        return {"seconds": ended - started, "runs": metadata.states("dag_run", kind),
                "tasks": metadata.states("task_instance", kind), **fired, "lags": summary(lags),
                "peak_rss": max(s[1] for s in self.sampler.between(started, ended)),
                "blocked": readings.blocked(offset)}

    def restart_triggerer(self) -> None:
        assert self.deployment is not None
        self.deployment.restart("triggerer-1")
        self.sampler.pid = self.deployment.processes["triggerer-1"].pid

    def stop(self) -> None:
        self.sampler.stopped.set()
        if self.deployment is not None:
            self.deployment.stop()
        self.emulator.stop()


def measure(args: argparse.Namespace) -> dict[str, Any]:
    result: dict[str, Any] = {"capacity_default": default_capacity(), "load_start": os.getloadavg()[0]}
    bench = Bench(args, Path(tempfile.mkdtemp(prefix="every8d-real-triggerer-")))
    started = time.monotonic()
    try:
        result.update(bench.start())
        series = [("dfevery8d", args.steps), ("dfpeer", args.steps), ("every8d", args.sft_steps),
                  ("peer", args.sft_steps)]
        for kind, steps in series:
            if not steps or (args.no_peer and kind.endswith("peer")):
                continue
            if kind != "dfevery8d":
                if kind == "every8d":  # new held batches (the release made the first ones final)
                    bench.metadata.drop("dfpeer")
                    bench.batches = bench.send_batches(max(steps))
                bench.restart_triggerer()
            phase: dict[str, Any] = {"idle": bench.idle(), "steps": []}
            until = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()  # the peer waits never end here
            done = 0
            for target in steps:
                phase["steps"].append(bench.step(kind, done, target, {"until": until}))
                done = target
                result[kind] = phase
                if args.raw:  # so far: a run stopped later still leaves its figures
                    args.raw.write_text(json.dumps(result, indent=1))
                print(f"   {kind} {target}: {phase['steps'][-1]['lags']} "
                      f"{phase['steps'][-1]['peak_rss'] / 2**20:.0f} MB", file=sys.stderr, flush=True)
            if kind.endswith("every8d"):
                phase["release"] = bench.release(kind, max(steps))
            result[kind] = phase
    finally:
        bench.stop()
        if args.keep or args.tracemalloc:
            print(f"   logs and probe files kept in {bench.home}", file=sys.stderr)
        else:
            shutil.rmtree(bench.home, ignore_errors=True)
    result.update({"minutes": (time.monotonic() - started) / 60, "load_end": os.getloadavg()[0]})
    return result


def main(argv: Sequence[str]) -> None:
    args = parse(argv, __doc__.splitlines()[0])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a timeout's SIGTERM still stops what was started
    figures = measure(args)
    if args.raw:
        args.raw.write_text(json.dumps(figures, indent=1))
    emit(report(figures, args), args.json)


if __name__ == "__main__":
    main(sys.argv[1:])
