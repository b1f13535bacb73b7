"""Bulk send: client CPU per recipient of ``Every8dSendSmsOperator`` against the HttpHook-style peer, same run.

Ours: ``Every8dSendSmsOperator(chunk_size=1000)`` built, prepared and its templates rendered (as the task
runner does: ``prepare_for_execution()`` locks the copy, so assigning the rendered fields does not walk them for
XComArgs again) and
``execute``-d with a ``task_state_store`` (values
through JSON, as Airflow 3.3's store keeps them): every number validated, every chunk priced, the send-once
ledger written before and after each chunk. The peer: one POST per chunk of 1,000 through a fresh
``requests.Session`` (what ``HttpHook.run`` does per call), a form body, no validation, no ledger.

Measured, against one emulator process (its CPU is not ours):
- warm: in this process, after a first send of each way paid the one-off costs; median of ``--repeat`` runs,
  ours and the peer alternating so that the machine's load hits both alike;
- total: a fresh process per way and size, CPU from after ``import airflow.sdk`` to the end of the send
  (imports of the HTTP library and the client, the connection lookup, the send);
- first send: a fresh process, 1 recipient, CPU beyond ``import airflow.sdk`` (median of :data:`FIRST_RUNS`
  processes, the ways taking turns), and
  its CPU by stage (:data:`STAGES`: ours, the connection lookup, the client, the send; whether requests loaded),
  and Airflow's connection lookup alone (``BaseHook.get_connection`` in a fresh process, none of this
  provider's code), the part of the first-send bar that is Airflow's.
Profiles go to benchmarks/profiles/ (cProfile of a warm send; the stages and ``-X importtime`` of a first send).

    .venv/bin/python benchmarks/bench_bulk_send.py [--sizes 2000,20000,100000] [--repeat 3] [--json]
    .venv/bin/python benchmarks/bench_bulk_send.py --first-send-only   # the first-send rows and profile only
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from _common import PASSWORD, UID, emit, emulator, importtime_report, isolate_airflow, phone_numbers

CHUNK = 1000
MESSAGE = "Benchmark: your order has shipped."
SEND_PATH = "/API21/HTTP/sendSMS.ashx"
PROFILES = Path(__file__).resolve().parent / "profiles"
FIRST_SEND_BAR_MS = 30.0

CHILD = r"""
import json, sys, time
import airflow.sdk
if sys.argv[5:] == ["task"]:  # what a task process has loaded: Linux forks it from the supervisor
    import airflow.sdk.execution_time.supervisor
way, count, start = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
numbers = [f"09{n:08d}" for n in range(start, start + count)]
cpu = time.process_time()
if way == "ours":
    from airflow_provider_every8d.operators.every8d import Every8dSendSmsOperator
    store = {}
    class Store:
        def get(self, key, default=None):
            return json.loads(store[key]) if key in store else default
        def set(self, key, value):
            store[key] = json.dumps(value)
    op = Every8dSendSmsOperator(task_id="bulk", message=sys.argv[4], recipients=numbers, chunk_size=1000)
    op = op.prepare_for_execution()
    op.render_template_fields({}, jinja_env=op.get_template_env())
    sent = op.execute({"task_state_store": Store()})["sent"]
elif way == "lookup":  # Airflow's part alone: the lookup any hook makes, no provider code, nothing sent
    from airflow.providers.common.compat.sdk import BaseHook
    sent = count if BaseHook.get_connection("every8d_default").login else 0
else:
    import os
    import requests
    conn = json.loads(os.environ["AIRFLOW_CONN_EVERY8D_DEFAULT"])
    sent = 0
    for begin in range(0, count, 1000):
        with requests.Session() as session:
            response = session.post(conn["host"] + "/API21/HTTP/sendSMS.ashx", data={
                "UID": conn["login"], "PWD": conn["password"], "SB": "", "MSG": sys.argv[4],
                "DEST": ",".join(numbers[begin:begin + 1000]), "ST": ""}, timeout=300)
        response.raise_for_status()
        sent += int(response.text.split(",")[1])
cpu = time.process_time() - cpu
assert sent == count, sent
print(json.dumps({"cpu": cpu}))
"""

STAGES = r"""
import json, sys, time
import airflow.sdk
if sys.argv[3:] == ["task"]:
    import airflow.sdk.execution_time.supervisor
clock, stages = time.process_time, {}
def stage(name, begun):
    stages[name] = clock() - begun
    return clock()
