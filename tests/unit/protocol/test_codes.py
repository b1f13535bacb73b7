"""The one table of vendor codes (protocol/codes.py): meanings, outcomes, the error message that uses
them, and the docs page that shows them (kept equal to the table by this test)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from airflow_provider_every8d.protocol.codes import BY_CODE, CODES, describe_status, meaning
from airflow_provider_every8d.protocol.errors import Every8dApiError
from airflow_provider_every8d.protocol.status import Outcome, classify

DOC = Path(__file__).parents[3] / "docs" / "status-codes-and-pricing.md"
START, END = "<!-- codes table: generated from protocol/codes.py, checked by tests/unit/protocol/test_codes.py -->", \
    "<!-- end of codes table -->"
SPEC_22 = [0, 100, 101, 102, 103, 104, 105, 106, 107, 300, 303, 500, -1, -2, -3, -4, -5, -6]
APPENDIX_22 = [-10, -8, -5, -4, -3, -2, -1, 0, 100, 101, 102, 103, 104, 105, 106, 300, 301, 303, 500, 700, 999]
REFUSALS = [-2, -99, -98, -306, -24, -41, -100, -101, -300, -303, -304, -305, -314, -28, -10, -8]


def render_table() -> str:
    lines = ["| code | meaning | vendor's text | outcome | final | documented in |",
             "| --- | --- | --- | --- | --- | --- |"]
    for entry in CODES:
        final = "no" if entry.outcome == "pending" else "yes"
        lines.append(f"| `{entry.code}` | {entry.meaning} | {entry.vendor_text or '—'} | {entry.outcome} | {final} "
                     f"| {entry.source} |")
    return "\n".join(lines)


def test_every_documented_code_has_an_english_meaning() -> None:
    for code in {*SPEC_22, *APPENDIX_22, *REFUSALS, 888}:
        assert code in BY_CODE and meaning(code) != "unknown code", code
    assert len(BY_CODE) == len(CODES)  # no code twice


@pytest.mark.parametrize(("code", "text"), [
    (103, "103 number unassigned or inactive"),
    (-2, "-2 wrong account or password"),
    (700, "700 sent (MMS)"),
    (301, "301 not sent: no credit"),
    (302, "302 unknown code"),
    (-777, "-777 unknown code"),
])
def test_describe_status(code: int, text: str) -> None:
    assert describe_status(code) == text


def test_only_0_300_and_unknown_codes_keep_a_wait_open() -> None:
    open_codes = {code for code in BY_CODE if not classify(code).terminal}
    assert open_codes == {0, 300}
    assert classify(302) is Outcome.UNKNOWN and classify(-777) is Outcome.FAILED
    for code in APPENDIX_22:  # one table for SMS and MMS (the 2.2 appendix lists them together)
        assert classify(code, mms=True) is classify(code)


@pytest.mark.parametrize(("error", "message"), [
    (Every8dApiError(-2, "帳號或密碼錯誤", "getCredit.ashx"),
     "EVERY8D error -2 from getCredit.ashx: wrong account or password (帳號或密碼錯誤)"),
    (Every8dApiError(-99, "", "sendSMS.ashx"),
     "EVERY8D error -99 from sendSMS.ashx: unexpected error on the platform; contact the vendor"),
    (Every8dApiError(-306, "手機格式不符:0900000678", "sendSMS.ashx"),
     "EVERY8D error -306 from sendSMS.ashx: bad phone number (手機格式不符:0900***678)"),
    (Every8dApiError(-24), "EVERY8D error -24: seen in the field, undocumented"),
    (Every8dApiError(-4242, "x"), "EVERY8D error -4242: unknown code (x)"),
])
def test_the_error_message_names_the_meaning_and_keeps_the_platform_s_text(error: Every8dApiError,
                                                                           message: str) -> None:
    assert str(error) == message


def test_the_docs_table_is_the_code_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(re.escape(START) + r"\n(.*?)\n" + re.escape(END), text, re.DOTALL)
    assert match, f"{DOC.name} lacks the generated codes table"
    assert match.group(1).strip() == render_table(), (
        "docs/status-codes-and-pricing.md is out of date: paste the output of "
        "`python tests/unit/protocol/test_codes.py` between its markers")


if __name__ == "__main__":
    print(render_table())
