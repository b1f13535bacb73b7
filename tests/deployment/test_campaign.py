"""The mapped campaign (example_dags/example_every8d_campaign.py) at scale on the Celery workers: 100,000
recipients in two parts of 50,000, each map index with its own send-once ledger.

Checked against the emulator's record: every number got the text exactly once; the per-index XComs add up
to the totals task's figures and to what the account was charged.
"""

from __future__ import annotations

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from tests.deployment.deployment_record import e164, json_value, received
from tests.harness.deployment import Deployment

pytestmark = pytest.mark.deployment
FIRST, COUNT, PART = 1_000_000, 100_000, 50_000


def test_mapped_campaign_of_100000_texts_everybody_once(deployment: Deployment, emulator: Every8dEmulator) -> None:
    credit_before = emulator.credit("demo")
    run_id = deployment.trigger("example_every8d_campaign", {"first": FIRST, "count": COUNT})
    assert deployment.wait_run("example_every8d_campaign", run_id, timeout=300) == "success"

    got = received(emulator, f"EVERY8D campaign {run_id}")
    assert set(got) == {e164(f"09{n:08d}") for n in range(FIRST, FIRST + COUNT)}
    assert max(got.values()) == 1
    parts = deployment.query("SELECT map_index, state, try_number, hostname FROM task_instance "
                             "WHERE run_id = :run AND task_id = 'send_part' ORDER BY map_index", run=run_id)
    assert [(index, state) for index, state, _, _ in parts] == [(0, "success"), (1, "success")]
    xcoms = deployment.query("SELECT map_index, value FROM xcom WHERE run_id = :run AND task_id = 'send_part' "
                             "AND key = 'return_value' ORDER BY map_index", run=run_id)
    per_index = [json_value(value) for _, value in xcoms]
    assert [result["sent"] for result in per_index] == [PART, PART]
    assert all(len(result["batch_ids"]) == PART // 1_000 for result in per_index)
    (total,) = deployment.query("SELECT value FROM xcom WHERE run_id = :run AND task_id = 'totals' "
                                "AND key = 'return_value'", run=run_id)[0]
    totals = json_value(total)
    assert totals["sent"] == COUNT == sum(result["sent"] for result in per_index)
    assert totals["cost"] == sum(result["cost"] for result in per_index) == credit_before - emulator.credit("demo")
    assert totals["batches"] == len({batch for result in per_index for batch in result["batch_ids"]})
    print(f"CAMPAIGN: {COUNT} recipients in {len(parts)} map indexes on {sorted({p[3] for p in parts})}: "
          f"{len(got)} numbers each once, {totals['cost']:g} points, {totals['batches']} batches")
