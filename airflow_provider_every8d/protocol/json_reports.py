"""API 2.2's JSON reports (``RESPFORMAT=1``): delivery status (2.2) and replies (2.4).

``{"SMS_COUNT": n, "BID": "<batch>", "DATA": [{"MR", "NAME", "MOBILE", "SEND_TIME", "COST", "STATUS",
"REAL_COST", "RECEIVED_TIME"}, ...]}`` becomes the same :class:`StatusPage` of :class:`DeliveryRow` as the
TAB format, with ``mr`` and ``real_cost`` filled; replies ``{"SMS_COUNT", "BID", "DATA": [{"NAME", "MOBILE",
"CONTENT", "RECEIVED_TIME"}]}`` the same :class:`ReplyPage`. Rules (docs/wire-decisions.md, "API 2.2"):

- keys are matched case-insensitively; ``SMS_COUNT`` is required (a JSON document without it is a
  response error, never "no rows"); a missing ``DATA`` with ``SMS_COUNT`` 0 is "no rows" (the vendor's
  "no results" answer carries the BID and no error object);
- ``{"Result": false, "Status": "-CODE", "Msg": text}`` (the shape of the token endpoint's failures) is a
  refusal, :class:`Every8dApiError`;
- a row without MOBILE or with a STATUS that is no whole number raises: a row is never dropped silently;
  a page holding fewer rows than SMS_COUNT implies was cut short, as with TAB pages;
- times are kept as written (``yyyy-MM-dd HH:mm:ss``, Taiwan time); :func:`times.parse_report_time` reads
  both that and the TAB report's ``yyyy/MM/dd``.

Errors name the row's number, never its content (names, numbers, reply texts).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from airflow_provider_every8d.protocol.endpoints import Endpoint
from airflow_provider_every8d.protocol.errors import Every8dApiError, Every8dResponseError
from airflow_provider_every8d.protocol.paging import REPLY_PAGE_SIZE, STATUS_PAGE_SIZE, expected_rows
from airflow_provider_every8d.protocol.privacy import excerpt
from airflow_provider_every8d.protocol.reports import DeliveryRow, Reply, ReplyPage, StatusPage

_TAIWAN_PREFIXES = ("+886", "886", "09")


def _document(text: str, endpoint: Endpoint) -> dict[str, Any]:
    """The answer as a dict with lower-case keys; a ``Result: false`` document raises the refusal."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        raise Every8dResponseError("not JSON", excerpt(text), endpoint.path) from None
    if not isinstance(document, dict):
        raise Every8dResponseError("JSON that is not an object", excerpt(text), endpoint.path)
    fields = _lower(document)
    if fields.get("result") is False or str(fields.get("result", "")).strip().lower() == "false":
        raise refusal_of(fields, endpoint)
    return fields


def refusal_of(fields: Mapping[str, Any], endpoint: Endpoint) -> Every8dApiError:
    """``{"Result": false, "Status": "-CODE", "Msg": text}`` (keys in lower case) as the API error; a
    Status that is no negative number becomes -99 (the spec's "other error")."""
    status = str(fields.get("status", "")).strip()
    code = int(status) if status.lstrip("-").isdigit() and status.startswith("-") and len(status) < 10 else -99
    return Every8dApiError(code, str(fields.get("msg") or "").strip(), endpoint.path)


def _lower(document: Mapping[str, Any]) -> dict[str, Any]:
    return {str(key).strip().lower(): value for key, value in document.items()}


def _total(fields: Mapping[str, Any], endpoint: Endpoint) -> int:
    if "sms_count" not in fields:  # another JSON document: never read as "no rows"
        raise Every8dResponseError("JSON without SMS_COUNT", "", endpoint.path)
    value = fields["sms_count"]
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Every8dResponseError(f"SMS_COUNT {str(value)[:20]!r} is not a count", "", endpoint.path)
    return value


