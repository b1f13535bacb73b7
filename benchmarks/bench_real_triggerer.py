"""5,000 deferred delivery waits in ONE real ``airflow triggerer`` process, on PostgreSQL.

The deployment test's harness (tests/harness/deployment.py) starts a throw-away PostgreSQL, ``airflow db
migrate``, one API server, the scheduler, the DAG processor and exactly one triggerer (LocalExecutor, no
worker: every wait starts in the triggerer). The EVERY8D emulator runs in this process and logs each request
with its time. Batches of 20 messages are sent to it first and held (nothing final) until released.

Ours: DAGs of ``--tasks`` ``Every8dDeliveryStatusSensor(deferrable=True, start_from_trigger=True,
poke_interval=--poke)`` tasks, one run each, the run's conf naming the batches; triggered step by step
(1,000, 2,000, 5,000 waits running together). At each step, once every wait runs in the triggerer: a
window of two poll intervals, measuring the triggerer's process tree (``airflow triggerer`` and its
trigger-runner child, psutil: RSS summed, CPU), the loop lag (a probe trigger in the same loop,
``_lag_probe.py``) and the emulator's requests. Then the emulator's clock moves on, every batch becomes
final and every task must succeed. Peer, in a restarted (fresh) triggerer: the same number of Airflow's
lightest deferrable wait, ``DateTimeSensorAsync(start_from_trigger=True)`` (a ``DateTimeTrigger``), same
DAG shape, same steps. Everything started here is stopped at the end, on failure too.

Two series. Goal 3's figure: ORDINARY deferred waits (``--steps``), as a worker's ``defer()`` leaves them, without
paying thousands of worker runs on 2 cores: ``_defer_bulk.py`` (a child with the deployment's environment) creates
the DAG runs with Airflow's ``create_dagrun`` and writes, through the ORM, what the Execution API's deferred branch
writes (a ``trigger`` row from the real trigger object, the TI deferred with trigger_id, next_method, next_kwargs,
trigger_timeout); the triggerer gets plain RunTrigger workloads (no DAG copy). Completion there: every trigger fired
its event and its TI left ``deferred`` (``scheduled``, the event in next_kwargs), counted from the database; the
DAGs are paused and there is no worker, so the resumed tasks do not run. Second series (``--sft-steps``): the
``start_from_trigger=True`` waits above, where Airflow's triggerer keeps a deserialised DAG per trigger.

    .venv/bin/python benchmarks/bench_real_triggerer.py [--steps 1000,2000,5000] [--sft-steps 1000,2000] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path
from typing import Any

from _common import ROOT, emit, phone_numbers
from _real_triggerer_report import report

sys.path.insert(0, str(ROOT))
from airflow_provider_every8d.emulator import Every8dEmulator
from tests.deployment.deployment_record import send_batch
from tests.harness.deployment import AIRFLOW, ComponentError, Deployment

HOLD = 10_000_000.0
"""Emulator seconds before a held message becomes final: never, until :meth:`Every8dEmulator.advance`."""
DAGS_PER_FILE = 25
STEP_TIMEOUT = 900.0
IDLE_SECONDS = 8.0
SAFE_MODE = "# An Airflow DAG file (the words the DAG processor's safe mode looks for).\n"
BLOCKED = re.compile(rb"async thread was blocked for ([\d.]+) seconds")


class TimedEmulator(Every8dEmulator):
    """The emulator, also logging (monotonic time, endpoint, BID) of every request: compact, never a ring."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.timed: list[tuple[float, str | None, str | None]] = []

    def record(self, request: Any) -> None:
        self.timed.append((time.monotonic(), request.endpoint, request.fields.get("BID")))


class _NoRedis:
    """No Celery here: the deployment's Redis is not started."""

    url = "redis://127.0.0.1:9/0"

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass


class OneTriggerer(Deployment):
    """The deployment test's components, but one API server, one triggerer and no worker (LocalExecutor)."""

    COMPONENTS = ("api-server-1", "scheduler", "dag-processor", "triggerer-1")

    def __init__(self, home: Path, dags: list[Path], env: dict[str, str]) -> None:
        super().__init__(home, dags, env)
        self.redis = _NoRedis()  # type: ignore[assignment]

    def commands(self) -> dict[str, list[str]]:
        every = super().commands()
        return {name: every[name] for name in self.COMPONENTS}


