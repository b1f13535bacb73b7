"""The mapped campaign example (example_dags/example_every8d_campaign.py) under dag.test() on the emulator:
parts from the upstream task, one map index per part, totals that add up; and its parts() helper."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator

EXAMPLE = Path(__file__).parents[3] / "example_dags" / "example_every8d_campaign.py"


def _module() -> Any:
    spec = importlib.util.spec_from_file_location("example_every8d_campaign", EXAMPLE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("count", "size", "lengths"), [
    (0, 3, []),
    (1, 3, [1]),
    (3, 3, [3]),
    (7, 3, [3, 3, 1]),
    (100_000, 50_000, [50_000, 50_000]),
])
def test_parts_cut_the_recipients_in_order_without_empty_parts(count: int, size: int, lengths: list[int]) -> None:
    recipients = [str(n) for n in range(count)]
    cut = _module().parts(recipients, size)
    assert [len(part) for part in cut] == lengths
    assert [number for part in cut for number in part] == recipients


def test_parts_refuse_a_size_below_one() -> None:
    with pytest.raises(ValueError, match="size"):
        _module().parts(["0900000001"], 0)


@pytest.mark.every8d(credit=10_000)
def test_campaign_sends_each_part_as_its_own_map_index(every8d_airflow: Any) -> None:
    module = _module()
    module.PART = 100  # small parts, so 250 recipients make three map indexes
    emulator: Every8dEmulator = every8d_airflow.emulator
    result = every8d_airflow.run(module.dag, run_conf={"first": 500, "count": 250})
    assert result.state == "success", result.task_states
    per_index = [result.xcom("send_part", map_index=index) for index in range(3)]
    assert [r["sent"] for r in per_index] == [100, 100, 50]
    totals = result.xcom("totals")
    assert totals["sent"] == 250 and totals["parts"] == 3 and totals["sent_by_part"] == [100, 100, 50]
    assert totals["cost"] == sum(r["cost"] for r in per_index) == 10_000 - emulator.credit()
    got = sorted(m.mobile for m in emulator.messages)
    assert got == sorted(f"+8869{n:08d}" for n in range(500, 750))  # everybody, once
