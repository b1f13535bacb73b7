"""Push receiver: pushes per second and per-push latency with 0, 50,000 and 200,000 stored events.

The receiver runs in-process in Airflow's real API app (``create_app()``, called through Starlette's test
client: ASGI, no socket) on a throw-away PostgreSQL (Debian's package, as ``tests/harness/postgres.py``
makes it; ``--database sqlite`` for a quick look). Before each level the asset gets that many stored
events, written straight into ``asset_event`` and the receiver's ``every8d_push_report`` (the rows the
receiver would have written; setup, not measured). Then ``--pushes`` new reports and as many repeats
(what the platform's retries look like) go through ``GET /every8d/push/<token>`` one after the other.
The duplicate check is a primary-key look-up, so the figures should be flat across the levels.

    .venv/bin/python benchmarks/bench_push.py [--levels 0,50000,200000] [--pushes 300] [--database postgresql]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from _common import ROOT, emit, isolate_airflow

TOKEN = "bench-push-token-0123456789abcdef"
UID = "bench"
FILL_CHUNK = 10_000
FLAT_BAR = 1.5
"""Median latency at the largest level at most this many times the median at 0 stored events."""


@contextmanager
def database(kind: str) -> Iterator[str]:
    """The URL of an empty database for Airflow's metadata: a throw-away PostgreSQL server, or SQLite."""
    if kind == "sqlite":
        yield f"sqlite:///{os.environ['AIRFLOW_HOME']}/bench.db"
        return
    sys.path.insert(0, str(ROOT / "tests"))
    from harness.postgres import Postgres

    server = Postgres()
    try:
        server.start()
        yield server.create_database("bench_push")
    finally:
        server.stop()


def declare_asset() -> int:
    from airflow.models.asset import AssetActive, AssetModel
    from airflow.utils.session import create_session

    from airflow_provider_every8d.plugins.assets import DELIVERY_REPORTS, report_uri

    with create_session() as session:
        uri = report_uri(UID, DELIVERY_REPORTS)
        model = AssetModel(name=uri, uri=uri, group="asset", extra={})
        session.add(model)
        session.flush()
        session.add(AssetActive.for_asset(model))
        return int(model.id)


def fill(asset_id: int, start: int, stop: int) -> None:
    """Stored events ``start``..``stop-1`` on the asset, as the receiver writes them (event + report id)."""
    from datetime import datetime, timezone

    from airflow.models.asset import AssetEvent
    from airflow.utils.session import create_session
    from sqlalchemy import insert

    from airflow_provider_every8d.plugins.dedup import ensure_table
    from airflow_provider_every8d.protocol.push import parse_push, report_fields, report_key

    now, stamp = datetime.now(timezone.utc), int(time.time())
    for low in range(start, stop, FILL_CHUNK):
        events, ids = [], []
        for n in range(low, min(stop, low + FILL_CHUNK)):
            report = parse_push(query(n, "stored"))
            key = report_key(report)
            events.append({"asset_id": asset_id, "extra": {**report_fields(report), "report_id": key},
                           "timestamp": now})
            ids.append({"asset_id": asset_id, "report_id": key, "stored_at": stamp})
        with create_session() as session:
            table = ensure_table(session)
            session.execute(insert(AssetEvent.__table__), events)
            session.execute(insert(table), ids)


def query(n: int, batch: str) -> dict[str, str]:
    return {"BatchID": f"{batch}-{n // 1000}", "RM": f"+8869{n % 100_000_000:08d}", "RT": "20250102030405",
            "STATUS": "100", "MR": str(n), "USERID": UID, "SM": "", "ST": "20250102030000", "CHARGE": "1"}


def measure(client: Any, level: int, pushes: int) -> dict[str, float]:
    """``pushes`` new reports, then each once more (a retry); per-push wall time."""
    latencies = []
    started = time.perf_counter()
    for _round in ("new", "repeat"):
        for n in range(pushes):
            begin = time.perf_counter()
            response = client.get(f"/every8d/push/{TOKEN}", params=query(n, f"level{level}"))
            latencies.append(time.perf_counter() - begin)
            if response.status_code != 200:
                raise RuntimeError(f"push answered {response.status_code}: {response.text[:200]}")
    total = time.perf_counter() - started
    ordered = sorted(latencies)
    return {"per_second": len(latencies) / total, "median_ms": statistics.median(latencies) * 1000,
            "p95_ms": ordered[int(0.95 * (len(ordered) - 1))] * 1000}


def run(levels: Sequence[int], pushes: int, kind: str) -> dict[str, Any]:
    isolate_airflow()
    os.environ["AIRFLOW__EVERY8D__PUSH_TOKEN"] = TOKEN
    os.environ.setdefault("AIRFLOW__API_AUTH__JWT_SECRET", "bench-push-jwt-secret")
    with database(kind) as url:
        os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = url
        from airflow.api_fastapi.app import create_app
        from airflow.utils.db import initdb
        from fastapi.testclient import TestClient

        initdb()
        asset_id = declare_asset()
        rows, stored, figures = [], 0, {}
        with TestClient(create_app(), client=("127.0.0.1", 50000)) as client:
            measure(client, -1, 20)  # warm-up: plugin app, dedup table, connection pool
            for level in levels:
                fill(asset_id, stored, level)
                stored = level
                figures[level] = measure(client, level, pushes)
                stored += pushes  # the pushes stored events too; the next fill tops up to the next level
                rows.append([f"{level:,}", f"{figures[level]['per_second']:.0f}",
                             f"{figures[level]['median_ms']:.1f}", f"{figures[level]['p95_ms']:.1f}"])
    first, last = figures[levels[0]]["median_ms"], figures[levels[-1]]["median_ms"]
    return {
        "name": "push",
        "title": f"6. Push receiver: {pushes:,} new reports and {pushes:,} repeats at "
                 f"{', '.join(f'{level:,}' for level in levels)} stored events ({kind})",
        "tables": [{"headers": ["Stored events", "Pushes/s", "Median ms/push", "p95 ms/push"], "rows": rows}],
        "bars": [{"bar": f"median latency at {levels[-1]:,} stored events ≤ {FLAT_BAR}x at {levels[0]:,}",
                  "measured": f"{last / first:.2f}x ({first:.1f} -> {last:.1f} ms)", "pass": last <= FLAT_BAR * first}],
        "notes": ["One push after another through Airflow's API app in-process (Starlette test client), with the "
                  "plugin's root middleware, token check, parse, duplicate claim, asset event and requeue: the "
                  "receiver's whole path but the socket. Before the fix the duplicate check read every stored "
                  "event of the asset (82 ms a push at 50,000, 289 ms at 200,000 on PostgreSQL)."],
    }


def main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="0,50000,200000", help="stored events before each measurement")
    parser.add_argument("--pushes", type=int, default=300, help="new reports per level (each also repeated once)")
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    levels = sorted(int(level) for level in args.levels.split(","))
    emit(run(levels, args.pushes, args.database), args.json)


if __name__ == "__main__":
    main(sys.argv[1:])
