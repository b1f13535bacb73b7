"""1.5 ``SendParamSMS``: a JSON body with one entry per recipient.

Two modes, chosen by MSG:
- parameterised: MSG holds ``%field1%``..``%field5%``; each recipient's ``Param`` must carry
  exactly five values joined by ``|`` (four separators; the spec says they may not be omitted,
  so the emulator refuses any other count with -1 even though one spec example shows three);
- personalised: MSG is empty and ``Param`` is that recipient's whole message.

Each recipient may have its own ``SendTime``; ``Mr`` values, when given, must be unique in the
request (-1 otherwise). The price is computed on each recipient's final text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import rules
from .sending import (
    Recipient,
    SendOutcome,
    accept,
    authenticate,
    bad_parameter,
    field,
    phone,
    retry_minutes,
    send_time,
)
from .state import Store

PARAM_COUNT = 5


def substitute(template: str, params: str) -> str:
    """Fill ``%field1%``..``%field5%`` from a ``|``-joined parameter string."""
    values = params.split("|")
    text = template
    for index, value in enumerate(values, start=1):
        text = text.replace(f"%field{index}%", value)
    return text


def send_param_sms(store: Store, endpoint: str, body: Mapping[str, Any]) -> SendOutcome:
    account = authenticate(store, body)
    template = field(body, "MSG")
    entries = next((v for k, v in body.items() if k.lower() == "recipientdatalist"), None)
    if not isinstance(entries, list) or not entries:
        raise bad_parameter("RecipientDataList 不可空白")
    now = store.clock.now()
    recipients: list[Recipient] = []
    used_mr: set[str] = set()
    for index, entry in enumerate(entries):
        where = f"RecipientDataList[{index}]"
        if not isinstance(entry, Mapping):
            raise bad_parameter(f"{where} 須為物件")
        mobile_raw = field(entry, "Mobile").strip()
        if not mobile_raw:
            raise bad_parameter(f"{where}.Mobile 不可空白")
        mobile = phone(mobile_raw)
        params = field(entry, "Param")
        if template:
            if params.count("|") != PARAM_COUNT - 1:
                raise bad_parameter(f"{where}.Param 須為 5 組參數(以 | 分隔):{params}")
            text = substitute(template, params)
        else:
            text = params
        if not text.strip():
            raise bad_parameter(f"{where}.Param 不可空白")
        mr = field(entry, "Mr").strip()
        if mr:
            if mr in used_mr:
                raise bad_parameter(f"{where}.Mr 重複:{mr}")
            used_mr.add(mr)
        recipients.append(
            Recipient(
                mobile=mobile,
                text=text,
                send_time=send_time(field(entry, "SendTime"), now, f"{where}.SendTime"),
                name=field(entry, "Name"),
                email=field(entry, "Email"),
                mr=mr,
            )
        )
    return accept(
        store,
        account,
        endpoint,
        "sms",
        recipients,
        lambda r: rules.sms_points(r.text, not rules.is_taiwan(r.mobile)),
        field(body, "SB"),
        retry_minutes(body, store.modes.strict),
    )
