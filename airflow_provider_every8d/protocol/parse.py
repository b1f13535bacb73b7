"""Parsers: answer bytes -> typed results. Any malformed body raises :class:`Every8dResponseError`; any
refusal (see :mod:`.answers`) raises :class:`Every8dApiError`. Nothing else escapes (the corpus and fuzz
tests check it). The status and reply pages (2.2-2.4) are read in :mod:`.pages`, an erasure's answer in :mod:`.erase`,
both re-exported here;
docs/wire-decisions.md says why each rule is what it is.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from airflow_provider_every8d.protocol.answers import STRIPPED, count, decode, number, raise_for_error, refusal
from airflow_provider_every8d.protocol.endpoints import Endpoint
from airflow_provider_every8d.protocol.errors import Every8dApiError, Every8dResponseError
from airflow_provider_every8d.protocol.models import BATCH_ID_RE, SendResult
from airflow_provider_every8d.protocol.privacy import excerpt

if TYPE_CHECKING:
    from airflow_provider_every8d.protocol.erase import parse_erase
    from airflow_provider_every8d.protocol.pages import parse_reply_page, parse_status_page

_FILTERED = r"\+?\d{8,15}"
"""A FAIL_MOBILE entry (1.3 only): a pattern string, compiled by ``re`` on first use (a send needs it not)."""
FILTERED_EVERYTHING = -98
_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})


def _send_fields(parts: list[str], text: str, endpoint: Endpoint) -> SendResult:
    credit = number(parts[0], "CREDIT", text, endpoint)
    sent = count(parts[1], "SENDED", text, endpoint)
    cost = number(parts[2], "COST", text, endpoint)
    unsent = count(parts[3], "UNSEND", text, endpoint)
    batch_id = parts[4].strip()
    if not BATCH_ID_RE.fullmatch(batch_id):  # one rule for every batch id: models.BATCH_ID_RE
        raise Every8dResponseError(f"BATCH_ID {batch_id[:40]!r} is not a complete batch id", excerpt(text),
                                   endpoint.path)
    return SendResult(credit=credit, sent=sent, cost=cost, unsent=unsent, batch_id=batch_id)


def _split_numbers(value: str, text: str, endpoint: Endpoint) -> tuple[str, ...]:
    numbers = tuple(item.strip() for item in value.split("/") if item.strip())
    for index, item in enumerate(numbers, 1):
        if not re.fullmatch(_FILTERED, item):  # the entry itself is not quoted: it may be a cut number
            raise Every8dResponseError(f"FAIL_MOBILE entry {index} ({len(item)} characters) is not a number",
                                       excerpt(text), endpoint.path)
    return numbers


def split_fail_batch_ids(value: str, text: str, endpoint: Endpoint) -> tuple[str, ...]:
    """API 2.2's FAIL_BATCHID: the earlier batches (joined by ``/``) that made each FAIL_MOBILE number a
    duplicate, in the same order; each must be a whole batch id (``models.BATCH_ID_RE``)."""
    batches = tuple(item.strip() for item in value.split("/") if item.strip())
    for index, item in enumerate(batches, 1):
        if not BATCH_ID_RE.fullmatch(item):
            raise Every8dResponseError(f"FAIL_BATCHID entry {index} is not a complete batch id", excerpt(text),
                                       endpoint.path)
    return batches


def parse_send(body: bytes, endpoint: Endpoint = Endpoint.SEND_SMS) -> SendResult:
    """1.1 / 1.2: ``CREDIT,SENDED,COST,UNSEND,BATCH_ID``; 1.3 adds ``FAIL_MOBILE`` (and on 2.2
    ``FAIL_BATCHID``); 1.4 adds ``MSGID``.

    1.3's ``-98,<numbers>`` (every number filtered) is not an error to the user: it returns a result with
    ``sent == 0`` and the numbers in ``filtered``. 1.4's example in the spec has one field more than its
    description; the MSGID is taken from the last field.
    """
    return _send_text(decode(body, endpoint), endpoint)


def _send_text(text: str, endpoint: Endpoint) -> SendResult:
    found = refusal(text)
    if found is not None:
        if endpoint is Endpoint.SEND_SMS_FILTERED and found[0] == FILTERED_EVERYTHING:
            numbers, _, earlier = found[1].partition(",")  # 2.2: FAIL_BATCHID after the numbers
            return SendResult(credit=None, sent=0, cost=0.0, unsent=0, batch_id="",
                              filtered=_split_numbers(numbers, text, endpoint),
                              fail_batch_ids=split_fail_batch_ids(earlier, text, endpoint))
        raise Every8dApiError(found[0], found[1], endpoint.path)
    parts = text.split(",")
    minimum = 6 if endpoint is Endpoint.SEND_SMS_WITH_MSG_ID else 5
    if len(parts) < minimum:
        raise Every8dResponseError(f"expected at least {minimum} comma-separated fields, got {len(parts)}",
                                   excerpt(text), endpoint.path)
    result = _send_fields(parts, text, endpoint)
    if endpoint is Endpoint.SEND_SMS_FILTERED:
        filtered = _split_numbers(parts[5], text, endpoint) if len(parts) > 5 else ()
        batches = split_fail_batch_ids(",".join(parts[6:]), text, endpoint)  # 2.2's 7th field, FAIL_BATCHID
        return SendResult(**{**result.__dict__, "filtered": filtered, "fail_batch_ids": batches})
    if endpoint is Endpoint.SEND_SMS_WITH_MSG_ID:
        return SendResult(**{**result.__dict__, "msg_id": parts[-1].strip()})
    if len(parts) != 5:
        raise Every8dResponseError(f"expected 5 comma-separated fields, got {len(parts)}", excerpt(text),
                                   endpoint.path)
    return result


def _flag(value: object) -> bool | None:
    """1.5's ``Result`` read leniently: true/false, "true"/"True"/"1", "false"/"0"; None when neither."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | str) and str(value).strip().lower() in _TRUE | _FALSE:
        return str(value).strip().lower() in _TRUE
    return None


