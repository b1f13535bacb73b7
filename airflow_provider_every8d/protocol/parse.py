"""Parsers: answer bytes -> typed results. Any malformed body raises :class:`Every8dResponseError`;
any negative answer raises :class:`Every8dApiError`. Nothing else escapes (see the property tests).
"""

from __future__ import annotations

import json
import math
import re

from airflow_provider_every8d.protocol.endpoints import Endpoint
from airflow_provider_every8d.protocol.errors import Every8dApiError, Every8dResponseError, excerpt
from airflow_provider_every8d.protocol.models import (
    DeliveryRow,
    EraseResult,
    Reply,
    ReplyPage,
    SendResult,
    StatusPage,
)
from airflow_provider_every8d.protocol.paging import REPLY_PAGE_SIZE, STATUS_PAGE_SIZE, expected_rows

_ERROR_RE = re.compile(r"-(\d{1,9})(?:,(.*))?", re.DOTALL)
_NUMBER_RE = re.compile(r"-?\d+(?:\.\d+)?")
_INT_RE = re.compile(r"\d+")
_UUID_RE = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
_FILTERED_RE = re.compile(r"\+?\d{8,15}")
FILTERED_EVERYTHING = -98


def decode(body: bytes, endpoint: Endpoint) -> str:
    """UTF-8 text of an answer, BOM removed, surrounding white space stripped."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Every8dResponseError("not UTF-8", excerpt(body), endpoint.path) from None
    text = text.strip()
    if text[:1] == "<":
        raise Every8dResponseError("an HTML page, not an API answer", excerpt(text), endpoint.path)
    return text


def raise_for_error(text: str, endpoint: Endpoint) -> None:
    """Raise :class:`Every8dApiError` for ``-CODE`` / ``-CODE,text`` answers."""
    match = _ERROR_RE.fullmatch(text)
    if match:
        raise Every8dApiError(-int(match.group(1)), (match.group(2) or "").strip(), endpoint.path)


def _number(value: str, what: str, text: str, endpoint: Endpoint) -> float:
    value = value.strip()
    if not _NUMBER_RE.fullmatch(value):
        raise Every8dResponseError(f"{what} {value[:20]!r} is not a number", excerpt(text), endpoint.path)
    number = float(value)
    if not math.isfinite(number):  # pragma: no cover - the regex admits only finite numbers
        raise Every8dResponseError(f"{what} is not finite", excerpt(text), endpoint.path)
    return number


def _count(value: str, what: str, text: str, endpoint: Endpoint) -> int:
    value = value.strip()
    if not _INT_RE.fullmatch(value):
        raise Every8dResponseError(f"{what} {value[:20]!r} is not a count", excerpt(text), endpoint.path)
    return int(value)


def _send_fields(parts: list[str], text: str, endpoint: Endpoint) -> SendResult:
    credit = _number(parts[0], "CREDIT", text, endpoint)
    sent = _count(parts[1], "SENDED", text, endpoint)
    cost = _number(parts[2], "COST", text, endpoint)
    unsent = _count(parts[3], "UNSEND", text, endpoint)
    batch_id = parts[4].strip()
    if not _UUID_RE.fullmatch(batch_id):  # the spec's format; a cut answer must not yield a wrong id
        raise Every8dResponseError(f"BATCH_ID {batch_id[:40]!r} is not a complete batch id (UUID)", excerpt(text),
                                   endpoint.path)
    return SendResult(credit=credit, sent=sent, cost=cost, unsent=unsent, batch_id=batch_id)


def _split_numbers(value: str, text: str, endpoint: Endpoint) -> tuple[str, ...]:
    numbers = tuple(number.strip() for number in value.split("/") if number.strip())
    for index, number in enumerate(numbers, 1):
        if not _FILTERED_RE.fullmatch(number):  # the entry itself is not quoted: it may be a cut number
            raise Every8dResponseError(f"FAIL_MOBILE entry {index} ({len(number)} characters) is not a number",
                                       excerpt(text), endpoint.path)
    return numbers


def parse_send(body: bytes, endpoint: Endpoint = Endpoint.SEND_SMS) -> SendResult:
    """1.1 / 1.2: ``CREDIT,SENDED,COST,UNSEND,BATCH_ID``; 1.3 adds ``FAIL_MOBILE``; 1.4 adds ``MSGID``.

    1.3's ``-98,<numbers>`` (every number filtered) is not an error to the user: it returns a result with
    ``sent == 0`` and the numbers in ``filtered``. 1.4's example in the spec has one field more than its
    description; the MSGID is taken from the last field.
    """
    text = decode(body, endpoint)
    if endpoint is Endpoint.SEND_SMS_FILTERED:
        match = _ERROR_RE.fullmatch(text)
        if match and -int(match.group(1)) == FILTERED_EVERYTHING:
            return SendResult(credit=None, sent=0, cost=0.0, unsent=0, batch_id="",
                              filtered=_split_numbers(match.group(2) or "", text, endpoint))
    raise_for_error(text, endpoint)
    parts = text.split(",")
    minimum = 6 if endpoint is Endpoint.SEND_SMS_WITH_MSG_ID else 5
    if len(parts) < minimum:
        raise Every8dResponseError(f"expected at least {minimum} comma-separated fields, got {len(parts)}",
                                   excerpt(text), endpoint.path)
    result = _send_fields(parts, text, endpoint)
    if endpoint is Endpoint.SEND_SMS_FILTERED:
        filtered = _split_numbers(",".join(parts[5:]), text, endpoint) if len(parts) > 5 else ()
        return SendResult(**{**result.__dict__, "filtered": filtered})
    if endpoint is Endpoint.SEND_SMS_WITH_MSG_ID:
        return SendResult(**{**result.__dict__, "msg_id": parts[-1].strip()})
    if len(parts) != 5:
        raise Every8dResponseError(f"expected 5 comma-separated fields, got {len(parts)}", excerpt(text),
                                   endpoint.path)
    return result


def parse_param_send(body: bytes) -> SendResult:
    """1.5: ``{"Result": true, "Status": "0", "Msg": "CREDIT,SENDED,COST,UNSEND,BATCH_ID"}``.

    A false ``Result`` (or a non-zero ``Status``) raises :class:`Every8dApiError` with ``Status`` as the code
    (-99 when it is not a number) and ``Msg`` as the text.
    """
    endpoint = Endpoint.SEND_PARAM_SMS
    text = decode(body, endpoint)
    try:
        document = json.loads(text)
    except ValueError:
        raise_for_error(text, endpoint)  # some servers answer plain -CODE even here
        raise Every8dResponseError("not JSON", excerpt(text), endpoint.path) from None
    if not isinstance(document, dict) or "Result" not in document:
        raise_for_error(text, endpoint)  # a plain -CODE is valid JSON too (a number)
        raise Every8dResponseError("JSON without Result", excerpt(text), endpoint.path)
    status = str(document.get("Status", "")).strip()
    message = str(document.get("Msg") or "")
    if document["Result"] is not True or status not in ("0", ""):
        code = int(status) if re.fullmatch(r"-?\d{1,9}", status) else 0
        raise Every8dApiError(code or -99, message, endpoint.path)
    try:
        return parse_send(message.encode("utf-8"), Endpoint.SEND_SMS)
    except Every8dResponseError as error:  # name the endpoint that was called, not the format borrowed
        raise Every8dResponseError(f"Msg: {error.problem}", excerpt(text), endpoint.path) from None
    except Every8dApiError as error:
        raise Every8dApiError(error.code, error.text, endpoint.path) from None


def parse_credit(body: bytes) -> float:
    """3.1: the balance, e.g. ``2310.00``; a negative answer is an error code."""
    text = decode(body, Endpoint.CREDIT)
    raise_for_error(text, Endpoint.CREDIT)
    return _number(text, "CREDIT", text, Endpoint.CREDIT)


def parse_erase(body: bytes, endpoint: Endpoint = Endpoint.ERASE_BOOKING) -> EraseResult:
    """3.2 / 3.3: ``DELETED,REFUNDED``; an empty answer means nothing was booked (0, 0.0)."""
    text = decode(body, endpoint)
    if not text:
        return EraseResult(deleted=0, refunded=0.0)
    raise_for_error(text, endpoint)
    parts = text.split(",")
    if len(parts) != 2:
        raise Every8dResponseError("expected DELETED,REFUNDED", excerpt(text), endpoint.path)
    return EraseResult(deleted=_count(parts[0], "deleted count", text, endpoint),
                       refunded=_number(parts[1], "refunded points", text, endpoint))


def _table(text: str, endpoint: Endpoint) -> tuple[int, list[str]]:
    raise_for_error(text, endpoint)
    lines = text.splitlines()
    if not lines:
        raise Every8dResponseError("empty answer", "", endpoint.path)
    first = lines[0].split("\t", 1)[0]
    return _count(first, "row count", lines[0], endpoint), lines[1:]  # quote the count line, not the rows


def _row_number(lines: list[str], line: str) -> int:
    """The 1-based number of a faulty row among the rows (the first equal line is as faulty), found only
    when raising so the row loops stay free of a counter."""
    return lines.index(line) + 1


def _check_complete(found: int, page: int | None, total: int, page_size: int, text: str,
                    endpoint: Endpoint) -> None:
    """A page holding fewer rows than the total implies was cut short; losing rows silently is worse.
    The rows are not quoted (names, numbers, reply texts): the counts say what is wrong."""
    if page is not None and found < expected_rows(page, total, page_size):
        raise Every8dResponseError(f"page {page} holds {found} rows where the total of {total} implies "
                                   f"{expected_rows(page, total, page_size)} (answer cut short?)", "",
                                   endpoint.path)


def parse_status_page(body: bytes, endpoint: Endpoint = Endpoint.DELIVERY_STATUS,
                      page: int | None = None, counts_only: bool = False) -> StatusPage:
    """2.2 / 2.3: the row count of the batch, then ``NAME MOBILE SEND_TIME COST STATUS [RECEIVED_TIME]``.

    Rows of 5 columns (old accounts, and MMS) and 6 columns (new accounts) are both read; an empty NAME
    (the line starts with a TAB) is kept as ``""``. Blank lines are skipped; any other malformed row
    raises, since silently dropping a row is how older clients lost data. Errors give the row's line
    number (1 = the first row after the count) and column count, never its content (names, numbers).
    With ``counts_only`` every row is checked the same way but only its status is counted (``counts``).
    """
    text = decode(body, endpoint)
    total, lines = _table(text, endpoint)
    rows: list[DeliveryRow] = []
    counts: dict[int, int] = {}
    append = rows.append
    new_row = tuple.__new__  # DeliveryRow(...) without NamedTuple's Python-level __new__: ~0.2 µs a row
    for line in lines:  # the hot loop of a status scan (benchmarks/RESULTS.md): blank lines checked last
        cols = line.split("\t")
        if len(cols) == 5:
            cols.append("")
        elif len(cols) != 6:
            if not line.strip():
                continue
            raise Every8dResponseError(f"status row {_row_number(lines, line)} has {len(cols)} columns, not 5 "
                                       "or 6", "", endpoint.path)
        try:
            if counts_only:
                float(cols[3] or 0)
                status = int(cols[4])
                counts[status] = counts.get(status, 0) + 1
            else:
                append(new_row(DeliveryRow, (cols[0], cols[1].strip(), cols[2], float(cols[3] or 0),
                                             int(cols[4]), cols[5])))
        except ValueError:
            if not line.strip():
                continue
            raise Every8dResponseError(f"status row {_row_number(lines, line)} has a non-numeric COST or STATUS",
                                       "", endpoint.path) from None
    if counts_only:
        _check_complete(sum(counts.values()), page, total, STATUS_PAGE_SIZE, text, endpoint)
        return StatusPage(total=total, rows=(), counts=counts)
    _check_complete(len(rows), page, total, STATUS_PAGE_SIZE, text, endpoint)
    return StatusPage(total=total, rows=tuple(rows))


def parse_reply_page(body: bytes, page: int | None = None) -> ReplyPage:
    """2.4: the reply count, then ``NAME MOBILE CONTENT SEND_TIME``. A TAB inside CONTENT is kept. Errors
    give the row's line number and column count, never its content."""
    endpoint = Endpoint.REPLIES
    text = decode(body, endpoint)
    total, lines = _table(text, endpoint)
    rows = []
    for line in lines:
        if not line.strip():
            continue
        cols = line.split("\t")
        if len(cols) < 4:
            raise Every8dResponseError(f"reply row {_row_number(lines, line)} has {len(cols)} columns, not 4 or "
                                       "more", "", endpoint.path)
        rows.append(Reply(cols[0], cols[1].strip(), "\t".join(cols[2:-1]), cols[-1].strip()))
    _check_complete(len(rows), page, total, REPLY_PAGE_SIZE, text, endpoint)
    return ReplyPage(total=total, rows=tuple(rows))
