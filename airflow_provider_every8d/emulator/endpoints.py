"""One function per endpoint: fields in, answer body out (no HTTP here).

Endpoint names are the path after ``/API21/HTTP/`` without ``.ashx``, as the spec spells them
(``sendSMS``, ``MMS/getDeliveryStatus`` ...); the HTTP layer matches paths case-insensitively.

Error codes the emulator answers (``-CODE,text``; 1.5 wraps them in its JSON envelope):

======  ==============================================================================
-1      a parameter is missing or malformed (UID/PWD absent, MSG, DEST, PNO, BID,
        RETRYTIME, MSGID not 20 digits, several DEST on 1.4, MMS TYPE/ATTACHMENT/SB,
        1.5 Param/Mr/RecipientDataList); the text names the field
-2      UID/PWD do not match an account (``-2,帳號或密碼錯誤``)
-4      ST/SendTime more than 24 hours in the past
-5      MMS message over 4,000 characters or image + text over 300 KiB
-6      ST/SendTime not ``yyyyMMddHHmmss``
-98     1.3: every recipient was filtered (``-98,0900000678/0900000444``)
-99     anything unexpected inside the emulator (``-99,主機端發生不明錯誤``)
-2 ...  in the ``refusal_style`` and ``error_encoding`` of the emulator's modes (see ``modes``)
-306    a recipient is not a valid number, or not a Taiwan one for MMS (``-306,手機格式不符:0912``)
======  ==============================================================================
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import formatting, rules
from .modes import Modes
from .param_sms import send_param_sms
from .sending import ApiError, SendOutcome, authenticate, bad_parameter, field, required, send_mms, send_sms
from .state import Account, Batch, Store

TEXT = "text/plain; charset=utf-8"
JSON = "application/json; charset=utf-8"


@dataclass(frozen=True)
class Answer:
    body: str
    content_type: str = TEXT
    encoding: str = "utf-8"


Handler = Callable[[Store, str, Mapping[str, Any]], Answer]


def _send_answer(outcome: SendOutcome, endpoint: str, fields: Mapping[str, Any]) -> str:
    extra: tuple[str, ...] = ()
    if endpoint == "sendSMS4FilterMessage":
        extra = ("/".join(outcome.filtered),)
    elif endpoint == "sendSMSWithMsgID":
        extra = (field(fields, "MSGID").strip(),)
    return formatting.send_answer(outcome.credit, outcome.sent, outcome.cost, outcome.unsent, outcome.batch_id, *extra)


def _sms(store: Store, endpoint: str, fields: Mapping[str, Any]) -> Answer:
    return Answer(_send_answer(send_sms(store, endpoint, fields), endpoint, fields))


def _mms(store: Store, endpoint: str, fields: Mapping[str, Any]) -> Answer:
    return Answer(_send_answer(send_mms(store, endpoint, fields), endpoint, fields))


def _param(store: Store, endpoint: str, fields: Mapping[str, Any]) -> Answer:
    try:
        outcome = send_param_sms(store, endpoint, fields)
    except ApiError as exc:
        return Answer(formatting.json_answer(False, str(exc.code), exc.text, store.modes.json_style), JSON)
    answer = _send_answer(outcome, endpoint, fields)
    return Answer(formatting.json_answer(True, "0", answer, store.modes.json_style), JSON)


def _page(fields: Mapping[str, Any]) -> int:
    value = field(fields, "PNO").strip()
    if not value:
        return 1
    if not re.fullmatch(r"\d{1,9}", value) or int(value) < 1:
        raise bad_parameter(f"PNO 須為正整數:{value}")
    return int(value)


def _own_batch(store: Store, account: Account, fields: Mapping[str, Any], kind: str) -> Batch | None:
    batch = store.batches.get(required(fields, "BID").strip())
    if batch is None or batch.uid != account.uid or batch.kind != kind:
        return None
    return batch


def _visible(store: Store, batch: Batch | None) -> Batch | None:
    """The batch, or None while its rows are not visible yet (mode ``visible_after``)."""
    if batch is None or (store.clock.now() - batch.created).total_seconds() < store.modes.visible_after:
        return None
    return batch


def _page_answer(store: Store, total: int, rows: list[list[str]]) -> Answer:
    """A page; without rows, ``0`` or (mode ``empty_pages``) an empty body."""
    if not rows and store.modes.empty_pages:
        return Answer("")
    return Answer(formatting.table(total, rows, flatten_tabs=store.modes.free_text == "flatten"))


def status_handler(kind: str, page_size: Callable[[], int]) -> Handler:
    """2.2 (``kind="sms"``) and 2.3 (``"mms"``): first line the batch's total rows, then one page."""

    def handle(store: Store, endpoint: str, fields: Mapping[str, Any]) -> Answer:
        account = authenticate(store, fields)
        page = _page(fields)
        store.refresh()
        batch = _visible(store, _own_batch(store, account, fields, kind))
        if batch is None:
            return _page_answer(store, 0, [])
        size = page_size()
        columns = account.status_columns if kind == "sms" else 5
        chunk = batch.messages[(page - 1) * size : page * size]
        rows = [
            [
                m.name,
                m.mobile,
                rules.report_time(m.send_time),
                formatting.row_cost(m.cost),
                str(m.status),
                rules.report_time(m.received_time) if m.received_time else "",
            ][:columns]
            for m in chunk
        ]
        total = len(batch.messages)
        if store.modes.count_parts:  # the count line in SMS parts, the rows one per message
            total = sum(rules.sms_parts(m.text, m.mobile) for m in batch.messages)
        return _page_answer(store, total, rows)

    return handle


