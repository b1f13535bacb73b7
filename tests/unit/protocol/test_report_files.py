"""Report-file safety: which cells are neutralised against spreadsheet formulas, which paths are refused,
and the bound on a rendered batch-id text."""

from __future__ import annotations

import pytest

from airflow_provider_every8d.protocol.batch_ids import MAX_TEXT_LENGTH, batch_id_list
from airflow_provider_every8d.protocol.errors import Every8dValidationError
from airflow_provider_every8d.protocol.report_files import check_report_path, neutralised, spreadsheet_row


@pytest.mark.parametrize(
    ("text", "free_text", "written"),
    [
        ("=1+1", True, "'=1+1"),
        ("+886900000001", True, "'+886900000001"),
        ("-cmd", True, "'-cmd"),
        ("@SUM(A1)", True, "'@SUM(A1)"),
        ("\t=1", True, "'\t=1"),
        ("\r=1", True, "'\r=1"),
        ("好的 =1", True, "好的 =1"),
        ("", True, ""),
        ("+886900000001", False, "+886900000001"),
        ("-1.5", False, "-1.5"),
        ("+886 (9) 0000-0001", False, "+886 (9) 0000-0001"),
        ("=HYPERLINK(1)", False, "'=HYPERLINK(1)"),
        ("+1+cmd", False, "'+1+cmd"),
    ],
)
def test_cells_that_start_like_a_formula(text: str, free_text: bool, written: str) -> None:
    assert neutralised(text, free_text=free_text) == written


def test_a_row_neutralises_text_columns_and_leaves_numbers() -> None:
    columns = ("batch_id", "name", "mobile", "cost", "status", "content")
    assert spreadsheet_row(columns, ("b-1", "@x", "+886900000001", -1.0, 100, "=1")) == [
        "b-1", "'@x", "+886900000001", -1.0, 100, "'=1"]


@pytest.mark.parametrize("path", ["..", "../x.csv", "a/../b.csv", "a\\..\\b.csv", "s3://bucket/%2E%2E/x.csv",
                                  "file:///tmp/../x.csv"])
def test_parent_segments_are_refused(path: str) -> None:
    with pytest.raises(Every8dValidationError) as info:
        check_report_path(path)
    assert info.value.field == "path"


@pytest.mark.parametrize("path", ["reports/2024-01-01.csv", "s3://bucket/a..b/x.csv", "/tmp/..hidden/x.csv",
                                  "file:///tmp/x.csv"])
def test_other_paths_pass(path: str) -> None:
    assert check_report_path(path) == path


def test_a_batch_id_text_over_the_bound_is_refused_before_parsing() -> None:
    literal = "[" + ", ".join(["'2d0c7b4e-0000-4000-8000-000000000001'"] * 110_000) + "]"  # about 4 MB
    assert len(literal) > MAX_TEXT_LENGTH
    with pytest.raises(Every8dValidationError) as info:
        batch_id_list(literal, "batch_ids")
    assert info.value.field == "batch_ids" and "over the bound" in info.value.problem


def test_a_batch_id_list_under_the_bound_is_read() -> None:
    ids = [f"2d0c7b4e-0000-4000-8000-{n:012d}" for n in range(1000)]
    assert batch_id_list(repr(ids)) == ids