begun = clock()
from airflow_provider_every8d.operators.every8d import Every8dSendSmsOperator
from airflow_provider_every8d import sending
from airflow_provider_every8d.operators import _verdict
from airflow_provider_every8d.hooks.every8d import Every8dHook
from airflow_provider_every8d.protocol import api22, build
from airflow_provider_every8d.transport import sync
begun = stage("ours", begun)
hook = Every8dHook()
hook.settings
begun = stage("lookup", begun)
hook.get_conn()
begun = stage("client", begun)
class Store(dict):  # a task_state_store: values through JSON, as Airflow 3.3 keeps them
    def set(self, key, value):
        self[key] = json.loads(json.dumps(value))
op = Every8dSendSmsOperator(task_id="first", message=sys.argv[1], recipients=[sys.argv[2]])
op = op.prepare_for_execution()
op.get_hook = lambda: hook  # the hook above: its connection lookup and client are already counted
op.render_template_fields({}, jinja_env=op.get_template_env())
assert op.execute({"task_state_store": Store()})["sent"] == 1
stage("send", begun)
stages["requests_loaded"] = float("requests" in sys.modules or "urllib3" in sys.modules)
print(json.dumps(stages))
"""
"""The first send's CPU by stage, each stage's imports its own (the modules the send would import, in its order)."""
STAGE_NAMES = {"ours": "import the provider's modules the send uses (operator, engine, hook, builders, parsers, "
                       "transport)",
               "lookup": "Airflow's connection lookup (Connection.get, the secret masker) and the settings read "
                         "from it",
               "client": "the client built (the direct way: proxy and netrc environment read once)",
               "send": "the operator built, rendered and executed: 1 POST, the ledger written twice"}


class JsonStore:
    """A ``task_state_store`` stand-in: values kept as JSON text, as Airflow 3.3's store keeps them."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return json.loads(self.values[key]) if key in self.values else default

    def set(self, key: str, value: Any) -> None:
        self.values[key] = json.dumps(value)


CONSTRUCT_CPU: list[float] = []
"""CPU of each ``ours`` run spent building the operator (Airflow walks a literal list for XComArgs)."""


def built(numbers: Sequence[str]) -> Any:
    """The operator as a DAG file builds it (Airflow walks the literal list for XComArgs); CPU kept."""
    from airflow_provider_every8d.operators.every8d import Every8dSendSmsOperator

    cpu = time.process_time()
    operator = Every8dSendSmsOperator(task_id="bulk_send", message=MESSAGE, recipients=list(numbers),
                                      chunk_size=CHUNK)
    CONSTRUCT_CPU.append(time.process_time() - cpu)
    return operator


def render_and_execute(operator: Any) -> int:
    """What a task run does with it: prepared (locked, so assigning the rendered fields walks nothing),
    rendered, executed with a JSON ``task_state_store``."""
    operator = operator.prepare_for_execution()
    operator.render_template_fields({}, jinja_env=operator.get_template_env())
    store = JsonStore()
    result = operator.execute({"task_state_store": store})
    if not any(key.startswith("every8d_send/") for key in store.values):
        raise RuntimeError("the send-once ledger was not written")
    return int(result["sent"])


def ours(numbers: Sequence[str], url: str) -> int:
    return render_and_execute(built(numbers))


def peer(numbers: Sequence[str], url: str) -> int:
    """One POST per 1,000 recipients, each through a new session (HttpHook.run opens one per call)."""
    import requests

    sent = 0
    for start in range(0, len(numbers), CHUNK):
        with requests.Session() as session:
            response = session.post(url + SEND_PATH, data={
                "UID": UID, "PWD": PASSWORD, "SB": "", "MSG": MESSAGE,
                "DEST": ",".join(numbers[start:start + CHUNK]), "ST": ""}, timeout=300)
        response.raise_for_status()
        if response.text.startswith("-"):
            raise RuntimeError(response.text)
        sent += int(response.text.split(",")[1])
    return sent


WAYS: dict[str, Callable[[Sequence[str], str], int]] = {"ours": ours, "peer": peer}


def cpu_of(send: Callable[[Sequence[str], str], int], numbers: Sequence[str], url: str) -> float:
    cpu = time.process_time()
    sent = send(numbers, url)
    cpu = time.process_time() - cpu
    if sent != len(numbers):
        raise RuntimeError(f"{send.__name__}: sent {sent} of {len(numbers)}")
    return cpu


