"""Sends (spec 1.1-1.5): validate a request, charge credit, record one message per recipient.

Validation order, so each mistake gets one predictable answer: UID/PWD present (-1), credentials
(-2), required fields (-1), recipients (-306, first bad number), ST/SendTime (-6, -4), endpoint
specifics (MSGID, MMS limits), then the 1.3 duplicate filter (-98 when it leaves nobody).

Charging walks the recipients in request order; from the first one the balance cannot pay for,
that recipient and all after it are UNSENT (not recorded, not charged). A Taiwan-only account's
international recipients are recorded with status 500, charged nothing, and counted as SENT.
An ST/SendTime in the past (up to 24 hours) sends at once; more than 24 hours back is refused (-4).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from . import rules
from .state import Account, MessageRecord, Store

DEFAULT_RETRY_MINUTES = 1440
MMS_TYPES = frozenset({"jpg", "jpeg", "png"})


class ApiError(Exception):
    """A refusal the platform answers as ``-CODE,text``."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(f"{code},{text}")
        self.code = code
        self.text = text


def bad_parameter(detail: str) -> ApiError:
    return ApiError(-1, f"參數錯誤:{detail}")


@dataclass(frozen=True)
class Recipient:
    mobile: str
    text: str
    send_time: datetime | None = None
    name: str = ""
    email: str = ""
    mr: str = ""


@dataclass(frozen=True)
class SendOutcome:
    credit: float
    sent: int
    cost: float
    unsent: int
    batch_id: str
    filtered: tuple[str, ...]


def field(fields: Mapping[str, Any], name: str) -> str:
    """A field by name, case-insensitively (ASP.NET's Request[...] is); missing -> ``""``."""
    for key, value in fields.items():
        if key.upper() == name.upper():
            return "" if value is None else str(value)
    return ""


def authenticate(store: Store, fields: Mapping[str, Any]) -> Account:
    uid, pwd = field(fields, "UID"), field(fields, "PWD")
    if not uid or not pwd:
        raise bad_parameter("UID 及 PWD 為必填")
    account = store.accounts.get(uid)
    if account is None or account.password != pwd:
        raise ApiError(-2, "帳號或密碼錯誤")
    return account


def required(fields: Mapping[str, Any], name: str) -> str:
    value = field(fields, name)
    if not value.strip():
        raise bad_parameter(f"{name} 不可空白")
    return value


def phone(raw: str) -> str:
    try:
        return rules.normalise_phone(raw)
    except rules.PhoneError:
        raise ApiError(-306, f"手機格式不符:{raw}") from None


def send_time(value: str, now: datetime, name: str = "ST") -> datetime | None:
    """Empty -> None (now). Else ``yyyyMMddHHmmss`` Taiwan time; -6 on format, -4 if > 24 h ago."""
    value = value.strip()
    if not value:
        return None
    try:
        moment = rules.parse_compact_time(value)
    except ValueError:
        raise ApiError(-6, f"{name} 預約時間格式錯誤:{value}") from None
    if moment < now - timedelta(hours=24):
        raise ApiError(-4, f"{name} 預約時間已逾期 24 小時以上:{value}")
    return moment


def present(fields: Mapping[str, Any], name: str) -> bool:
    """Whether the request carries the field at all (even empty), case-insensitively."""
    return any(key.upper() == name.upper() for key in fields)


def retry_minutes(fields: Mapping[str, Any], strict: bool) -> int:
    """RETRYTIME: missing means the default 1,440 ("若未指定"); empty is refused when strict (only ST is
    documented as taking an empty string), else read as missing."""
    value = field(fields, "RETRYTIME").strip()
    if not value and present(fields, "RETRYTIME") and strict:
        raise bad_parameter("RETRYTIME 不可為空字串(未指定時請省略,預設 1440 分鐘)")
    if not value:
        return DEFAULT_RETRY_MINUTES
    if not re.fullmatch(r"\d{1,6}", value) or int(value) <= 0:
        raise bad_parameter(f"RETRYTIME 須為正整數(分鐘):{value}")
    return int(value)


def destinations(fields: Mapping[str, Any]) -> list[str]:
    raw = required(fields, "DEST")
    return [phone(item.strip()) for item in raw.split(",") if item.strip()]