def parse_param_send(body: bytes) -> SendResult:
    """1.5: ``{"Result": true, "Status": "0", "Msg": "CREDIT,SENDED,COST,UNSEND,BATCH_ID"}``.

    Keys are matched case-insensitively and ``Result`` leniently (:func:`_flag`). A true ``Result`` (or
    none, with ``Status`` 0) reads ``Msg`` as a send answer, so an accepted send is never taken for a
    refusal. A false ``Result`` (or a negative ``Status``) raises :class:`Every8dApiError` with ``Status``
    as the code (else the code in ``Msg``, else -99) and ``Msg`` as the text.
    """
    endpoint = Endpoint.SEND_PARAM_SMS
    text = decode(body, endpoint)
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        raise_for_error(text, endpoint)  # some servers answer plain -CODE even here
        raise Every8dResponseError("not JSON", excerpt(text), endpoint.path) from None
    if not isinstance(document, dict):
        raise_for_error(text, endpoint)  # a plain -CODE is valid JSON too (a number)
        raise Every8dResponseError("JSON without Result", excerpt(text), endpoint.path)
    fields = {str(key).strip().lower(): value for key, value in document.items()}
    result, message = _flag(fields.get("result")), str(fields.get("msg") or "").strip(STRIPPED)
    status = str(fields.get("status", "")).strip()
    code = int(status) if re.fullmatch(r"-?\d{1,9}", status) else 0
    if result is None and ("result" in fields or not message):
        raise Every8dResponseError("JSON without a true or false Result", excerpt(text), endpoint.path)
    if result is False or (result is None and code < 0):
        found = refusal(message)
        error_code = code if code < 0 else found[0] if found else -99
        raise Every8dApiError(error_code, found[1] if found and found[0] == error_code else message, endpoint.path)
    try:
        return _send_text(message, Endpoint.SEND_SMS)
    except Every8dResponseError as error:  # name the endpoint that was called, not the format borrowed
        if code < 0:  # "Result": true beside a negative Status and no send answer: the Status decides
            raise Every8dApiError(code, message, endpoint.path) from None
        raise Every8dResponseError(f"Msg: {error.problem}", excerpt(text), endpoint.path) from None
    except Every8dApiError as error:
        raise Every8dApiError(error.code, error.text, endpoint.path) from None


def parse_credit(body: bytes) -> float:
    """3.1: the balance, e.g. ``2310.00``; a negative answer is a refusal."""
    text = decode(body, Endpoint.CREDIT)
    raise_for_error(text, Endpoint.CREDIT)
    return number(text, "CREDIT", text, Endpoint.CREDIT)


_FROM_PAGES = frozenset({"parse_reply_page", "parse_status_page"})


def __getattr__(name: str) -> Any:
    """The page parsers and the erasure's, re-exported when first asked for: a send never reads a status or
    reply page nor erases, so its first one does not load :mod:`.pages` (and the JSON report reader behind
    it) or :mod:`.erase`. Each is kept as the module's own name once found, so a scan's every page (whose
    request names ``parse.parse_status_page``) does not come back here."""
    if name in _FROM_PAGES:
        from airflow_provider_every8d.protocol import pages

        value = getattr(pages, name)
    elif name == "parse_erase":
        from airflow_provider_every8d.protocol.erase import parse_erase

        value = parse_erase
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


__all__ = ["FILTERED_EVERYTHING", "decode", "parse_credit", "parse_erase", "parse_param_send", "parse_reply_page",
           "parse_send", "parse_status_page", "raise_for_error", "refusal"]
