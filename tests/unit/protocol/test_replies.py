"""Which replies a reply sensor or trigger accepts (protocol/replies.py; pure, no network)."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_every8d.protocol.errors import Every8dValidationError
from airflow_provider_every8d.protocol.models import Reply
from airflow_provider_every8d.protocol.replies import ReplyFilter, reply_dict

APPROVER = "0900000021"


@pytest.mark.parametrize(("from_numbers", "pattern", "mobile", "content", "matches"), [
    (None, None, "+886900000021", "anything", True),
    ([APPROVER], None, "+886900000021", "ok", True),
    (["+886 900 000 021"], None, "+886900000021", "ok", True),
    ([APPROVER], None, "+886900000022", "Y", False),
    (None, r"^y(es)?$", "+886900000022", "  yes ", True),
    (None, r"^y(es)?$", "+886900000022", "Y", True),
    (None, r"^y(es)?$", "+886900000022", "no", False),
    (None, r"^y(es)?$", "+886900000022", "yesterday", False),
    (APPROVER, "approve", "0900000021", "I APPROVE", True),
])
def test_reply_filter_table(from_numbers: Any, pattern: str | None, mobile: str, content: str,
                            matches: bool) -> None:
    reply = Reply("", mobile, content, "2024/01/01 10:00:00")
    assert ReplyFilter.build(from_numbers, pattern).matches(reply) is matches


@pytest.mark.parametrize(("kwargs", "field"), [({"pattern": "(unclosed"}, "pattern"),
                                               ({"from_numbers": ["12ab"]}, "from_numbers")])
def test_bad_filter_arguments_name_the_field(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(Every8dValidationError, match=field):
        ReplyFilter.build(**kwargs)


def test_select_returns_the_matching_replies_as_xcom_dicts() -> None:
    wanted = ReplyFilter.build([APPROVER], r"^y$")
    replies = [Reply("On call", "+886900000021", " y ", "2024/01/01 10:00:00"),
               Reply("", "+886900000022", "y", "2024/01/01 10:01:00")]
    assert wanted.select(replies) == [{"name": "On call", "mobile": "+886900000021", "content": " y ",
                                       "reply_time": "2024/01/01 10:00:00"}]
    assert reply_dict(replies[1])["mobile"] == "+886900000022"
