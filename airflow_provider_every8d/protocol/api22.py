"""What API 2.2 changes in a request, decided in one place (docs/api-2.2.md, docs/wire-decisions.md).

The builders (:mod:`.build`, :mod:`.param_sms`) make one request whatever the account; a transport hands
it to :func:`for_api` with the connection's ``api_version`` before encoding it:

- 2.2: 1.5 goes to ``SendParam.ashx``; status (2.2) and replies (2.4) ask for JSON (``RESPFORMAT=1``).
  The parsers read JSON and TAB alike, so TAB stays the fallback of a 2.2 account that answers TAB.
- 2.1: a request using a 2.2-only field (``EventID``, ``IsSend``) is refused before anything is sent.

Also here: the 2.2-only fields, ``EventID`` (an interactive-reply activity) and the duplicate filter's
dry run (``IsSend=false``).
"""

from __future__ import annotations

import re
from dataclasses import replace

from airflow_provider_every8d.protocol.answers import count, decode, number, refusal
from airflow_provider_every8d.protocol.endpoints import Endpoint
from airflow_provider_every8d.protocol.errors import Every8dApiError, Every8dResponseError, Every8dValidationError
from airflow_provider_every8d.protocol.models import BATCH_ID_RE, SendResult
from airflow_provider_every8d.protocol.parse import FILTERED_EVERYTHING, split_fail_batch_ids
from airflow_provider_every8d.protocol.phones import parse_phone
from airflow_provider_every8d.protocol.pricing import estimate_sms_cost, sms_points
from airflow_provider_every8d.protocol.privacy import excerpt
from airflow_provider_every8d.protocol.request import ApiRequest

EVENT_LINK_LENGTH = 17
"""Characters the platform appends to a text sent with an EventID (the reply link): priced too."""
DEFAULT_EVENT = "-1"
"""``EventID=-1``: the account's default interactive-reply activity."""
_EVENT = r"-1|[0-9A-Za-z_\-]{1,50}"
ONLY_22 = {"EventID": "event_id", "IsSend": "dry_run"}
_NUMBER = r"\+?\d{8,15}"
"""Pattern strings, compiled by ``re`` on first use: a send on API 2.1 needs neither."""


def normalize_event_id(event_id: object, field: str = "event_id") -> str:
    """An activity code: digits, letters, ``-`` and ``_`` (1-50 characters), or ``-1`` (the default)."""
    text = str(event_id).strip() if isinstance(event_id, (str, int)) and not isinstance(event_id, bool) else ""
    if not re.fullmatch(_EVENT, text):
        raise Every8dValidationError(field, f"{event_id!r} is not an activity code (letters, digits, - and _, "
                                     "or -1 for the account's default)")
    return text


def with_event_id(request: ApiRequest, event_id: object) -> ApiRequest:
    """``request`` (1.1, 1.3 or 1.5) with ``EventID``, priced with the 17 characters of the reply link
    the platform appends to every text (counted as if at the end of each recipient's text)."""
    code = normalize_event_id(event_id)
    if request.endpoint not in (Endpoint.SEND_SMS, Endpoint.SEND_SMS_FILTERED, Endpoint.SEND_PARAM_SMS):
        raise Every8dValidationError("event_id", f"not offered with {request.endpoint.path} (only SMS 1.1, "
                                     "1.3 and param SMS 1.5)")
    if request.json_fields is not None:
        return replace(request, json_fields={**request.json_fields, "EventID": code},
                       estimated_cost=request.estimated_cost + _link_points(request))
    phones = [parse_phone(wire) for wire in request.recipients]
    return replace(request, fields=(*request.fields, ("EventID", code)),
                   estimated_cost=estimate_sms_cost((request.message or "") + "x" * EVENT_LINK_LENGTH, phones))


def _link_points(request: ApiRequest) -> int:
    """1.5: what the link's 17 characters add to each recipient's own text (template rendered, or the
    personalised text), summed."""
    from airflow_provider_every8d.protocol.param_sms import render  # 1.5 only

    assert request.json_fields is not None
    template = request.json_fields.get("MSG") or ""
    extra = 0
    for entry in request.json_fields.get("RecipientDataList") or ():
        param = str(entry.get("Param") or "")
        text = render(template, param.split("|")) if template else param
        international = parse_phone(str(entry.get("Mobile"))).international
        extra += sms_points(text + "x" * EVENT_LINK_LENGTH, international) - sms_points(text, international)
    return extra