class TreeSampler(threading.Thread):
    """Every 0.5 s: (monotonic time, RSS bytes summed, CPU seconds summed) of a process and its children."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.pid = 0
        self.samples: list[tuple[float, int, float, int]] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        import psutil

        while not self.stopped.wait(0.5):
            try:
                root = psutil.Process(self.pid)
                tree = [root, *root.children(recursive=True)]
                rss = sum(p.memory_info().rss for p in tree)
                cpu = sum(sum(p.cpu_times()[:2]) for p in tree)
            except (psutil.Error, ValueError):
                continue
            self.samples.append((time.monotonic(), rss, cpu, len(tree)))

    def between(self, start: float, end: float) -> list[tuple[float, int, float, int]]:
        return [s for s in self.samples if start <= s[0] <= end]


class Bench:
    def __init__(self, args: argparse.Namespace, home: Path) -> None:
        self.args = args
        self.home = home
        self.probes = home / "probe"
        self.probes.mkdir(parents=True)
        self.emulator = TimedEmulator(accounts={"demo": {"password": "demo-password", "credit": 1e12}},
                                      delivery_seconds=HOLD)
        self.sampler = TreeSampler()
        self.deployment: OneTriggerer | None = None
        self.probe_run = ""

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
                         f"define(globals(), kind='probe', directory={str(self.probes)!r})\n")
        return [*files, probe]

    def per_kind(self) -> dict[str, int]:
        """DAGs of each kind: the ordinary deferred series (``df...``) and the start_from_trigger series."""
        sft = max(self.args.sft_steps, default=0) // self.args.tasks
        deferred = max(self.args.steps) // self.args.tasks
        return {"dfevery8d": deferred, "dfpeer": deferred, **({"every8d": sft, "peer": sft} if sft else {})}

    def send_batches(self, count: int) -> list[str]:
        numbers = phone_numbers(count * self.args.messages, skip_never_final=True)
        size = self.args.messages
        with ThreadPoolExecutor(4) as pool:
            return list(pool.map(lambda i: send_batch(self.emulator, numbers[i * size:(i + 1) * size], f"wait {i}"),
                                 range(count)))

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
        self.write_sql("UPDATE dag SET is_paused = true WHERE dag_id LIKE 'bench_df%'")
        self.sampler.pid = self.deployment.processes["triggerer-1"].pid
        self.sampler.start()
        return {"setup_s": time.monotonic() - started}

    # -- measuring -----------------------------------------------------------------------------------
    def probe_records(self) -> list[dict[str, Any]]:
        path = self.probes / f"{self.probe_run}.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.endswith("}")]

    def running(self) -> int:
        """Triggers running in the trigger runner's loop now: its asyncio tasks beyond the probe's first."""
        records = self.probe_records()
        return records[-1]["tasks"] - records[0]["tasks"] if records else -1

    def blocked(self, offset: int) -> list[float]:
        data = (self.home / "home" / "triggerer-1.log").read_bytes()[offset:]
        return [float(m.group(1)) for m in BLOCKED.finditer(data)]

    def log_size(self) -> int:
        return (self.home / "home" / "triggerer-1.log").stat().st_size

    def idle(self) -> dict[str, Any]:
        """Triggerer up, no trigger at all (the probe not yet): its tree's RSS; then start the probe."""
        assert self.deployment is not None
        time.sleep(IDLE_SECONDS)
        now = time.monotonic()
        samples = self.sampler.between(now - IDLE_SECONDS + 1, now)
        self.probe_run = self.deployment.trigger("bench_lag_probe")
        self.deployment.wait("the lag probe running", lambda: len(self.probe_records()) >= 2, 120)
        return {"idle_rss": max(s[1] for s in samples), "processes": samples[-1][3]}

    def step(self, kind: str, done: int, target: int, conf: dict[str, Any]) -> dict[str, Any]:
        """Trigger the DAG runs that bring the running waits from ``done`` to ``target``; measure a window."""
        assert self.deployment is not None
        tasks, offset = self.args.tasks, self.log_size()
        started = time.monotonic()
        runs = [(f"bench_{kind}_{number:04d}",
                 {**conf, **({"batches": self.batches[number * tasks:(number + 1) * tasks]}
                             if kind.endswith("every8d") else {})}) for number in range(done // tasks, target // tasks)]
        if kind.startswith("df"):  # what defer() leaves, written in bulk (no worker runs)
            self.write_deferred(kind, runs)
        else:
            for dag_id, run_conf in runs:
                self.deployment.trigger(dag_id, run_conf)
        deferred = self.deployment.wait(f"{target} {kind} tasks deferred", lambda: self.deferred(kind) >= target,
                                        STEP_TIMEOUT) and time.monotonic() - started
        try:
            self.deployment.wait(f"{target} {kind} triggers running", lambda: self.running() >= target,
                                 STEP_TIMEOUT - (time.monotonic() - started))
        except ComponentError as error:  # measured anyway, and said: not every wait runs yet
            print(f"   {str(error)[:200]}", file=sys.stderr, flush=True)
        window_start = time.monotonic()
        time.sleep(self.args.window if kind.endswith("every8d") else self.args.peer_window)
        window_end = time.monotonic()
        if self.args.tracemalloc:  # diagnosis: the probe writes the runner's top allocation sites
            (self.probes / f"{self.probe_run}.snap").touch()
            self.deployment.wait("the allocation snapshot", lambda: not (self.probes / f"{self.probe_run}.snap")
                                 .exists(), STEP_TIMEOUT)
        return self.figures(kind, target, {"started": started, "window_start": window_start, "window_end": window_end,
                                           "deferred_s": deferred, "running_s": window_start - started,
                                           "blocked": self.blocked(offset), "running_after": self.running()})

    def write_deferred(self, kind: str, runs: list[tuple[str, dict[str, Any]]]) -> None:
        assert self.deployment is not None
        spec = self.home / "defer-spec.json"
        spec.write_text(json.dumps({"kind": kind, "runs": runs, "poke": self.args.poke}))
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "_defer_bulk.py"), str(spec)], check=True,
                       env={**self.deployment.env, "PYTHONPATH": f"{ROOT / 'benchmarks'}{os.pathsep}{ROOT}"},
                       timeout=STEP_TIMEOUT, stdout=subprocess.DEVNULL)

    def write_sql(self, sql: str, **params: Any) -> None:
        """A statement committed (the harness's query() only reads)."""
        import sqlalchemy as sa

        assert self.deployment is not None
        self.deployment.query("SELECT 1")  # its engine
        with self.deployment._engine.begin() as connection:
            connection.execute(sa.text(sql), params)

    def deferred(self, kind: str) -> int:
        assert self.deployment is not None
        rows = self.deployment.query("SELECT count(*) FROM task_instance WHERE dag_id LIKE :kind AND state = "
                                     "'deferred'", kind=f"bench_{kind}_%")
        return int(rows[0][0]) if rows else 0

    def figures(self, kind: str, target: int, times: dict[str, Any]) -> dict[str, Any]:
        start, end = times["window_start"], times["window_end"]
        whole = self.sampler.between(times["started"], end)
        window = self.sampler.between(start, end)
        records = self.probe_records()
        lags = [lag for r in records if start <= r["t"] <= end for lag in r["lags"]]
        ramp = [lag for r in records if times["started"] <= r["t"] < start for lag in r["lags"]]
        runner_cpu = [r["cpu"] for r in records if start <= r["t"] <= end]
        figures = {**times, "kind": kind, "waits": target, "peak_rss": max(s[1] for s in whole),
                   "window_rss": max(s[1] for s in window), "lags": summary(lags), "ramp_lags": summary(ramp),
                   "cpu_share": (window[-1][2] - window[0][2]) / (window[-1][0] - window[0][0]),
                   "runner_cpu_share": (runner_cpu[-1] - runner_cpu[0]) / (end - start) if runner_cpu else None,
                   "gc2": [ms for r in records if start <= r["t"] <= end for ms in r["gc2"]],
                   "load": os.getloadavg()[0]}
        if kind.endswith("every8d"):
            figures["requests"] = self.requests(start, end)
        return figures

    def requests(self, start: float, end: float) -> dict[str, Any]:
        """The emulator's requests in the window: per endpoint, and per batch (status queries)."""
        log = [entry for entry in list(self.emulator.timed) if start <= entry[0] <= end]
        endpoints: dict[str, int] = defaultdict(int)
        times: dict[str, list[float]] = defaultdict(list)
        for at, endpoint, batch in log:
            endpoints[str(endpoint)] += 1
            if endpoint == "getDeliveryStatus" and batch:
                times[batch].append(at)
        gaps = [b - a for ts in times.values() for a, b in pairwise(ts)]
        seconds = end - start
        return {"endpoints": dict(endpoints), "batches_polled": len(times), "seconds": seconds,
                "per_interval": endpoints.get("getDeliveryStatus", 0) * self.args.poke / seconds,
                "min_gap": min(gaps, default=None), "max_per_batch": max(map(len, times.values()), default=0)}

    def release(self, kind: str, top: int) -> dict[str, Any]:
        """Every held message becomes final; every every8d run must succeed, every task with it (ordinary
        deferred series: every trigger must fire once and its task instance leave ``deferred``)."""
        assert self.deployment is not None
        started, offset = time.monotonic(), self.log_size()
        self.emulator.advance(HOLD + 5)
        runs = top // self.args.tasks
        done = (lambda: self.fired(kind)["fired"] >= top) if kind.startswith("df") else \
            (lambda: self.states("dag_run", kind).get("success", 0) + self.states("dag_run", kind).get("failed", 0)
             >= runs)
        try:
            self.deployment.wait("every wait to finish", done, STEP_TIMEOUT)
        except ComponentError as error:  # reported (the tasks' states say how far it got), not lost
            print(f"   {str(error)[:200]}", file=sys.stderr, flush=True)
        ended = time.monotonic()
        (self.probes / f"{self.probe_run}.stop").touch()
        with contextlib.suppress(ComponentError):  # the probe's own end is not a figure
            self.deployment.wait("the probe run to end", lambda: self.deployment and self.deployment.run_state(
                "bench_lag_probe", self.probe_run) in ("success", "failed"), 120)
        lags = [lag for r in self.probe_records() if started <= r["t"] <= ended for lag in r["lags"]]
        fired = {**self.fired(kind), **self.fired_logged(kind)} if kind.startswith("df") else {}
        return {"seconds": ended - started, "runs": self.states("dag_run", kind),
                "tasks": self.states("task_instance", kind), **fired,
                "lags": summary(lags),
                "peak_rss": max(s[1] for s in self.sampler.between(started, ended)),
                "blocked": self.blocked(offset)}

    def states(self, table: str, kind: str) -> dict[str, int]:
        assert self.deployment is not None
        rows = self.deployment.query(f"SELECT state, count(*) FROM {table} WHERE dag_id LIKE :kind GROUP BY state",
                                     kind=f"bench_{kind}_%")
        return {str(state): int(n) for state, n in rows}

    def fired(self, kind: str) -> dict[str, int]:
        """From the database: task instances that left ``deferred`` with their trigger's event in next_kwargs
        (the triggerer's submit_event), those with a success event, and any that ran again (try number > 1)."""
        assert self.deployment is not None
        rows = self.deployment.query(
            "SELECT count(*) FILTER (WHERE state <> 'deferred' AND trigger_id IS NULL AND next_kwargs::text LIKE "
            "'%\"event\"%'), count(*) FILTER (WHERE next_kwargs::text LIKE '%\"success\"%'), "
            "count(*) FILTER (WHERE try_number > 1), count(*) FILTER (WHERE state = 'deferred') "
            "FROM task_instance WHERE dag_id LIKE :kind", kind=f"bench_{kind}_%")
        fired, success, again, deferred = rows[0] if rows else (0, 0, 0, 0)
        return {"fired": int(fired), "success_events": int(success), "tried_again": int(again),
                "still_deferred": int(deferred)}

    def fired_logged(self, kind: str) -> dict[str, int]:
        """The triggerer's own 'Trigger fired event' lines, from each task's trigger log: total, most for one."""
        counts = [path.read_bytes().count(b"Trigger fired event")
                  for path in (self.home / "home" / "logs").glob(f"dag_id=bench_{kind}_*/*/*/*.log.trigger.*.log")]
        return {"fired_logged": sum(counts), "most_fired_for_one": max(counts, default=0)}

    def drop(self, kind: str) -> None:
        """The never-ending peer waits of one series: their triggers deleted, their tasks skipped."""
        assert self.deployment is not None
        self.write_sql("WITH t AS (UPDATE task_instance SET state = 'skipped', trigger_id = NULL WHERE dag_id "
                       "LIKE :kind AND trigger_id IS NOT NULL RETURNING trigger_id) DELETE FROM trigger WHERE id "
                       "IN (SELECT trigger_id FROM t)", kind=f"bench_{kind}_%")

    def restart_triggerer(self) -> None:
        assert self.deployment is not None
        self.deployment.restart("triggerer-1")
        self.sampler.pid = self.deployment.processes["triggerer-1"].pid

    def stop(self) -> None:
        self.sampler.stopped.set()
        if self.deployment is not None:
            self.deployment.stop()
        self.emulator.stop()


