"""Peak memory of Every8dDeliveryReportOperator against the batch size: it should not grow with the rows.

The emulator runs in a separate process (its own memory holds every message and must not be counted);
this process sends the batches, then measures with ``tracemalloc`` only the report writing: every page of
2.2 status rows fetched over HTTP and written to a CSV file.

    .venv/bin/python benchmarks/bench_report_memory.py            # 1,000 / 10,000 / 50,000 rows
    .venv/bin/python benchmarks/bench_report_memory.py 2000 20000

Expect the peak to stay near the size of one page (1,000 rows) whatever the row count.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).parents[1]
CHUNK = 2_000
"""Recipients per send request (the vendor recommends 500-2,000)."""


def start_emulator() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "airflow_provider_every8d.emulator", "--port", "0", "--credit", "1e9",
         "--delivery-seconds", "0"], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r"http://\S+", line)
    if not match:
        process.kill()
        raise RuntimeError(f"emulator did not start: {line!r}")
    return process, match.group(0)


def send_batches(rows: int) -> list[str]:
    from airflow_provider_every8d.hooks.every8d import Every8dHook

    hook = Every8dHook()
    numbers = [f"09{n:08d}" for n in range(rows)]
    try:
        return [hook.send_sms("benchmark", numbers[i:i + CHUNK]).batch_id for i in range(0, rows, CHUNK)]
    finally:
        hook.close()


def measure(batch_ids: list[str], path: Path) -> tuple[int, int, float]:
    """(rows written, peak bytes allocated while writing, seconds)."""
    from airflow_provider_every8d.operators.delivery_report import Every8dDeliveryReportOperator

    operator = Every8dDeliveryReportOperator(task_id="report", batch_ids=batch_ids, path=str(path))
    tracemalloc.start()
    tracemalloc.reset_peak()
    started = time.perf_counter()
    result = operator.execute({})  # type: ignore[arg-type]
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result["rows"], peak, elapsed


def main(sizes: list[int]) -> None:
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="every8d-bench-"))  # never ~/airflow
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "ERROR")  # the table only
    process, url = start_emulator()
    os.environ["AIRFLOW_CONN_EVERY8D_DEFAULT"] = json.dumps(
        {"conn_type": "every8d", "host": url, "login": "demo", "password": "demo-password"})
    try:
        measure(send_batches(1_000), Path(tempfile.mkdtemp()) / "warmup.csv")  # imports, first connection
        print(f"{'rows':>8} {'peak KiB':>10} {'KiB/1k rows':>12} {'seconds':>8} {'file MiB':>9}")
        for size in sizes:
            batch_ids = send_batches(size)
            path = Path(tempfile.mkdtemp()) / "report.csv"
            rows, peak, elapsed = measure(batch_ids, path)
            print(f"{rows:>8} {peak / 1024:>10.0f} {peak / 1024 / (rows / 1000):>12.1f} {elapsed:>8.2f} "
                  f"{path.stat().st_size / 2**20:>9.2f}")
    finally:
        process.terminate()
        process.wait(5)


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [1_000, 10_000, 50_000])