def _rows(fields: Mapping[str, Any], endpoint: Endpoint) -> list[dict[str, Any]]:
    data = fields.get("data")
    if data is None:
        return []
    if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
        raise Every8dResponseError("DATA is not a list of objects", "", endpoint.path)
    return [_lower(row) for row in data]


def _text(row: Mapping[str, Any], key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value)


def _number(row: Mapping[str, Any], key: str, index: int, endpoint: Endpoint) -> float | None:
    value = row.get(key)
    if value is None or value == "":
        return None
    try:
        result = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        result = math.nan
    if not math.isfinite(result):
        raise Every8dResponseError(f"status row {index} has a non-numeric {key.upper()}", "", endpoint.path)
    return result


def _status_row(row: Mapping[str, Any], index: int, endpoint: Endpoint) -> DeliveryRow:
    status = row.get("status")
    text = str(status).strip() if isinstance(status, (int, str)) and not isinstance(status, bool) else ""
    if not text.lstrip("-").isdigit() or len(text) > 10:
        raise Every8dResponseError(f"status row {index} has no whole-number STATUS", "", endpoint.path)
    mobile = _text(row, "mobile").strip()
    if not mobile:
        raise Every8dResponseError(f"status row {index} has no MOBILE", "", endpoint.path)
    return DeliveryRow(_text(row, "name"), mobile, _text(row, "send_time").strip(),
                       _number(row, "cost", index, endpoint) or 0.0, int(text),
                       _text(row, "received_time").strip(), _text(row, "mr").strip(),
                       _number(row, "real_cost", index, endpoint))


def _check_complete(found: int, page: int | None, total: int, allowance: int, endpoint: Endpoint) -> None:
    if page is None or (page > 1 and found == 0):
        return
    size = REPLY_PAGE_SIZE if endpoint is Endpoint.REPLIES else STATUS_PAGE_SIZE
    expected = expected_rows(page, total, size)
    if found + allowance < expected:
        raise Every8dResponseError(f"page {page} holds {found} rows where SMS_COUNT {total} implies {expected} "
                                   "(answer cut short?)", "", endpoint.path)


def parse_status_json(text: str, endpoint: Endpoint = Endpoint.DELIVERY_STATUS, *, page: int | None = None,
                      counts_only: bool = False) -> StatusPage:
    """A 2.2 JSON status page as :class:`StatusPage` (``counts`` only with ``counts_only``, as for TAB).

    As with TAB pages, an international row may stand for up to its COST in SMS parts of SMS_COUNT."""
    fields = _document(text, endpoint)
    total = _total(fields, endpoint)
    rows = [_status_row(row, index, endpoint) for index, row in enumerate(_rows(fields, endpoint), 1)]
    allowance = sum(max(0, math.ceil(row.cost) - 1) for row in rows if not row.mobile.startswith(_TAIWAN_PREFIXES))
    _check_complete(len(rows), page, total, allowance, endpoint)
    if not counts_only:
        return StatusPage(total, tuple(rows))
    counts: dict[int, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    return StatusPage(total=total, rows=(), counts=counts)


def parse_reply_json(text: str, page: int | None = None) -> ReplyPage:
    """A 2.4 JSON reply page; RECEIVED_TIME becomes :attr:`Reply.reply_time`. CONTENT is kept as typed."""
    endpoint = Endpoint.REPLIES
    fields = _document(text, endpoint)
    total = _total(fields, endpoint)
    replies = []
    for index, row in enumerate(_rows(fields, endpoint), 1):
        mobile = _text(row, "mobile").strip()
        if not mobile:
            raise Every8dResponseError(f"reply row {index} has no MOBILE", "", endpoint.path)
        replies.append(Reply(_text(row, "name"), mobile, _text(row, "content"),
                             _text(row, "received_time").strip()))
    _check_complete(len(replies), page, total, 0, endpoint)
    return ReplyPage(total=total, rows=tuple(replies))