def summary(values: Sequence[float]) -> dict[str, float] | None:
    if not values:
        return None
    ordered = sorted(values)
    pick = lambda share: ordered[min(len(ordered) - 1, int(share * len(ordered)))]  # noqa: E731
    return {"n": len(ordered), "p50": pick(0.5), "p99": pick(0.99), "max": ordered[-1]}


def default_capacity() -> str:
    """``airflow config get-value triggerer capacity`` with nothing set: the shipped default."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")},
           "AIRFLOW_HOME": tempfile.mkdtemp(prefix="every8d-capacity-")}
    return subprocess.run([AIRFLOW, "config", "get-value", "triggerer", "capacity"], capture_output=True, text=True,
                          env=env, timeout=120, check=True).stdout.strip()


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
                    bench.drop("dfpeer")
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="1000,2000,5000",
                        help="ordinary deferred waits running together, cumulative (goal 3's series)")
    parser.add_argument("--sft-steps", default="1000,2000",
                        help="start_from_trigger waits running together, cumulative ('' for none)")
    parser.add_argument("--tasks", type=int, default=10, help="waits per DAG (one run each)")
    parser.add_argument("--messages", type=int, default=20, help="messages per batch (one status page)")
    parser.add_argument("--poke", type=float, default=60.0, help="poll interval, seconds (the sensor's default)")
    parser.add_argument("--window", type=float, default=60.0, help="seconds measured at each step")
    parser.add_argument("--peer-window", type=float, default=20.0,
                        help="seconds measured at each step of the peer (its waits do not poll)")
    parser.add_argument("--capacity", type=int, default=6000, help="[triggerer] capacity for the run")
    parser.add_argument("--select-per-loop", type=int, default=0,
                        help="[triggerer] max_trigger_to_select_per_loop (0: Airflow's default, 50)")
    parser.add_argument("--no-peer", action="store_true", help="skip the DateTimeTrigger peer")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="diagnosis: trace the trigger runner's allocations (slow); top sites in the probe dir")
    parser.add_argument("--keep", action="store_true", help="keep the deployment's logs and the probe's files")
    parser.add_argument("--raw", type=Path, help="also write the raw figures (JSON) here")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a timeout's SIGTERM still stops what was started
    args.steps = [int(n) for n in args.steps.split(",")]
    args.sft_steps = [int(n) for n in args.sft_steps.split(",") if n]
    if any(n % args.tasks for n in [*args.steps, *args.sft_steps]):
        parser.error("every step must be a multiple of --tasks")
    figures = measure(args)
    if args.raw:
        args.raw.write_text(json.dumps(figures, indent=1))
    emit(report(figures, args), args.json)


if __name__ == "__main__":
    main(sys.argv[1:])
