"""What ``bench_real_triggerer.py`` reads from and writes to the deployment's metadata database (PostgreSQL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from _common import ROOT
from _real_triggerer_processes import OneTriggerer

WRITE_TIMEOUT = 900.0


class Metadata:
    """The deployment's database: task and run states, the fired triggers, and the bulk deferred writes."""

    def __init__(self, deployment: OneTriggerer) -> None:
        self.deployment = deployment

    def write_sql(self, sql: str, **params: Any) -> None:
        """A statement committed (the harness's query() only reads)."""
        import sqlalchemy as sa

        self.deployment.query("SELECT 1")  # its engine
        with self.deployment._engine.begin() as connection:
            connection.execute(sa.text(sql), params)

    def write_deferred(self, spec: Path, kind: str, runs: list[tuple[str, dict[str, Any]]], poke: float) -> None:
        """What defer() leaves for these runs, written by ``_defer_bulk.py`` with the deployment's environment."""
        spec.write_text(json.dumps({"kind": kind, "runs": runs, "poke": poke}))
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "_defer_bulk.py"), str(spec)], check=True,
                       env={**self.deployment.env, "PYTHONPATH": f"{ROOT / 'benchmarks'}{os.pathsep}{ROOT}"},
                       timeout=WRITE_TIMEOUT, stdout=subprocess.DEVNULL)

    def deferred(self, kind: str) -> int:
        rows = self.deployment.query("SELECT count(*) FROM task_instance WHERE dag_id LIKE :kind AND state = "
                                     "'deferred'", kind=f"bench_{kind}_%")
        return int(rows[0][0]) if rows else 0

    def states(self, table: str, kind: str) -> dict[str, int]:
        rows = self.deployment.query(f"SELECT state, count(*) FROM {table} WHERE dag_id LIKE :kind GROUP BY state",
                                     kind=f"bench_{kind}_%")
        return {str(state): int(n) for state, n in rows}

    def fired(self, kind: str) -> dict[str, int]:
        """Task instances that left ``deferred`` with their trigger's event in next_kwargs (the triggerer's
        submit_event), those with a success event, and any that ran again (try number > 1)."""
        rows = self.deployment.query(
            "SELECT count(*) FILTER (WHERE state <> 'deferred' AND trigger_id IS NULL AND next_kwargs::text LIKE "
            "'%\"event\"%'), count(*) FILTER (WHERE next_kwargs::text LIKE '%\"success\"%'), "
            "count(*) FILTER (WHERE try_number > 1), count(*) FILTER (WHERE state = 'deferred') "
            "FROM task_instance WHERE dag_id LIKE :kind", kind=f"bench_{kind}_%")
        fired, success, again, deferred = rows[0] if rows else (0, 0, 0, 0)
        return {"fired": int(fired), "success_events": int(success), "tried_again": int(again),
                "still_deferred": int(deferred)}

    def drop(self, kind: str) -> None:
        """The never-ending peer waits of one series: their triggers deleted, their tasks skipped."""
        self.write_sql("WITH t AS (UPDATE task_instance SET state = 'skipped', trigger_id = NULL WHERE dag_id "
                       "LIKE :kind AND trigger_id IS NOT NULL RETURNING trigger_id) DELETE FROM trigger WHERE id "
                       "IN (SELECT trigger_id FROM t)", kind=f"bench_{kind}_%")
