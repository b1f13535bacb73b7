"""Parse-time cost: what importing each DAG-facing module adds over ``import airflow.sdk``.

A DAG file is parsed often, in fresh processes; whatever a provider module imports at its top is paid on
every parse. For each module, ``--repeat`` (default 7) fresh interpreters each import ``airflow.sdk`` first,
then time ``import MODULE`` alone; the median is reported, with the heavy third-party modules that the
import newly pulled in (``sys.modules`` before/after). The slowest DAG-facing module is imported once more
under ``-X importtime``, written to benchmarks/profiles/parse_time_importtime.txt.

    .venv/bin/python benchmarks/bench_parse_time.py [--repeat 7] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from _common import ROOT, emit, importtime_report, isolate_airflow

MODULES = (
    "airflow_provider_every8d.operators.every8d",
    "airflow_provider_every8d.operators.delivery_report",
    "airflow_provider_every8d.sensors.every8d",
    "airflow_provider_every8d.triggers.every8d",
    "airflow_provider_every8d.notifications.every8d",
    "airflow_provider_every8d.hooks.every8d",
    "airflow_provider_every8d.plugins.every8d",
)
HEAVY = ("requests", "urllib3", "httpx", "httpcore", "certifi", "ssl", "fastapi", "starlette", "sqlalchemy",
         "flask", "wtforms", "pandas", "numpy", "pendulum", "pydantic", "airflow.models", "airflow.serialization",
         "airflow_provider_every8d.transport", "airflow_provider_every8d.hooks.every8d")
BAR_MS = 15.0
"""DAG-facing modules (operators, sensors, triggers, notifications)."""
HOOK_BAR_MS = 25.0
HOOK = "airflow_provider_every8d.hooks.every8d"
PEER = "airflow.providers.common.compat.sdk"
"""The peer, same run: what any provider's DAG-facing module imports first (the compat authoring classes)."""

PROFILE = Path(__file__).resolve().parent / "profiles" / "parse_time_importtime.txt"

PROBE = """
import json, sys, time
import airflow.sdk
before = set(sys.modules)
started = time.perf_counter()
import {module}
elapsed = time.perf_counter() - started
new = sorted(set(sys.modules) - before)
print(json.dumps({{"seconds": elapsed, "new": new}}))
"""


def probe(module: str) -> dict[str, Any]:
    output = subprocess.run([sys.executable, "-c", PROBE.format(module=module)], capture_output=True, text=True,
                            check=True, cwd=ROOT, env=os.environ, timeout=120).stdout
    return json.loads(output.strip().splitlines()[-1])  # type: ignore[no-any-return]


def write_profile(module: str, median_ms: float) -> None:
    """``-X importtime`` of ``module`` over ``import airflow.sdk``, into :data:`PROFILE`."""
    stderr = subprocess.run([sys.executable, "-X", "importtime", "-c", PROBE.format(module=module)],
                            capture_output=True, text=True, check=True, cwd=ROOT, env=os.environ, timeout=120).stderr
    PROFILE.parent.mkdir(exist_ok=True)
    PROFILE.write_text(f"# the slowest DAG-facing module: {module}, median {median_ms:.1f} ms in this run\n"
                       + importtime_report(stderr, f"`import {module}`"))


def heavy_in(new: Sequence[str], module: str) -> list[str]:
    return [name for name in HEAVY if name in new and name != module]


def run(repeat: int) -> dict[str, Any]:
    isolate_airflow()
    probe("airflow_provider_every8d")  # warm the file system cache and the .pyc files once
    rows, bars, worst, hook_ms, peer_ms = [], [], 0.0, 0.0, 0.0
    for module in (*MODULES, PEER):
        samples = [probe(module) for _ in range(repeat)]
        median_ms = statistics.median(sample["seconds"] for sample in samples) * 1000
        heavy = heavy_in(samples[0]["new"], module)
        bar = HOOK_BAR_MS if module == HOOK else BAR_MS
        name = f"`{module.removeprefix('airflow_provider_every8d.')}`" + (" (peer)" if module == PEER else "")
        rows.append([name, f"{median_ms:.1f}", f"{min(s['seconds'] for s in samples) * 1000:.1f}",
                     len(samples[0]["new"]), ", ".join(heavy) or "none",
                     "-" if module == PEER else f"< {bar:.0f} ms: {'PASS' if median_ms < bar else 'MISS'}"])
        hook_ms = median_ms if module == HOOK else hook_ms
        peer_ms = median_ms if module == PEER else peer_ms
        if module.split(".")[1] in ("operators", "sensors", "triggers", "notifications"):
            bars.append((module, median_ms, heavy))
            worst = max(worst, median_ms)
    dag_facing_heavy = sorted({name for _, _, heavy in bars for name in heavy})
    slowest, slowest_ms, _ = max(bars, key=lambda bar: bar[1])
    write_profile(slowest, slowest_ms)
    return {
        "name": "parse_time",
        "title": "4. Parse-time cost over `import airflow.sdk`",
        "tables": [{"headers": ["Module (`airflow_provider_every8d.`)", "Median ms", "Min ms", "New modules",
                                "Heavy modules newly imported", "Bar"], "rows": rows}],
        "bars": [
            {"bar": f"every DAG-facing module < {BAR_MS:.0f} ms", "measured": f"slowest DAG-facing {worst:.1f} ms "
             f"(peer `{PEER}` {peer_ms:.1f} ms, ratio {worst / peer_ms:.2f})", "pass": worst < BAR_MS},
            {"bar": f"the hook < {HOOK_BAR_MS:.0f} ms", "measured": f"{hook_ms:.1f} ms (ratio to the peer "
             f"{hook_ms / peer_ms:.2f})", "pass": hook_ms < HOOK_BAR_MS},
            {"bar": "nothing heavy imported at module top (operators, sensors, triggers, notifications)",
             "measured": ", ".join(dag_facing_heavy) or "none", "pass": not dag_facing_heavy},
        ],
        "notes": [
            f"Median of {repeat} fresh processes per module; each imports `airflow.sdk` first, then times "
            "`import MODULE` alone. 'New modules' counts what that import added to `sys.modules`.",
            f"Peer: `{PEER}` alone, measured the same way in the same run. "
            "The plugin is listed for information: DAG files do not import it nor the hook (the hook is "
            "imported inside operator/sensor methods; the plugin is loaded by the API server).",
            f"Heavy modules looked for: {', '.join(HEAVY)}.",
            f"What the slowest DAG-facing module (`{slowest}`) imports, `-X importtime`: "
            "benchmarks/profiles/parse_time_importtime.txt.",
        ],
    }


def main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    emit(run(args.repeat), args.json)


if __name__ == "__main__":
    main(sys.argv[1:])