def replies_handler(page_size: Callable[[], int]) -> Handler:
    """2.4: first line the batch's total replies, then one page of NAME MOBILE CONTENT SEND_TIME."""

    def handle(store: Store, endpoint: str, fields: Mapping[str, Any]) -> Answer:
        account = authenticate(store, fields)
        page = _page(fields)
        store.refresh()
        batch = _visible(store, _own_batch(store, account, fields, "sms"))
        if batch is None:
            return _page_answer(store, 0, [])
        replies = [r for r in store.replies if r.batch_id == batch.batch_id]
        size = page_size()
        chunk = replies[(page - 1) * size : page * size]
        rows = [[r.name, r.mobile, r.content, rules.report_time(r.time)] for r in chunk]
        return _page_answer(store, len(replies), rows)

    return handle


def _credit(store: Store, endpoint: str, fields: Mapping[str, Any]) -> Answer:
    return Answer(formatting.credit_text(authenticate(store, fields).credit))


def erase_handler(kind: str) -> Handler:
    """3.2 / 3.3: cancel the batch's bookings whose time has not come, refund them."""

    def handle(store: Store, endpoint: str, fields: Mapping[str, Any]) -> Answer:
        account = authenticate(store, fields)
        store.refresh()
        batch = _own_batch(store, account, fields, kind)
        if batch is None:
            return Answer("")
        booked = [m for m in batch.messages if m.status == rules.STATUS_BOOKED]
        refunded = 0.0
        for message in booked:
            store.cancel(message)
            refunded += message.cost
        account.credit += refunded
        return Answer(formatting.erase_answer(len(booked), refunded))

    return handle


def build_routes(status_page_size: Callable[[], int], reply_page_size: Callable[[], int]) -> dict[str, Handler]:
    """Canonical endpoint name -> handler."""
    return {
        "sendSMS": _sms,
        "MMS/sendMMS": _mms,
        "sendSMS4FilterMessage": _sms,
        "sendSMSWithMsgID": _sms,
        "SendParamSMS": _param,
        "getDeliveryStatus": status_handler("sms", status_page_size),
        "MMS/getDeliveryStatus": status_handler("mms", status_page_size),
        "getReplyMessage": replies_handler(reply_page_size),
        "getCredit": _credit,
        "eraseBooking": erase_handler("sms"),
        "MMS/eraseBooking": erase_handler("mms"),
    }


JSON_ENDPOINTS = frozenset({"SendParamSMS", "SendParam", "ConnectionHandler"})
"""JSON bodies: 1.5 (``SendParam`` in API 2.2 mode) and 2.2's token endpoint."""
SEND_ENDPOINTS = frozenset({"sendSMS", "MMS/sendMMS", "sendSMS4FilterMessage", "sendSMSWithMsgID"})


def error_answer(endpoint: str, code: int, text: str, modes: Modes | None = None) -> Answer:
    """An error in the endpoint's own format (1.5: JSON envelope), in the modes' style and encoding;
    1.3's ``-98,<numbers>`` is data, always in the plain style."""
    modes = modes or Modes()
    if endpoint in JSON_ENDPOINTS:
        return Answer(formatting.json_answer(False, str(code), text, modes.json_style), JSON)
    style = "comma" if code == -98 else modes.refusal_style
    body = formatting.error(code, text, style, send=endpoint in SEND_ENDPOINTS, batch_id=str(uuid.uuid4()))
    if modes.error_encoding == "big5":
        return Answer(body, "text/plain; charset=big5", "cp950")
    return Answer(body)


def dispatch(routes: Mapping[str, Handler], store: Store, endpoint: str, fields: Mapping[str, Any]) -> Answer:
    """Run one endpoint under the store's lock; refusals and surprises become error answers."""
    try:
        with store.lock:
            return routes[endpoint](store, endpoint, fields)
    except ApiError as exc:
        return error_answer(endpoint, exc.code, exc.text, store.modes)
    except Exception:  # garbage must never crash the server; the spec's -99
        return error_answer(endpoint, -99, "主機端發生不明錯誤", store.modes)
