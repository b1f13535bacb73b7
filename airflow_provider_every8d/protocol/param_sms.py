"""Parameterised and personalised SMS (1.5): one JSON request, one entry per recipient.

Parameterised: ``message`` holds ``%field1%`` .. ``%field5%`` and each recipient gives ``params`` (at most
five strings, no ``|`` since that is the separator). Personalised: no ``message``; each recipient gives
its own ``content``. ``Param`` always carries five fields (four ``|``), as the spec's text requires ("the
separator may not be left out"); one of its examples shows three, which we read as a typo.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from airflow_provider_every8d.protocol import parse
from airflow_provider_every8d.protocol.build import validate_message, validate_subject
from airflow_provider_every8d.protocol.endpoints import Endpoint
from airflow_provider_every8d.protocol.errors import Every8dValidationError
from airflow_provider_every8d.protocol.phones import parse_phone
from airflow_provider_every8d.protocol.pricing import sms_points
from airflow_provider_every8d.protocol.request import ApiRequest
from airflow_provider_every8d.protocol.times import format_send_time, validate_retry_time

MAX_PARAMS = 5
RECIPIENT_KEYS = frozenset({"mobile", "name", "email", "send_time", "params", "content", "mr"})


def render(template: str, params: list[str]) -> str:
    """The text a recipient receives: ``%fieldN%`` replaced by the N-th param (empty when missing)."""
    text = template
    for number in range(1, MAX_PARAMS + 1):
        text = text.replace(f"%field{number}%", params[number - 1] if number <= len(params) else "")
    return text


def _params(value: object, field: str) -> list[str]:
    if not isinstance(value, (list, tuple)):
        raise Every8dValidationError(field, f"expected a list of at most {MAX_PARAMS} strings, got "
                                     f"{type(value).__name__}")
    if len(value) > MAX_PARAMS:
        raise Every8dValidationError(field, f"{len(value)} params; the platform takes at most {MAX_PARAMS}")
    params = []
    for index, item in enumerate(value):
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise Every8dValidationError(f"{field}[{index}]", f"expected text, got {type(item).__name__}")
        text = str(item)
        if "|" in text:
            raise Every8dValidationError(f"{field}[{index}]", "'|' is the separator and cannot be in a param")
        params.append(text)
    return params


def _mask_email(email: str) -> str:
    """``someone@example.com`` -> ``s***@example.com``: errors name the value without quoting a person."""
    local, at, domain = email.partition("@")
    return f"{local[:1]}***{at}{domain}"


def _entry(index: int, recipient: object, template: str | None) -> tuple[dict[str, Any], str, bool]:
    field = f"recipients[{index}]"
    if not isinstance(recipient, Mapping):
        raise Every8dValidationError(field, f"expected a dict with 'mobile', got {type(recipient).__name__}")
    unknown = sorted(set(recipient) - RECIPIENT_KEYS)
    if unknown:
        raise Every8dValidationError(field, f"unknown key(s) {unknown}; allowed: {sorted(RECIPIENT_KEYS)}")
    if "mobile" not in recipient:
        raise Every8dValidationError(f"{field}.mobile", "required")
    phone = parse_phone(recipient["mobile"], f"{field}.mobile")
    email = str(recipient.get("email") or "")
    if email and ("@" not in email or " " in email.strip()):
        raise Every8dValidationError(f"{field}.email", f"{_mask_email(email)!r} is not an e-mail address")
    if template is not None:
        if recipient.get("content"):
            raise Every8dValidationError(f"{field}.content", "give either message with params, or content "
                                         "per recipient, not both")
        params = _params(recipient.get("params", []), f"{field}.params")
        param, text = "|".join(params + [""] * (MAX_PARAMS - len(params))), render(template, params)
    else:
        if "params" in recipient:
            raise Every8dValidationError(f"{field}.params", "params need a message with %field1%..%field5%")
        text = param = validate_message(recipient.get("content"), f"{field}.content")
    entry = {"Name": str(recipient.get("name") or ""), "Mobile": phone.wire, "Email": email,
             "SendTime": format_send_time(recipient.get("send_time"), f"{field}.send_time"),
             "Param": param, "Mr": str(recipient.get("mr") or "")}
    return entry, text, phone.international


@dataclass(frozen=True)
class ParamRecipient:
    """One validated recipient entry of a 1.5 request and the points it costs."""

    entry: dict[str, Any]
    points: int

    @property
    def key(self) -> str:
        """A stable key: its number, send time and params (or content). The send-once ledger tells
        recipients apart by it, since one number may get several different messages."""
        e = self.entry
        return hashlib.sha256(f"{e['Mobile']}|{e['SendTime']}|{e['Param']}".encode()).hexdigest()[:24]


def validate_recipients(recipients: object, message: object = None) -> list[ParamRecipient]:
    """Each recipient a dict: ``mobile`` (required), ``name``, ``email``, ``send_time``, and ``params``
    (with ``message``) or ``content`` (without). ``mr`` must be unique, and no number may get the same text
    at the same time twice, within the whole list (so any chunk of it is a valid request)."""
    template = None if message is None or message == "" else validate_message(message)
    if not isinstance(recipients, (list, tuple)) or not recipients:
        raise Every8dValidationError("recipients", "expected a non-empty list of dicts")
    validated, seen_mobiles, seen_mr = [], set(), set()
    for index, recipient in enumerate(recipients):
        entry, text, international = _entry(index, recipient, template)
        if template is not None:
            validate_message(text, f"recipients[{index}] (rendered message)")
        if entry["Mr"]:
            if entry["Mr"] in seen_mr:
                raise Every8dValidationError(f"recipients[{index}].mr", f"{entry['Mr']!r} is used twice")
            seen_mr.add(entry["Mr"])
        key = (entry["Mobile"], text, entry["SendTime"])
        if key in seen_mobiles:
            raise Every8dValidationError(f"recipients[{index}]", "the same message to the same number twice")
        seen_mobiles.add(key)
        validated.append(ParamRecipient(entry, sms_points(text, international)))
    return validated


def request_for(recipients: Sequence[ParamRecipient], message: object = None, subject: object = "",
                retry_time: object = None) -> ApiRequest:
    """1.5 for recipients :func:`validate_recipients` returned (all of them, or a chunk)."""
    template = None if message is None or message == "" else validate_message(message)
    entries = [recipient.entry for recipient in recipients]
    retry = validate_retry_time(retry_time)  # omitted when not given: the platform's default is 1,440
    document = {"SB": validate_subject(subject), "MSG": template or "", "RecipientDataList": entries,
                **({"RETRYTIME": int(retry)} if retry else {})}
    return ApiRequest(Endpoint.SEND_PARAM_SMS, json_fields=document, parser=parse.parse_param_send,
                      recipients=tuple(entry["Mobile"] for entry in entries),
                      estimated_cost=sum(recipient.points for recipient in recipients))


def param_sms_request(recipients: object, message: object = None, subject: object = "",
                      retry_time: object = None) -> ApiRequest:
    """1.5: :func:`validate_recipients`, then :func:`request_for` all of them."""
    return request_for(validate_recipients(recipients, message), message, subject, retry_time)


def recipient_keys(request: ApiRequest) -> list[str]:
    """:attr:`ParamRecipient.key` of every recipient entry of a built 1.5 request, in order."""
    entries = (request.json_fields or {}).get("RecipientDataList", [])
    return [ParamRecipient(entry, 0).key for entry in entries]
