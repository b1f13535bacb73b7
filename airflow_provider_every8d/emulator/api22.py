"""The emulator's API 2.2 mode (``Every8dEmulator(api_version="2.2")``, ``--api 2.2``).

What it adds to the 2.1 emulator, with its own formatting code (docs/api-2.2.md, docs/wire-decisions.md):

- ``ConnectionHandler.ashx``: ``{"HandlerType": 3, "VerifyType": 1, "UID", "PWD"}`` gets a token
  (``{"Result": true, "Msg": "<token>"}``), ``VerifyType`` 2 checks and 3 closes the bearer token of the
  ``Authorization`` header; failures ``{"Result": false, "Status": "-2", "Msg": ...}``. A token expires
  ``token_lifetime`` seconds after it was got, on the emulator's clock (``advance()`` moves it), or when
  closed, or with :meth:`TokenBook.expire_all`.
- Every endpoint takes ``Authorization: Bearer <token>`` instead of UID/PWD (either works, as the vendor
  says). A refused token gets the endpoint's own refusal with code -2 (``-2,Token ...``; 1.5: the JSON
  envelope): the platform's "wrong account or password", since the token stands for both.
- ``RESPFORMAT=1`` on 2.2 status and 2.4 replies: JSON (``SMS_COUNT``, ``BID``, ``DATA`` with ``MR`` and
  ``REAL_COST``); 1.3's answer gets its 7th field FAIL_BATCHID and ``IsSend=false`` (a dry run: nothing
  recorded, nothing charged); ``EventID`` appends a 17-character reply link to every text (and is priced
  so); 1.5 answers at ``SendParam.ashx`` (``SendParamSMS.ashx`` is gone in this mode).
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from . import formatting, rules
from .endpoints import JSON, Answer, Handler, _own_batch, _page, _visible
from .sending import ApiError, authenticate, bad_parameter, destinations, field, required
from .state import Account, Store

BEARER_FIELD = "\x00bearer"
"""Where the HTTP layer puts the ``Authorization: Bearer`` token among a request's fields (a name no form
or JSON field can collide with in practice, never recorded)."""
LINK_PREFIX = " e8d.tw/r/"
LINK_LENGTH = 17
"""The reply link the platform appends for an EventID: 17 characters with its leading space."""
DEFAULT_TOKEN_LIFETIME = 8 * 3600.0


@dataclass
class TokenRecord:
    uid: str
    issued: datetime
    closed: bool = False


class TokenBook:
    """The tokens the emulator handed out; each maps to its account until it expires or is closed."""

    def __init__(self, store: Store, lifetime: float) -> None:
        self.store = store
        self.lifetime = lifetime
        self.tokens: dict[str, TokenRecord] = {}
        self.lock = threading.Lock()

    def issue(self, uid: str) -> str:
        token = secrets.token_urlsafe(32)
        with self.lock:
            self.tokens[token] = TokenRecord(uid, self.store.clock.now())
        return token

    def account(self, token: str) -> Account:
        """The token's account; ApiError -2 for an unknown, expired or closed token."""
        with self.lock:
            record = self.tokens.get(token)
        if record is None or record.closed:
            raise ApiError(-2, "Token 無效或已關閉")
        if self.store.clock.now() - record.issued >= timedelta(seconds=self.lifetime):
            raise ApiError(-2, "Token 已過期")
        account = self.store.accounts.get(record.uid)
        if account is None:
            raise ApiError(-2, "Token 無效")
        return account

    def close(self, token: str) -> None:
        self.account(token)
        with self.lock:
            self.tokens[token].closed = True

    def expire_all(self) -> None:
        """Every token issued so far is refused from now on (a platform restart, a lifetime reached)."""
        with self.lock:
            for record in self.tokens.values():
                record.closed = True

    @property
    def issued(self) -> int:
        with self.lock:
            return len(self.tokens)