def event_request(request: ApiRequest, event_id: object, api_version: str) -> ApiRequest:
    """``request`` with ``event_id`` (:func:`with_event_id`) when one is given; an error naming
    ``event_id`` on a 2.1 connection, before anything is sent."""
    if event_id is None or event_id == "":
        return request
    if api_version != "2.2":
        raise Every8dValidationError("event_id", 'interactive replies need API 2.2 (set the connection\'s extra '
                                     'api_version to "2.2")')
    return with_event_id(request, event_id)


def duplicates_request(request: ApiRequest) -> ApiRequest:
    """The dry run of a 1.1/1.3 SMS request (``IsSend=false`` on 1.3): the platform evaluates its 24-hour
    duplicate filter for these recipients and this text and sends nothing. Costs nothing."""
    if request.endpoint not in (Endpoint.SEND_SMS, Endpoint.SEND_SMS_FILTERED):
        raise Every8dValidationError("dry_run", f"the duplicate filter's dry run is for SMS (1.1/1.3), not "
                                     f"{request.endpoint.path}")
    fields = (*(item for item in request.fields if item[0] != "IsSend"), ("IsSend", "false"))
    return ApiRequest(Endpoint.SEND_SMS_FILTERED, fields, parser=parse_dry_run, recipients=request.recipients,
                      estimated_cost=0.0)


def parse_dry_run(body: bytes) -> SendResult:
    """The answer of a dry run: zero counts and the numbers that already got this text, with FAIL_BATCHID.

    Read leniently where a send's answer is read strictly: nothing was sent, so there is no batch to lose;
    the batch id may be empty and the counts are kept as given. ``-98,<numbers>[,<batches>]`` (every number
    would be dropped) is a result too. Another refusal raises :class:`Every8dApiError`.
    """
    endpoint = Endpoint.SEND_SMS_FILTERED
    text = decode(body, endpoint)
    found = refusal(text)
    if found is not None and found[0] != FILTERED_EVERYTHING:
        raise Every8dApiError(found[0], found[1], endpoint.path)
    if found is not None:
        numbers, _, batches = found[1].partition(",")
        return SendResult(credit=None, sent=0, cost=0.0, unsent=0, batch_id="",
                          filtered=_numbers(numbers, text), fail_batch_ids=split_fail_batch_ids(batches, text,
                                                                                                endpoint))
    parts = text.split(",")
    if len(parts) < 5:
        raise Every8dResponseError(f"expected at least 5 comma-separated fields, got {len(parts)}", excerpt(text),
                                   endpoint.path)
    batch_id = parts[4].strip()
    if batch_id and not BATCH_ID_RE.fullmatch(batch_id):
        raise Every8dResponseError("BATCH_ID is not a batch id", excerpt(text), endpoint.path)
    return SendResult(credit=number(parts[0], "CREDIT", text, endpoint), sent=count(parts[1], "SENDED", text,
                      endpoint), cost=number(parts[2], "COST", text, endpoint), unsent=count(parts[3], "UNSEND",
                      text, endpoint), batch_id=batch_id,
                      filtered=_numbers(parts[5], text) if len(parts) > 5 else (),
                      fail_batch_ids=split_fail_batch_ids(",".join(parts[6:]), text, endpoint))


def _numbers(value: str, text: str) -> tuple[str, ...]:
    numbers = tuple(item.strip() for item in value.split("/") if item.strip())
    for index, item in enumerate(numbers, 1):
        if not re.fullmatch(_NUMBER, item):
            raise Every8dResponseError(f"FAIL_MOBILE entry {index} is not a number", "",
                                       Endpoint.SEND_SMS_FILTERED.path)
    return numbers


def for_api(request: ApiRequest, api_version: str) -> ApiRequest:
    """``request`` as the connection's API version wants it (see the module's docstring)."""
    if api_version != "2.2":
        used = [name for name in ONLY_22 if _has(request, name)]
        if used:
            raise Every8dValidationError(ONLY_22[used[0]], 'needs API 2.2 (set the connection\'s extra '
                                         'api_version to "2.2")')
        return request
    if request.endpoint is Endpoint.SEND_PARAM_SMS:
        return replace(request, endpoint=Endpoint.SEND_PARAM)
    if request.endpoint in (Endpoint.DELIVERY_STATUS, Endpoint.REPLIES):
        fields = (*(item for item in request.fields if item[0] != "RESPFORMAT"), ("RESPFORMAT", "1"))
        return replace(request, fields=fields)
    return request


def _has(request: ApiRequest, name: str) -> bool:
    if request.json_fields is not None:
        return name in request.json_fields
    return any(key == name for key, _ in request.fields)


__all__ = ["duplicates_request", "for_api", "normalize_event_id", "parse_dry_run", "with_event_id"]