def fresh(way: str, count: int, start: int, *extra: str, task: bool = False) -> float:
    """CPU seconds, after ``import airflow.sdk``, of one send in a new process; ``task``: with the modules
    a task process already has (Airflow's supervisor, which forks it on Linux) imported before the clock."""
    done = subprocess.run([sys.executable, *extra, "-c", CHILD, way, str(count), str(start), MESSAGE,
                           *(["task"] if task else [])],
                          capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"{way} in a fresh process failed: {done.stderr[-2000:]}")
    if extra:
        (PROFILES / "first_send_importtime.txt").write_text(
            importtime_report(done.stderr, "a first send (1 recipient)"))
    return float(json.loads(done.stdout.strip().splitlines()[-1])["cpu"])


FIRST_RUNS = 5
"""Fresh processes per way and mode for a first-send figure (and per mode for its stages): a single one
scatters by several ms on a shared machine."""


def first_send_stages(start: int, runs: int = FIRST_RUNS) -> dict[str, dict[str, float]]:
    """CPU seconds of each stage of a first send (:data:`STAGES`), median of ``runs`` processes, in a fresh
    interpreter (``fresh``) and with a task process's modules loaded (``task``)."""
    found: dict[str, dict[str, float]] = {}
    for mode in ("fresh", "task"):
        runs_of: dict[str, list[float]] = {}
        for run_number in range(runs):
            done = subprocess.run([sys.executable, "-c", STAGES, MESSAGE, f"09{start + run_number:08d}",
                                   *(["task"] if mode == "task" else [])],
                                  capture_output=True, text=True, timeout=900)
            if done.returncode != 0:
                raise RuntimeError(f"first-send stages failed: {done.stderr[-2000:]}")
            for name, seconds in json.loads(done.stdout.strip().splitlines()[-1]).items():
                runs_of.setdefault(name, []).append(seconds)
        found[mode] = {name: statistics.median(values) for name, values in runs_of.items()}
        start += runs
    return found


def stages_report(stages: dict[str, dict[str, float]]) -> str:
    """The stage table written above the ``-X importtime`` lines of first_send_importtime.txt."""
    out = ["# CPU ms of a first send (1 recipient) by stage, beyond `import airflow.sdk`; median of "
           f"{FIRST_RUNS} processes",
           f"# {'fresh':>7} {'task':>7}  stage (task: Airflow's supervisor modules loaded before the clock)"]
    for name, label in STAGE_NAMES.items():
        out.append(f"  {stages['fresh'][name] * 1000:7.1f} {stages['task'][name] * 1000:7.1f}  {label}")
    fresh_total, task_total = (sum(stages[mode][name] for name in STAGE_NAMES) for mode in ("fresh", "task"))
    out.append(f"  {fresh_total * 1000:7.1f} {task_total * 1000:7.1f}  total")
    loaded = "loaded" if stages["task"].get("requests_loaded") else "did not load"
    out.append(f"# the send {loaded} requests or urllib3 (the sync client's direct way: transport/wire.py)")
    return "\n".join(out) + "\n\n"


def first_send(start: int) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """The first-send figures (:data:`FIRST_RUNS` processes a way and mode, the ways taking turns in a fixed
    order, so a slow drift of the machine's speed falls on each alike), its stages, and its profile written."""
    first: dict[str, float] = {}
    for suffix, offset in (("", 0), ("_task", FIRST_RUNS)):
        samples: dict[str, list[float]] = {way: [] for way in (*WAYS, "lookup")}
        for i in range(FIRST_RUNS):
            for way, found in samples.items():
                found.append(fresh(way, 1, start + offset + i, task=bool(suffix)))
        first.update({f"{way}{suffix}": statistics.median(found) for way, found in samples.items()})
    fresh("ours", 1, start + 2 * FIRST_RUNS, "-X", "importtime")
    stages = first_send_stages(start + 2 * FIRST_RUNS + 1)
    profile = PROFILES / "first_send_importtime.txt"
    profile.write_text(stages_report(stages) + profile.read_text())
    return first, stages


def profile_warm(numbers: Sequence[str], url: str) -> None:
    operator = built(numbers)  # building it is the "with building" column, measured apart
    profile = cProfile.Profile(time.process_time)  # CPU, not wall: socket waits are the emulator's
    profile.enable()
    render_and_execute(operator)
    profile.disable()
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats("tottime").print_stats(25)
    pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(30)
    PROFILES.mkdir(exist_ok=True)
    (PROFILES / "bulk_send_cprofile.txt").write_text(
        f"# cProfile of a warm send to {len(numbers):,} recipients (ours: render + execute, the headline "
        "figure), top 25 by own CPU time, then top 30 cumulative (process_time timer: waiting for the "
        "emulator is not counted; cProfile's cost per call inflates many-call functions such as the "
        "ledger's digest loop).\n" + text.getvalue())