def bearer(headers: Mapping[str, str]) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (any case), or None."""
    value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    scheme, _, token = value.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def authenticated(store: Store, fields: Mapping[str, Any]) -> Account:
    """The bearer token's account when the request has one, else UID/PWD's (2.1's rule)."""
    token = fields.get(BEARER_FIELD)
    book: TokenBook | None = getattr(store, "tokens", None)
    if token is not None and book is not None:
        return book.account(str(token))
    return authenticate(store, fields)


def _json_failure(code: int, text: str) -> Answer:
    return Answer(json.dumps({"Result": False, "Status": str(code), "Msg": text}, ensure_ascii=False), JSON)


def connection_handler(store: Store, endpoint: str, fields: Mapping[str, Any]) -> Answer:
    book: TokenBook = store.tokens  # type: ignore[attr-defined]
    if str(field(fields, "HandlerType")).strip() != "3":
        return _json_failure(-1, "參數錯誤:HandlerType 須為 3")
    verify = str(field(fields, "VerifyType")).strip()
    try:
        if verify == "1":
            account = authenticate(store, fields)
            return Answer(json.dumps({"Result": True, "Msg": book.issue(account.uid)}), JSON)
        token = fields.get(BEARER_FIELD)
        if token is None:
            return _json_failure(-2, "缺少 Authorization: Bearer")
        if verify == "2":
            book.account(str(token))
        elif verify == "3":
            book.close(str(token))
        else:
            return _json_failure(-1, f"參數錯誤:VerifyType 須為 1、2 或 3:{verify}")
    except ApiError as error:
        return _json_failure(error.code, error.text)
    return Answer(json.dumps({"Result": True}), JSON)


def _json_time(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def _json_page(store: Store, fields: Mapping[str, Any], kind: str) -> tuple[Any, int, str]:
    account = authenticated(store, fields)
    page = _page(fields)
    store.refresh()
    return _visible(store, _own_batch(store, account, fields, kind)), page, required(fields, "BID").strip()


def _status_rows(store: Store, batch: Any) -> list[dict[str, Any]]:
    return [{"MR": m.mr or f"{index:08d}", "NAME": m.name, "MOBILE": m.mobile,
             "SEND_TIME": _json_time(m.send_time), "COST": m.cost, "STATUS": m.status,
             "REAL_COST": 0.0 if m.status == 303 else m.cost, "RECEIVED_TIME": _json_time(m.received_time)}
            for index, m in enumerate(batch.messages, 1)]


def _reply_rows(store: Store, batch: Any) -> list[dict[str, Any]]:
    return [{"NAME": r.name, "MOBILE": r.mobile, "CONTENT": r.content, "RECEIVED_TIME": _json_time(r.time)}
            for r in store.replies if r.batch_id == batch.batch_id]


def _json_report(rows: Callable[[Store, Any], list[dict[str, Any]]], page_size: Callable[[], int],
                 text_handler: Handler) -> Handler:
    """A report endpoint that answers JSON for ``RESPFORMAT=1`` (TAB, 2.1's format, for 0 or none):
    ``{"SMS_COUNT": all rows, "BID", "DATA": this page's rows}``; an unknown batch is ``SMS_COUNT`` 0."""

    def handle(store: Store, endpoint: str, fields: Mapping[str, Any]) -> Answer:
        if field(fields, "RESPFORMAT").strip() != "1":
            return text_handler(store, endpoint, fields)
        batch, page, bid = _json_page(store, fields, "sms")
        if batch is None:
            return Answer(json.dumps({"SMS_COUNT": 0, "BID": bid}), JSON)
        every, size = rows(store, batch), page_size()
        data = every[(page - 1) * size: page * size]
        return Answer(json.dumps({"SMS_COUNT": len(every), "BID": bid, "DATA": data}, ensure_ascii=False), JSON)

    return handle


def json_status(page_size: Callable[[], int], text_handler: Handler) -> Handler:
    """2.2 with ``RESPFORMAT=1``: the JSON status report."""
    return _json_report(_status_rows, page_size, text_handler)


def json_replies(page_size: Callable[[], int], text_handler: Handler) -> Handler:
    """2.4 with ``RESPFORMAT=1``: replies as JSON."""
    return _json_report(_reply_rows, page_size, text_handler)


def _earlier_batch(store: Store, uid: str, mobile: str, text: str) -> str:
    """The newest batch of the last 24 hours that sent ``text`` to ``mobile`` (FAIL_BATCHID)."""
    since = store.clock.now() - timedelta(hours=24)
    for message in reversed(store.messages):
        if (message.uid, message.mobile, message.text) == (uid, mobile, text) and message.accepted_at >= since:
            return message.batch_id
    return ""


def with_link(fields: Mapping[str, Any], json_body: bool) -> Mapping[str, Any]:
    """The fields with the EventID's reply link appended to the text (MSG, or each personalised Param)."""
    event = str(field(fields, "EventID")).strip()
    if not event:
        return fields
    if event != "-1" and not event.replace("-", "").replace("_", "").isalnum():
        raise bad_parameter(f"EventID 格式錯誤:{event}")
    link = LINK_PREFIX + (event.lstrip("-") or "d").rjust(LINK_LENGTH - len(LINK_PREFIX), "0")[-7:]
    changed = dict(fields)
    key = next((k for k in fields if k.upper() == "MSG"), "MSG")
    if str(fields.get(key) or ""):
        changed[key] = str(fields[key]) + link
    elif json_body:
        changed["RecipientDataList"] = [{**item, "Param": str(item.get("Param") or "") + link}
                                        for item in fields.get("RecipientDataList") or () if isinstance(item, dict)]
    return changed


def filtered_send(text_handler: Handler) -> Handler:
    """1.1 and 1.3 on 2.2: EventID; 1.3's FAIL_BATCHID and its ``IsSend=false`` dry run."""

    def handle(store: Store, endpoint: str, fields: Mapping[str, Any]) -> Answer:
        fields = with_link(_with_account(store, fields), json_body=False)
        if endpoint != "sendSMS4FilterMessage":
            return text_handler(store, endpoint, fields)
        account = store.accounts[field(fields, "UID")]
        text = required(fields, "MSG")
        numbers = destinations(fields)
        dry_run = str(field(fields, "IsSend")).strip().lower() in ("false", "0")
        if dry_run:
            earlier = [(n, _earlier_batch(store, account.uid, n, text)) for n in numbers]
            found = [(rules.local_form(n), b) for n, b in earlier if b]
            return Answer(",".join([formatting.credit_text(account.credit), "0", "0", "0", "",
                                    "/".join(n for n, _ in found), "/".join(b for _, b in found)]))
        before = {n: _earlier_batch(store, account.uid, n, text) for n in numbers}
        try:
            answer = text_handler(store, endpoint, fields)
        except ApiError as error:
            if error.code != -98:  # every number filtered: -98,<numbers>,<their earlier batches>
                raise
            batches = [before.get(rules.normalise_phone(n), "") for n in error.text.split("/")]
            return Answer(f"-98,{error.text}," + "/".join(b for b in batches if b))
        if answer.body.startswith("-"):
            return answer
        filtered = answer.body.split(",")[5].split("/") if answer.body.count(",") >= 5 else []
        batches = [before.get(rules.normalise_phone(n), "") for n in filtered if n]
        return Answer(answer.body + "," + "/".join(b for b in batches if b))

    return handle


def _with_account(store: Store, fields: Mapping[str, Any]) -> Mapping[str, Any]:
    """A bearer request's fields with its account's UID/PWD filled in, so the 2.1 code can serve it."""
    if fields.get(BEARER_FIELD) is None:
        authenticate(store, fields)
        return fields
    account = authenticated(store, fields)
    return {**{k: v for k, v in fields.items() if k.upper() not in ("UID", "PWD")}, "UID": account.uid,
            "PWD": account.password}


def bearer_aware(handler: Handler, *, json_body: bool = False) -> Handler:
    """Any 2.1 endpoint served to a bearer token (and EventID added to 1.5's texts)."""

    def handle(store: Store, endpoint: str, fields: Mapping[str, Any]) -> Answer:
        fields = _with_account(store, fields)
        return handler(store, endpoint, with_link(fields, json_body) if json_body else fields)

    return handle


def routes(base: Mapping[str, Handler], status_page_size: Callable[[], int],
           reply_page_size: Callable[[], int]) -> dict[str, Handler]:
    """The 2.1 routes served as 2.2 serves them (see the module's docstring)."""
    served = {name: bearer_aware(handler) for name, handler in base.items() if name != "SendParamSMS"}
    served["SendParam"] = bearer_aware(base["SendParamSMS"], json_body=True)
    served["sendSMS"] = filtered_send(base["sendSMS"])
    served["sendSMS4FilterMessage"] = filtered_send(base["sendSMS4FilterMessage"])
    served["getDeliveryStatus"] = bearer_aware(json_status(status_page_size, base["getDeliveryStatus"]))
    served["getReplyMessage"] = bearer_aware(json_replies(reply_page_size, base["getReplyMessage"]))
    served["ConnectionHandler"] = connection_handler
    return served
