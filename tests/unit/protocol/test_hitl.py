"""Human-in-the-loop by SMS (protocol/hitl.py; pure): the question's text and which reply answers it."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_every8d.protocol.errors import Every8dValidationError
from airflow_provider_every8d.protocol.hitl import (
    DEFAULT_MAX_LENGTH,
    Question,
    ReplyRules,
    match_reply,
    notice_text,
    options_line,
    question_text,
    responder,
)
from airflow_provider_every8d.protocol.models import Reply

APPROVAL = ["Approve", "Reject"]
ENVIRONMENTS = ["dev", "staging", "prod", "Roll back"]
LINK = "https://airflow.example/dags/deploy/runs/manual__1/tasks/approve/required_actions?map_index=-1"


@pytest.mark.parametrize(("text", "options", "multiple", "chosen"), [
    ("1", APPROVAL, False, ["Approve"]),
    ("2", APPROVAL, False, ["Reject"]),
    (" 2 \n", APPROVAL, False, ["Reject"]),
    ("１", APPROVAL, False, ["Approve"]),  # full-width digit (NFKC)
    ("approve", APPROVAL, False, ["Approve"]),
    ("  REJECT ", APPROVAL, False, ["Reject"]),
    ("Ｒｅｊｅｃｔ", APPROVAL, False, ["Reject"]),  # full-width letters
    ("roll   back", ENVIRONMENTS, False, ["Roll back"]),
    ("3", APPROVAL, False, None),
    ("0", APPROVAL, False, None),
    ("-1", APPROVAL, False, None),
    ("1 2", APPROVAL, False, None),  # two answers where one is asked
    ("yes", APPROVAL, False, None),
    ("1.", APPROVAL, False, None),
    ("", APPROVAL, False, None),
    ("   ", APPROVAL, False, None),
    ("I approve", APPROVAL, False, None),
    ("1,3", ENVIRONMENTS, True, ["dev", "prod"]),
    ("3, 1", ENVIRONMENTS, True, ["dev", "prod"]),  # the options' order, not the reply's
    ("1 3", ENVIRONMENTS, True, ["dev", "prod"]),
    ("１，３", ENVIRONMENTS, True, ["dev", "prod"]),
    ("１、３", ENVIRONMENTS, True, ["dev", "prod"]),
    ("2,2", ENVIRONMENTS, True, ["staging"]),
    ("4", ENVIRONMENTS, True, ["Roll back"]),
    ("dev, prod", ENVIRONMENTS, True, ["dev", "prod"]),
    ("1,5", ENVIRONMENTS, True, None),  # one bad number spoils the answer
    ("1,x", ENVIRONMENTS, True, None),
    (",", ENVIRONMENTS, True, None),
])
def test_match_reply_table(text: str, options: list[str], multiple: bool, chosen: list[str] | None) -> None:
    assert match_reply(text, options, multiple) == chosen


def test_options_line_numbers_from_one() -> None:
    assert options_line(APPROVAL) == "1 Approve, 2 Reject: reply with the number"
    assert options_line(ENVIRONMENTS, multiple=True).startswith("1 dev, 2 staging, 3 prod, 4 Roll back: reply "
                                                                 "with the numbers")


def test_question_text_has_subject_options_and_link() -> None:
    text = question_text(Question("Deploy v2.3 to prod?", APPROVAL, link=LINK))
    assert text == f"Deploy v2.3 to prod? 1 Approve, 2 Reject: reply with the number {LINK}"


def test_long_body_is_cut_and_the_link_kept() -> None:
    body = "Changes:\n" + "- fix " * 100
    text = question_text(Question("Deploy?", APPROVAL, body=body, link=LINK), limit=201)
    assert len(text) == 201
    assert text.endswith(f"1 Approve, 2 Reject: reply with the number {LINK}")
    assert text.startswith("Deploy? Changes: - fix")
    assert "…" in text
    assert "\n" not in text


def test_long_subject_is_cut_keeping_the_link() -> None:
    text = question_text(Question("Deploy " * 50, APPROVAL, link=LINK), limit=201)
    assert len(text) <= 201
    assert text.endswith(LINK)
    assert text.startswith("Deploy Deploy")


def test_no_link_when_airflow_has_no_base_url() -> None:
    assert question_text(Question("Go?", APPROVAL)) == "Go? 1 Approve, 2 Reject: reply with the number"


def test_options_and_link_that_cannot_fit_name_max_length() -> None:
    with pytest.raises(Every8dValidationError) as caught:
        question_text(Question("Deploy?", APPROVAL, link=LINK), limit=70)
    assert caught.value.field == "max_length"


@pytest.mark.parametrize("render", [question_text, notice_text])
def test_without_a_limit_a_long_link_grows_the_text_instead_of_failing(render: Any) -> None:
    long_link = "https://airflow.example.internal/dags/deploy/runs/" + "manual__2026-12-01T15%3A58%3A46" * 5
    text = render(Question("Deploy v2.3 to prod?", APPROVAL, "Long body " * 30, long_link))
    assert text.endswith(long_link) and text.startswith("Deploy v2.3")
    assert DEFAULT_MAX_LENGTH < len(text) <= len(long_link) + 100
    with pytest.raises(Every8dValidationError) as caught:  # an explicit limit is kept
        render(Question("Deploy v2.3 to prod?", APPROVAL, link=long_link), DEFAULT_MAX_LENGTH)
    assert caught.value.field == "max_length"


def test_without_a_limit_a_short_question_keeps_the_default_length() -> None:
    assert len(question_text(Question("Deploy?", APPROVAL, "x" * 500, LINK))) == DEFAULT_MAX_LENGTH


def test_responder_is_the_masked_number() -> None:
    assert responder("+886900000021") == {"id": "every8d-sms:0900***021", "name": "0900***021 (SMS)"}


def _reply(mobile: str, content: str, at: str) -> Reply:
    return Reply("", mobile, content, f"2025/01/01 10:00:{at}")


def test_judge_takes_the_first_answer_from_an_allowed_number() -> None:
    rules = ReplyRules.build(APPROVAL, ["0900000021", "0900000022"])
    verdict = rules.judge([
        _reply("+886900000022", "2", "03"),
        _reply("+886900000099", "1", "01"),  # not allowed
        _reply("+886900000021", "ok?", "02"),  # not an option
        _reply("+886900000021", "1", "04"),  # second answer
    ])
    assert verdict.answer is not None
    assert (verdict.answer.chosen_options, verdict.answer.mobile) == (["Reject"], "0900000022")
    assert verdict.answer.responded_by["name"] == "0900***022 (SMS)"
    assert [(item.masked_number, item.reason) for item in verdict.ignored] == [
        ("0900***099", "not from an allowed number"),
        ("0900***021", "not one of the options"),
        ("0900***021", "a second answer (the first one counts)"),
    ]


def test_judge_without_an_answer() -> None:
    verdict = ReplyRules.build(APPROVAL, ["0900000021"]).judge([_reply("0900000030", "1", "01")])
    assert verdict.answer is None
    assert len(verdict.ignored) == 1
    assert "0900000030" not in repr(verdict)  # nothing but the masked number is kept


def test_notice_text_points_to_the_ui_and_asks_for_no_reply() -> None:
    text = notice_text(Question("Deploy v2.3?", APPROVAL, body="Release notes", link=LINK))
    assert text == f"Deploy v2.3? Release notes Approve / Reject. Answer in Airflow: {LINK}"
    assert "reply" not in text


def test_notice_text_without_a_link() -> None:
    assert notice_text(Question("Go?", APPROVAL)) == "Go? Approve / Reject. Answer in Airflow."