def accept(
    store: Store,
    account: Account,
    endpoint: str,
    kind: str,
    recipients: Sequence[Recipient],
    price: Callable[[Recipient], float],
    subject: str,
    retry_time: int,
    msgid: str = "",
    filter_duplicates: bool = False,
) -> SendOutcome:
    """Filter, charge and record; the caller holds ``store.lock``."""
    now = store.clock.now()
    filtered: list[str] = []
    chosen: list[Recipient] = []
    seen: set[tuple[str, str]] = set()
    for recipient in recipients:
        key = (recipient.mobile, recipient.text)
        if filter_duplicates and (key in seen or store.recently_sent(account.uid, *key, now)):
            filtered.append(rules.local_form(recipient.mobile))
            continue
        seen.add(key)
        chosen.append(recipient)
    if filter_duplicates and not chosen:
        raise ApiError(-98, "/".join(filtered))
    batch = store.new_batch(store.new_batch_id(account), account.uid, endpoint, kind)
    sent = unsent = 0
    cost = 0.0
    for recipient in chosen:
        blocked = kind == "sms" and not rules.is_taiwan(recipient.mobile) and not account.international
        points = 0.0 if blocked else float(price(recipient))
        if unsent or points > account.credit + 1e-9:
            unsent += 1
            continue
        account.credit -= points
        cost += points
        sent += 1
        booked = recipient.send_time is not None and recipient.send_time > now
        message = MessageRecord(
            batch_id=batch.batch_id,
            uid=account.uid,
            endpoint=endpoint,
            kind=kind,
            mobile=recipient.mobile,
            text=recipient.text,
            subject=subject,
            accepted_at=now,
            send_time=recipient.send_time if booked and recipient.send_time else now,
            booked=booked,
            retry_time=retry_time,
            msgid=msgid,
            mr=recipient.mr,
            name=recipient.name,
            email=recipient.email,
            cost=points,
        )
        store.add_message(batch, message, international_blocked=blocked)
    store.refresh()
    return SendOutcome(account.credit, sent, cost, unsent, batch.batch_id, tuple(filtered))


def send_sms(store: Store, endpoint: str, fields: Mapping[str, Any]) -> SendOutcome:
    """1.1, 1.3 (``sendSMS4FilterMessage``) and 1.4 (``sendSMSWithMsgID``)."""
    account = authenticate(store, fields)
    text = required(fields, "MSG")
    numbers = destinations(fields)
    if not numbers:
        raise bad_parameter("DEST 不可空白")
    when = send_time(field(fields, "ST"), store.clock.now())
    retry_time = retry_minutes(fields, store.modes.strict)
    msgid = ""
    if endpoint == "sendSMSWithMsgID":
        msgid = field(fields, "MSGID").strip()
        if not re.fullmatch(r"\d{20}", msgid):
            raise bad_parameter(f"MSGID 須為 20 位數字:{msgid}")
        if len(numbers) != 1:
            raise bad_parameter("DEST 僅能填入一支電話")
    recipients = [Recipient(number, text, when) for number in numbers]
    return accept(
        store,
        account,
        endpoint,
        "sms",
        recipients,
        lambda r: rules.sms_points(r.text, not rules.is_taiwan(r.mobile)),
        field(fields, "SB"),
        retry_time,
        msgid,
        filter_duplicates=endpoint == "sendSMS4FilterMessage",
    )


def send_mms(store: Store, endpoint: str, fields: Mapping[str, Any]) -> SendOutcome:
    """1.2: subject 15 chars (95 if pure ASCII), message 4,000 chars, 300 KiB, Taiwan numbers only."""
    account = authenticate(store, fields)
    subject, text = field(fields, "SB"), field(fields, "MSG")
    limit = 95 if subject.isascii() else 15
    if len(subject) > limit:
        raise bad_parameter(f"SB 主旨超過 {limit} 字")
    if len(text) > 4000:
        raise ApiError(-5, "MSG 內容長度超過 4000 字")
    kind = field(fields, "TYPE").strip().lower()
    if kind not in MMS_TYPES:
        raise bad_parameter(f"TYPE 須為 jpg/jpeg/png:{field(fields, 'TYPE')}")
    try:
        image = base64.b64decode(re.sub(r"\s", "", required(fields, "ATTACHMENT")), validate=True)
    except (binascii.Error, ValueError):
        raise bad_parameter("ATTACHMENT 非 base64 編碼") from None
    points = rules.mms_points(len(image) + len(text.encode("utf-8")))
    if points is None:
        raise ApiError(-5, "圖加文大小超過 300KB")
    numbers = destinations(fields)
    foreign = next((n for n in numbers if not rules.is_taiwan(n)), None)
    if foreign is not None:
        raise ApiError(-306, f"手機格式不符:{foreign}")
    if not numbers:
        raise bad_parameter("DEST 不可空白")
    when = send_time(field(fields, "ST"), store.clock.now())
    retry_time = retry_minutes(fields, store.modes.strict)
    recipients = [Recipient(number, text, when) for number in numbers]
    return accept(store, account, endpoint, "mms", recipients, lambda r: points, subject, retry_time)
