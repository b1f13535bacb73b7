"""What every benchmark script shares: the emulator in its own process, an isolated Airflow home, the
client-only measures (CPU, peak RSS), and the result format ``run_all.py`` turns into RESULTS.md.

The emulator always runs in a separate process so that the CPU time and memory measured here are the
client's alone. Every process started here is stopped in a ``finally``; everything listens on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULT_MARKER = "BENCH-RESULT "
"""Prefix of the one stdout line carrying a script's JSON result (``--json``) for run_all.py."""
UID, PASSWORD = "demo", "demo-password"


def isolate_airflow(log_level: str = "ERROR") -> None:
    """Before Airflow is imported: a throw-away AIRFLOW_HOME (never ~/airflow), quiet logs."""
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="every8d-bench-"))
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", log_level)
    os.environ.setdefault("PYTHONPATH", str(ROOT))


@contextmanager
def emulator(*, delivery_seconds: float = 0.0, jitter: bool = False, credit: float = 1e9,
             extra: Sequence[str] = ()) -> Iterator[
        tuple[subprocess.Popen[str], str]]:
    """Run ``python -m airflow_provider_every8d.emulator`` on a free loopback port; yield (process, url).

    Also points ``AIRFLOW_CONN_EVERY8D_DEFAULT`` at it. The process is terminated on exit.
    """
    command = [sys.executable, "-m", "airflow_provider_every8d.emulator", "--host", "127.0.0.1", "--port", "0",
               "--credit", str(credit), "--delivery-seconds", str(delivery_seconds)]
    if jitter:
        command.append("--jitter")
    command += extra
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"http://\S+", line)
        if not match:
            raise RuntimeError(f"emulator did not start: {line!r}")
        url = match.group(0)
        os.environ["AIRFLOW_CONN_EVERY8D_DEFAULT"] = json.dumps(
            {"conn_type": "every8d", "host": url, "login": UID, "password": PASSWORD})
        yield process, url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of another process (``/proc/PID/stat``), e.g. the emulator's."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def status_kib(key: str) -> int:
    """A ``/proc/self/status`` memory figure in KiB: ``VmRSS`` (now) or ``VmHWM`` (peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def reset_peak_rss() -> None:
    """Reset this process's VmHWM to the current RSS (Linux ``clear_refs`` 5), to measure one phase's peak."""
    Path("/proc/self/clear_refs").write_text("5")


def phone_numbers(count: int, start: int = 0, skip_never_final: bool = False) -> list[str]:
    """Distinct emulator-only numbers ``0900000000``, ``0900000001`` ... (never real phones).

    The emulator's outcome follows the last three digits (101-107 fail, 998 replies, 999 never final);
    ``skip_never_final`` leaves out the x999 numbers for runs that wait until every message is final.
    """
    numbers: list[str] = []
    n = start
    while len(numbers) < count:
        if not (skip_never_final and n % 1000 == 999):
            numbers.append(f"09{n:08d}")
        n += 1
    return numbers


def verdict(ok: bool | None) -> str:
    return {True: "PASS", False: "MISS", None: "-"}[ok]


def emit(result: dict[str, Any], as_json: bool) -> None:
    """Print the result: JSON after :data:`RESULT_MARKER` for run_all.py, or readable tables."""
    if as_json:
        print(RESULT_MARKER + json.dumps(result), flush=True)
        return
    print(render(result))


def render(result: dict[str, Any]) -> str:
    """One benchmark as Markdown: title, its tables, the bars with PASS/MISS, notes."""
    lines = [f"## {result['title']}", ""]
    for table in result.get("tables", []):
        lines += [*markdown_table(table["headers"], table["rows"]), ""]
    bars = result.get("bars", [])
    if bars:
        checks = [[bar["bar"], bar["measured"], verdict(bar["pass"])] for bar in bars]
        lines += [*markdown_table(["Bar", "Measured", "Result"], checks), ""]
    lines += [f"- {note}" for note in result.get("notes", [])]
    return "\n".join(lines).rstrip() + "\n"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return out


def wants_json(argv: Sequence[str]) -> bool:
    return "--json" in argv


def importtime_report(stderr: str, what: str) -> str:
    """``-X importtime`` lines of what ``what`` imported after ``airflow.sdk``, slowest first (the top 40)."""
    lines = [line for line in stderr.splitlines() if line.startswith("import time:")]
    after = next((i for i, line in enumerate(lines) if line.rstrip().endswith("| airflow.sdk")), -1)
    rows = []
    for line in lines[after + 1:]:
        try:
            own, cumulative, name = line.split(":", 1)[1].split("|")
            rows.append((int(cumulative), int(own), name.rstrip()))
        except ValueError:
            continue
    top = sum(cumulative for cumulative, _, name in rows if len(name) - len(name.lstrip()) == 1)
    out = [f"# -X importtime of {what}, modules imported after `import airflow.sdk`",
           f"# {len(rows)} modules, {top / 1000:.1f} ms cumulative at top level (wall, this machine's load)",
           "# cumulative_us  self_us  module (indent = import depth)"]
    out += [f"{cumulative:>12} {own:>8}  {name}" for cumulative, own, name in sorted(rows, reverse=True)[:40]]
    return "\n".join(out) + "\n"
