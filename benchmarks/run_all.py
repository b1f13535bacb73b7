"""Run every benchmark, one fresh process each, and write benchmarks/RESULTS.md.

    .venv/bin/python benchmarks/run_all.py            # about 8-10 minutes on 2 cores
    .venv/bin/python benchmarks/run_all.py --quick    # smaller sizes, for trying the scripts out

Each script also runs alone (``--help``). Figures of one run are compared with each other (ratios); the
absolute times depend on the machine, described at the top of RESULTS.md. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _common import RESULT_MARKER, ROOT, markdown_table, render, verdict
from _plots import write_plots

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
FULL: list[tuple[str, list[str]]] = [
    ("bench_bulk_send.py", []),
    ("bench_status_scan.py", []),
    ("bench_real_triggerer.py", []),
    ("bench_deferred_waits.py", []),
    ("bench_parse_time.py", []),
    ("bench_tokens.py", []),
]
QUICK: list[tuple[str, list[str]]] = [
    ("bench_bulk_send.py", ["--sizes", "2000,20000", "--repeat", "1"]),
    ("bench_status_scan.py", ["--sizes", "2000,20000", "--repeat", "1"]),
    ("bench_real_triggerer.py", ["--steps", "200,500", "--sft-steps", "200", "--window", "16", "--poke", "8"]),
    ("bench_deferred_waits.py", ["--steps", "100,200"]),
    ("bench_parse_time.py", ["--repeat", "3"]),
    ("bench_tokens.py", ["--triggers", "20", "--polls", "2"]),
]
TIMEOUTS = {"bench_real_triggerer.py": 3000}
"""Seconds a script may take (else 900): the real triggerer's run starts a whole deployment and creates 14,000
triggers at Airflow's pace (20 minutes at a load average of 2-6)."""
REPORT_SIZES = {"full": ["10000", "100000"], "quick": ["2000", "20000"]}
PUSH_ARGS = {"full": [], "quick": ["--levels", "0,5000,20000", "--pushes", "100"]}
"""6. bench_push.py, after 5 (the report memory): a throw-away PostgreSQL, 0 / 50,000 / 200,000 stored events."""


LOADS: list[list[str]] = []
"""(script, load average before, after, minutes) of each script: the machine is shared."""