def run(sizes: list[int], repeat: int) -> dict[str, Any]:
    isolate_airflow()
    PROFILES.mkdir(exist_ok=True)
    start = 0
    with emulator(delivery_seconds=0) as (_, url):
        for send in WAYS.values():  # warm-up: imports, the first connection, the connection lookup
            cpu_of(send, phone_numbers(20, start=9_000_000), url)
        warm: dict[str, dict[int, float]] = {"ours": {}, "peer": {}}
        total: dict[str, dict[int, float]] = {"ours": {}, "peer": {}}
        for size in sizes:
            runs: dict[str, list[float]] = {"ours": [], "peer": [], "ours_run": []}
            for _ in range(repeat):
                for way, send in WAYS.items():
                    runs[way].append(cpu_of(send, phone_numbers(size, start=start), url))
                    start += size
                runs["ours_run"].append(runs["ours"][-1] - CONSTRUCT_CPU[-1])
            warm.setdefault("ours_run", {})[size] = statistics.median(runs["ours_run"])
            for way in WAYS:
                warm[way][size] = statistics.median(runs[way])
                total[way][size] = fresh(way, size, start)
                start += size
        first, stages = first_send(start)
        profile_warm(phone_numbers(sizes[-1], start=start + 100), url)
    return result(sizes, warm, total, first, stages)


