"""Property tests over the protocol layer: parsers fail only with the documented errors on any bytes,
formatted answers round-trip, and number normalisation is idempotent."""

from __future__ import annotations

import contextlib
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airflow_provider_every8d.protocol import build, mms, param_sms, parse
from airflow_provider_every8d.protocol.endpoints import Endpoint
from airflow_provider_every8d.protocol.errors import Every8dApiError, Every8dResponseError, Every8dValidationError
from airflow_provider_every8d.protocol.models import DeliveryRow
from airflow_provider_every8d.protocol.phones import canonical, parse_phone
from airflow_provider_every8d.protocol.push import parse_push

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
REQUESTS = [
    build.sms_request("hi", "0900000001"),
    build.sms_request("hi", "0900000001", deduplicate=True),
    build.sms_request("hi", "0900000001", msg_id=7),
    mms.mms_request("hi", "0900000001", "subject", PNG, attachment_type="png"),
    param_sms.param_sms_request([{"mobile": "0900000001", "content": "hi"}]),
    build.delivery_status_request("b-1"),
    build.delivery_status_request("b-1", 2, mms=True),
    build.replies_request("b-1"),
    build.credit_request(),
    build.erase_booking_request("b-1"),
]
PROFILE = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Bodies that look like answers: digits, commas, tabs, line ends, minus signs and a little of everything.
answer_like = st.text(alphabet=st.sampled_from(list("0123456789,.-\t\r\n/ abcdef{}\":<>\ufeff")), max_size=200)


@pytest.mark.parametrize("request_", REQUESTS, ids=lambda r: r.endpoint.section)
@PROFILE
@given(body=st.one_of(st.binary(max_size=300), answer_like.map(lambda t: t.encode("utf-8"))))
def test_parsers_raise_only_documented_errors(request_, body):
    with contextlib.suppress(Every8dResponseError, Every8dApiError):
        request_.parse(body)


names = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\t"),
                max_size=12).map(str.strip)
statuses = st.sampled_from([0, 100, 101, 103, 107, 300, 303, 500, -1, -6, 700, 888])
times = st.sampled_from(["", "2021/06/01 14:25:55", "2026/11/24 23:59:59"])
rows = st.builds(DeliveryRow, names, st.from_regex(r"\+8869\d{8}", fullmatch=True), times.filter(bool),
                 st.sampled_from([1.0, 2.0, 3.0, 4.5]), statuses, times, mr=st.just(""), real_cost=st.none())


@PROFILE
@given(page_rows=st.lists(rows, max_size=40), columns=st.sampled_from([5, 6]))
def test_status_pages_round_trip(page_rows, columns):
    if columns == 5:
        page_rows = [row._replace(received_time="") for row in page_rows]
    lines = [str(len(page_rows))] + [
        "\t".join([row.name, row.mobile, row.send_time, str(row.cost), str(row.status),
                   row.received_time][:columns]) for row in page_rows]
    body = "\r\n".join(lines).encode()
    parsed = parse.parse_status_page(body, page=1)
    assert parsed.total == len(page_rows) and list(parsed.rows) == page_rows
    counted = parse.parse_status_page(body, page=1, counts_only=True)  # the sensor's path: same rows, counted
    assert counted.counts == dict(Counter(row.status for row in page_rows)) and counted.size == len(page_rows)


@PROFILE
@given(body=answer_like.map(lambda t: t.encode("utf-8")))
def test_counting_fails_exactly_when_parsing_fails(body):
    outcomes = []
    for counts_only in (False, True):
        try:
            page = parse.parse_status_page(body, page=1, counts_only=counts_only)
            outcomes.append(("ok", page.total, page.size))
        except (Every8dResponseError, Every8dApiError) as error:
            outcomes.append((type(error).__name__,))
    assert outcomes[0] == outcomes[1]


@PROFILE
@given(credit=st.decimals(min_value=0, max_value=10**7, places=2), sent=st.integers(0, 10**6),
       cost=st.integers(0, 10**6), unsent=st.integers(0, 10**6), batch=st.uuids(),
       filtered=st.lists(st.from_regex(r"09\d{8}", fullmatch=True), max_size=5))
def test_send_answers_round_trip(credit, sent, cost, unsent, batch, filtered):
    body = f"{credit},{sent},{cost},{unsent},{batch},{'/'.join(filtered)}"
    result = parse.parse_send(body.encode(), Endpoint.SEND_SMS_FILTERED)
    assert (result.credit, result.sent, result.cost, result.unsent, result.batch_id, result.filtered) == (
        float(credit), sent, float(cost), unsent, str(batch), tuple(filtered))


separators = st.sampled_from(["", " ", "-", ".", "(", ")"])


@st.composite
def taiwan_numbers(draw):
    digits = draw(st.from_regex(r"9\d{8}", fullmatch=True))
    prefix = draw(st.sampled_from(["0", "+886", "886", "00886"]))
    text = prefix + digits
    cut = draw(st.integers(1, len(text) - 1))
    return text[:cut] + draw(separators) + text[cut:]


@PROFILE
@given(number=st.one_of(taiwan_numbers(), st.from_regex(r"\+(?!886)[1-9]\d{7,14}", fullmatch=True)))
def test_phone_normalisation_is_idempotent(number):
    phone = parse_phone(number)
    assert parse_phone(phone.wire) == phone
    assert canonical(canonical(number)) == canonical(number) == canonical(phone.wire)


@PROFILE
@given(text=st.text(max_size=30))
def test_phone_parsing_raises_only_validation_errors(text):
    with contextlib.suppress(Every8dValidationError):
        parse_phone(text)


@PROFILE
@given(query=st.dictionaries(st.sampled_from(["BatchID", "RM", "RT", "STATUS", "SM", "MR", "CHARGE", "MSGID",
                                              "x", "batchid"]), st.text(max_size=80), max_size=8))
def test_push_parsing_raises_only_validation_errors(query):
    try:
        report = parse_push(query)
    except Every8dValidationError:
        return
    assert report.batch_id and isinstance(report.status, int)
