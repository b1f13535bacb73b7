"""Fuzzing the readings of issue 12: no byte string makes a parser raise anything but the documented
exceptions; free text with any character but a line end survives a page; any first field that is a
negative number is a refusal; a push is refused only for its BatchID or STATUS."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airflow_provider_every8d.protocol import parse
from airflow_provider_every8d.protocol.endpoints import Endpoint
from airflow_provider_every8d.protocol.errors import Every8dApiError, Every8dResponseError, Every8dValidationError
from airflow_provider_every8d.protocol.push import MAX_VALUE_BYTES, parse_push

PROFILE = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PARSERS = [
    lambda body: parse.parse_send(body, Endpoint.SEND_SMS),
    lambda body: parse.parse_send(body, Endpoint.SEND_SMS_FILTERED),
    lambda body: parse.parse_send(body, Endpoint.SEND_SMS_WITH_MSG_ID),
    parse.parse_param_send,
    parse.parse_credit,
    parse.parse_erase,
    lambda body: parse.parse_status_page(body, page=1),
    lambda body: parse.parse_status_page(body, Endpoint.MMS_DELIVERY_STATUS, page=2, counts_only=True),
    lambda body: parse.parse_reply_page(body, page=1),
]
SHAPES = [*"0123456789-.,\t\r\n /{}[]\":+", "true", "Result", "-99", "\u2028", "\x1c", "\x85", "帳號"]
answer_like = st.lists(st.sampled_from(SHAPES), max_size=60).map("".join)
bodies = st.one_of(
    st.binary(max_size=300),
    answer_like.map(lambda text: text.encode("utf-8")),
    answer_like.map(lambda text: text.encode("cp950", "replace")),
    st.integers(1, 2000).map(lambda depth: b"[" * depth),  # deeply nested JSON
)
free_text = st.text(st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)), max_size=30)


@PROFILE
@given(body=bodies, which=st.integers(0, len(PARSERS) - 1))
def test_no_body_makes_a_parser_raise_anything_undocumented(body: bytes, which: int) -> None:
    with contextlib.suppress(Every8dApiError, Every8dResponseError):
        PARSERS[which](body)


@PROFILE
@given(name=free_text, content=free_text)
def test_any_free_text_without_a_line_end_survives_a_page(name: str, content: str) -> None:
    """NAME and CONTENT may hold TABs, separators, anything: the fixed columns are found from the ends."""
    name, content = name.strip(" \t"), content.strip(" \t")
    status = (f"2\r\n{name}\t+886900001123\t2021/06/01 14:25:55\t1.0\t100\t\r\n"
              f"{name}\t0900000678\t2021/06/01 14:25:55\t2\t-3")
    rows = parse.parse_status_page(status.encode("utf-8"), page=1).rows
    assert [(r.name, r.status) for r in rows] == [(name, 100), (name, -3)]
    reply = f"1\r\n{name}\t+886900001123\t{content}\t2010/03/03 14:25:55"
    (row,) = parse.parse_reply_page(reply.encode("utf-8"), page=1).rows
    if not any(part.strip().lstrip("+").isdigit() and len(part.strip()) >= 8 for part in name.split("\t")):
        assert (row.name, row.content) == (name, content)  # a NAME holding a phone-like part is ambiguous


@PROFILE
@given(code=st.integers(1, 999_999_999), decimals=st.sampled_from(["", ".0", ".00"]),
       separator=st.sampled_from(["", ",", ", ", " ", "\t", ",0,0,0,"]), text=free_text,
       encoding=st.sampled_from(["utf-8", "cp950"]))
def test_a_negative_first_field_is_always_a_refusal(code: int, decimals: str, separator: str, text: str,
                                                    encoding: str) -> None:
    body = f"-{code}{decimals}{separator}{text if separator else ''}".encode(encoding, "replace")
    for parser in PARSERS[:1] + PARSERS[4:]:
        try:
            parser(body)
        except Every8dApiError as refusal:
            assert refusal.code == -code
        else:
            raise AssertionError(f"{body!r} was not a refusal")


batch_ids = st.from_regex(r"[0-9A-Za-z][0-9A-Za-z_]{0,20}", fullmatch=True)
values = st.text(max_size=3000)


@PROFILE
@given(batch_id=batch_ids, status=st.integers(-99999, 99999), fields=st.dictionaries(
    st.sampled_from(["RM", "RT", "ST", "SM", "MR", "USERID", "UserNo", "SUBJECT", "CHARGE", "MSGID", "NAME", "X"]),
    values))
def test_a_push_with_a_batch_id_and_a_status_is_never_refused(batch_id: str, status: int,
                                                              fields: dict[str, str]) -> None:
    report = parse_push({"BatchID": batch_id, "STATUS": str(status), **fields})
    assert (report.batch_id, report.status) == (batch_id, status)
    kept = [report.content, report.subject, report.send_time, report.msg_id, *report.extra.values()]
    assert all(len(value.encode("utf-8", "surrogatepass")) <= MAX_VALUE_BYTES for value in kept)


@PROFILE
@given(query=st.dictionaries(st.text(max_size=10), st.text(max_size=50), max_size=8))
def test_any_push_query_is_read_or_refused_with_a_validation_error(query: dict[str, str]) -> None:
    try:
        parse_push(query)
    except Every8dValidationError as error:
        assert error.field in ("BatchID", "STATUS")