def result(sizes: list[int], warm: dict[str, dict[int, float]], total: dict[str, dict[int, float]],
           first: dict[str, float], stages: dict[str, dict[str, float]]) -> dict[str, Any]:
    def us(seconds: float, size: int) -> str:
        return f"{seconds / size * 1e6:.2f}"

    rows = []
    for size in sizes:
        rows.append([f"{size:,}", us(warm["ours_run"][size], size), us(warm["ours"][size], size),
                     us(warm["peer"][size], size), f"{warm['ours_run'][size] / warm['peer'][size]:.2f}",
                     f"{warm['ours'][size] / warm['peer'][size]:.2f}", us(total["ours"][size], size),
                     us(total["peer"][size], size), f"{total['ours'][size] / total['peer'][size]:.2f}"])
    big = sizes[-1]
    ratio = warm["ours_run"][big] / warm["peer"][big]
    built = warm["ours"][big] / warm["peer"][big]
    first_ms = first["ours"] * 1000
    return {
        "name": "bulk_send",
        "title": "1. Bulk send: client CPU per recipient, ours vs the HttpHook-style peer",
        "tables": [{"headers": ["Recipients", "Ours warm µs (render + execute)", "Ours warm µs (+ building the "
                                "operator)", "Peer warm µs", "Ratio warm", "Ratio warm with building",
                                "Ours total µs", "Peer total µs", "Ratio total"], "rows": rows},
                   {"headers": ["First send (1 recipient, fresh process)", "CPU ms beyond `import airflow.sdk`"],
                    "rows": [["ours (Every8dSendSmsOperator)", f"{first['ours'] * 1000:.1f}"],
                             ["peer (requests.Session, form body)", f"{first['peer'] * 1000:.1f}"],
                             ["ours, in a task process (Airflow's supervisor modules already loaded)",
                              f"{first['ours_task'] * 1000:.1f}"],
                             ["peer, the same", f"{first['peer_task'] * 1000:.1f}"],
                             ["Airflow's connection lookup alone (`BaseHook.get_connection`, none of this "
                              "provider's code)",
                              f"{first['lookup'] * 1000:.1f}"],
                             ["the same in a task process", f"{first['lookup_task'] * 1000:.1f}"]]}],
        "bars": [
            {"bar": f"ours ≤ peer, client CPU per recipient (warm, {big:,} recipients, render + execute)",
             "measured": f"{warm['ours_run'][big] / big * 1e6:.2f} µs vs {warm['peer'][big] / big * 1e6:.2f} µs "
                         f"(ratio {ratio:.2f})", "pass": ratio <= 1.0},
            {"bar": f"the same with building the operator from a literal list of {big:,} numbers",
             "measured": f"ratio {built:.2f}", "pass": built <= 1.0},
            {"bar": f"first send < {FIRST_SEND_BAR_MS:.0f} ms CPU beyond `import airflow.sdk`",
             "measured": f"{first_ms:.1f} ms (peer {first['peer'] * 1000:.1f} ms, ratio "
                         f"{first_ms / (first['peer'] * 1000):.2f})",
             "pass": first_ms < FIRST_SEND_BAR_MS},
            {"bar": f"first send < {FIRST_SEND_BAR_MS:.0f} ms in a task process (Airflow's supervisor modules "
                    "loaded, as a forked task has them)",
             "measured": f"{first['ours_task'] * 1000:.1f} ms (peer {first['peer_task'] * 1000:.1f} ms, ratio "
                         f"{first['ours_task'] / first['peer_task']:.2f})",
             "pass": first["ours_task"] * 1000 < FIRST_SEND_BAR_MS},
            {"bar": "Airflow's part of the fresh first send: its connection lookup alone in a fresh interpreter "
                    "(any hook's "
                    "`BaseHook.get_connection`, none of this provider's code, nothing sent)",
             "measured": f"{first['lookup'] * 1000:.1f} ms, leaving {FIRST_SEND_BAR_MS - first['lookup'] * 1000:.1f}"
                         f" ms for the provider; ours beyond it {first_ms - first['lookup'] * 1000:.1f} ms",
             "pass": None},
        ],
        "notes": [
            "Ours: operator built, then as a task run does: prepared (`prepare_for_execution`, so assigning "
            "the rendered fields does not walk them for XComArgs again), its template fields rendered and "
            "`execute`-d with a JSON `task_state_store`: every number validated, every "
            "chunk priced, the ledger written before and after each chunk. The peer validates nothing and "
            "keeps no ledger. Warm: median of the runs in one process after a first send of each way; ours and "
            "the peer alternate. Total: a fresh process per way and size, CPU after `import airflow.sdk` "
            "(imports, connection lookup, the send). µs are client CPU per recipient. First send: median of "
            f"{FIRST_RUNS} fresh processes a way, ours, the peer and the lookup alone taking turns.",
            "Building the operator: Airflow walks every element of a templated list for XComArgs "
            "(`iter_xcom_references`, about 0.3-0.4 µs a number) when the DAG file is parsed; the send "
            "operators skip the walk for a list of plain strings, which holds none, so what is left is "
            "BaseOperator's own construction and the copy of the list. Rendering: Airflow compiles "
            "every string of a templated list with Jinja (about 150 µs a number); the send operators keep a "
            "list of plain numbers, and a plain string, as it is (`renders_to_itself`), so render costs "
            "microseconds per chunk.",
            "What the first send costs, by stage in a task process (fresh interpreter in brackets), ms: "
            + "; ".join(f"{STAGE_NAMES[name].split(' (')[0]} {stages['task'][name] * 1000:.1f} "
                        f"({stages['fresh'][name] * 1000:.1f})" for name in STAGE_NAMES)
            + ". The send " + ("loaded" if stages["task"].get("requests_loaded") else "did not load")
            + " requests or urllib3 (the sync client's direct way, `transport/wire.py`, is the standard "
            "library's; the peer imports requests, 31-50 ms of its figure); the connection lookup in a fresh "
            "interpreter imports "
            "airflow.sdk.execution_time.supervisor and coordinator, which a task process forked from the "
            "supervisor already has: that lookup alone, none of this provider's code, costs "
            f"{first['lookup'] * 1000:.1f} ms in a fresh interpreter ({first['lookup_task'] * 1000:.1f} in a task "
            "process) in this run, of the 30 ms bar. Stages and `-X importtime`: "
            "benchmarks/profiles/first_send_importtime.txt; docs/benchmarks.md says what is left of ours and "
            "why. Where a warm send's CPU goes: "
            "benchmarks/profiles/bulk_send_cprofile.txt.",
        ],
        "raw": {"sizes": sizes, "warm": warm, "total": total, "first": first, "first_stages": stages},
    }


def main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,20000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--first-send-only", action="store_true",
                        help="only the first-send figures and their profile, printed (RESULTS.md is not written)")
    args = parser.parse_args(argv)
    if args.first_send_only:
        isolate_airflow()
        PROFILES.mkdir(exist_ok=True)
        with emulator(delivery_seconds=0):
            first, _ = first_send(0)
        print(json.dumps({name: round(seconds * 1000, 1) for name, seconds in first.items()}))
        print((PROFILES / "first_send_importtime.txt").read_text().split("\n\n")[0])
        return
    emit(run([int(size) for size in args.sizes.split(",")], args.repeat), args.json)


if __name__ == "__main__":
    main(sys.argv[1:])