def run_script(script: str, args: list[str]) -> dict[str, Any]:
    print(f"== {script} {' '.join(args)}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    load = os.getloadavg()[0]
    completed = subprocess.run([sys.executable, str(HERE / script), *args, "--json"], stdout=subprocess.PIPE,
                               text=True, cwd=ROOT, timeout=TIMEOUTS.get(script, 900))
    lines = [line for line in completed.stdout.splitlines() if line.startswith(RESULT_MARKER)]
    if completed.returncode != 0 or not lines:
        raise RuntimeError(f"{script} failed (exit {completed.returncode}); run it alone to see why")
    result: dict[str, Any] = json.loads(lines[-1][len(RESULT_MARKER):])
    LOADS.append([script, f"{load:.1f}", f"{os.getloadavg()[0]:.1f}", f"{(time.perf_counter() - started) / 60:.1f}"])
    print(f"   done in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return result


def run_or_report(script: str, args: list[str]) -> dict[str, Any]:
    """A script's result, or one saying it failed (the others still run and RESULTS.md is still written)."""
    try:
        return run_script(script, args)
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        print(f"   FAILED: {error}", file=sys.stderr, flush=True)
        return {"name": script, "title": f"{script}: failed", "bars": [
            {"bar": "the script completed", "measured": str(error)[:300], "pass": False}]}


def report_memory(sizes: list[str]) -> dict[str, Any]:
    """5. bench_report_memory.py (Every8dDeliveryReportOperator), its printed table read back."""
    print(f"== bench_report_memory.py {' '.join(sizes)}", file=sys.stderr, flush=True)
    completed = subprocess.run([sys.executable, str(HERE / "bench_report_memory.py"), *sizes], stdout=subprocess.PIPE,
                               text=True, cwd=ROOT, timeout=900, check=True)
    measured = [[float(cell) for cell in line.split()] for line in completed.stdout.splitlines()
                if re.fullmatch(r"\s*\d+(\s+[\d.]+){4}\s*", line)]
    if len(measured) != len(sizes):
        raise RuntimeError(f"bench_report_memory.py printed {completed.stdout!r}")
    small, big = measured[0], measured[-1]
    growth = big[1] / small[1] - 1
    return {
        "name": "report_memory",
        "title": f"5. Report backfill memory: {int(small[0]):,} vs {int(big[0]):,} rows",
        "tables": [{"headers": ["Rows", "Peak Python alloc KiB", "KiB per 1,000 rows", "Wall s", "CSV MiB"],
                    "rows": [[f"{int(r[0]):,}", f"{r[1]:,.0f}", f"{r[2]:.1f}", f"{r[3]:.2f}", f"{r[4]:.2f}"]
                             for r in measured]}],
        "bars": [{"bar": "peak memory within 10%", "measured": f"{growth:+.1%}", "pass": abs(growth) <= 0.10}],
        "notes": ["`Every8dDeliveryReportOperator.execute({})` writing every 2.2 row of the batches (chunks of "
                  "2,000) to a CSV file; tracemalloc peak during execute only, after a 1,000-row warm-up."],
    }


def machine() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    memory_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal"))
    versions = subprocess.run([sys.executable, "-c", "import airflow, httpx, requests; "
                               "print(airflow.__version__, httpx.__version__, requests.__version__)"],
                              capture_output=True, text=True, check=True, env={**os.environ, "AIRFLOW_HOME": "/tmp"},
                              timeout=120).stdout.split()
    return [f"- CPU: {cpu}, {os.cpu_count()} cores (shared with other work: absolute times are noisy, ratios hold)",
            f"- RAM: {memory_kib / 1024 / 1024:.1f} GiB; {platform.system()} {platform.release()}",
            f"- Python {platform.python_version()}, Airflow {versions[0]}, httpx {versions[1]}, "
            f"requests {versions[2]}",
            f"- Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; load average at the end "
            f"{os.getloadavg()[0]:.1f} (1 min) / {os.getloadavg()[2]:.1f} (15 min) on {os.cpu_count()} cores"]


def write(results: list[dict[str, Any]], mode: str, seconds: float, output: Path, plots: list[str]) -> None:
    summary = [[result["title"].split(":")[0], bar["bar"], bar["measured"], verdict(bar["pass"])]
               for result in results for bar in result.get("bars", [])]
    lines = ["# Benchmark results", "",
             "Written by `benchmarks/run_all.py` (`make bench`); do not edit by hand. Every script runs against "
             "the EVERY8D emulator in a separate process on 127.0.0.1, so client CPU and memory are this "
             "provider's alone.", "", *machine(), f"- Run: {mode}, {seconds / 60:.1f} minutes", "",
             "Load average (1 min) around each script, on 2 cores shared with other work: each figure is "
             "compared with its peer measured in the same script, minutes apart at most.", "",
             *markdown_table(["Script", "Load before", "Load after", "Minutes"], LOADS), "",
             "## Summary", "", *markdown_table(["Benchmark", "Bar", "Measured", "Result"], summary), "",
             *(f"![{name}]({name})" for name in plots), ""]
    lines += [render(result) for result in results]
    output.write_text("\n".join(lines).rstrip() + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes; RESULTS.md says so")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    mode = "quick" if args.quick else "full"
    started = time.perf_counter()
    results = [run_or_report(script, extra) for script, extra in (QUICK if args.quick else FULL)]
    results.append(report_memory(REPORT_SIZES[mode]))
    results.append(run_script("bench_push.py", PUSH_ARGS[mode]))
    plots = write_plots(results)
    write(results, mode, time.perf_counter() - started, args.output, plots)
    print(f"wrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
