"""The platform's rules as the emulator reads them: phones, prices, times and per-number outcomes.

Written independently of ``airflow_provider_every8d.protocol`` on purpose: tests that run the
client against the emulator must check the wire (docs/wire-decisions.md), not the client's code
against itself. Everything here is pure (no I/O, no clock).

Outcome by the LAST THREE DIGITS of the recipient's number (an MMS ends in 700 where an SMS gets 100):

=============  ==========================================================================
ends with      final status
=============  ==========================================================================
``101``-``107``  that failure code (e.g. ``0900000103`` -> 103, empty number)
``999``        stays ``0`` (at the carrier) forever: never terminal, for timeout tests
``998``        ``100`` delivered, and the recipient replies ``Y`` one delivery period later
anything else  ``100`` delivered
=============  ==========================================================================

International numbers (not +886) on an account without international SMS get ``500`` at once.
"""

from __future__ import annotations

import re
import zlib
from datetime import datetime, timedelta, timezone

TAIPEI = timezone(timedelta(hours=8), "Asia/Taipei")
"""The platform's clock zone. Taiwan has had no daylight saving since 1979, so a fixed offset is exact."""

STATUS_AT_CARRIER = 0
STATUS_DELIVERED = 100
STATUS_BOOKED = 300
STATUS_CANCELLED = 303
STATUS_INTERNATIONAL_DISABLED = 500
STATUS_MMS_SENT = 700
STATUS_REPLY = 999
"""Only in the delivery-report push: STATUS=999 means SM carries a reply."""

TERMINAL_SMS = frozenset({100, 101, 102, 103, 104, 105, 106, 107, 303, 500})
TERMINAL_MMS = frozenset({700, 303, 101, 102, 103, 104, 105, 106, 107})

OUTCOME_NEVER = "never"
OUTCOME_REPLY = "reply"

_SEPARATORS = re.compile(r"[\s\-().]")
_TAIWAN_LOCAL = re.compile(r"09\d{8}")
_TAIWAN_E164 = re.compile(r"\+?8869\d{8}")
_INTERNATIONAL = re.compile(r"\+(\d{8,15})")

SMS_PART_CHARS = 333
_SMS_TABLE = ((70, 1), (134, 2), (201, 3), (268, 4), (333, 5))
MMS_SMALL_BYTES = 51_200
MMS_LARGE_BYTES = 307_200


class PhoneError(ValueError):
    """A recipient that is neither a Taiwan mobile nor an international number."""


def normalise_phone(raw: str) -> str:
    """Return the number in E.164 form (``+886900000678`` or ``+<cc>...``).

    Taiwan mobiles are accepted as ``09xxxxxxxx``, ``+8869xxxxxxxx`` or ``8869xxxxxxxx``;
    international ones only with a leading ``+`` and 8-15 digits in all. Spaces, ``-``, ``(``,
    ``)`` and ``.`` are ignored. Raises PhoneError otherwise.
    """
    number = _SEPARATORS.sub("", raw)
    if _TAIWAN_LOCAL.fullmatch(number):
        return "+886" + number[1:]
    if _TAIWAN_E164.fullmatch(number):
        return "+" + number.lstrip("+")
    match = _INTERNATIONAL.fullmatch(number)
    if match and not match.group(1).startswith("886"):
        return number
    raise PhoneError(raw)


def is_taiwan(e164: str) -> bool:
    """Whether a normalised number is a Taiwan (+886) one."""
    return e164.startswith("+886")


def local_form(e164: str) -> str:
    """``+886900000678`` -> ``0900000678``; international numbers unchanged (as FAIL_MOBILE lists them)."""
    return "0" + e164[4:] if is_taiwan(e164) else e164


def sms_points(text: str, international: bool = False) -> int:
    """Points charged per recipient for an SMS of ``len(text)`` characters.

    The spec's table (1-70: 1 ... 269-333: 5); longer texts are split into 333-character parts,
    each priced by the table. International recipients pay three times the Taiwan price.
    """
    points = 0
    remaining = len(text)
    while remaining > 0:
        part = min(remaining, SMS_PART_CHARS)
        points += next(price for limit, price in _SMS_TABLE if part <= limit)
        remaining -= part
    return points * (3 if international else 1)


def mms_points(size_bytes: int) -> int | None:
    """Points for an MMS of attachment + UTF-8 message bytes; None when over 300 KiB (refused)."""
    if size_bytes <= MMS_SMALL_BYTES:
        return 3
    if size_bytes <= MMS_LARGE_BYTES:
        return 5
    return None


def outcome_for(e164: str) -> int | str:
    """The final status an SMS to this number reaches (see the module table)."""
    tail = e164[-3:]
    if tail in {"101", "102", "103", "104", "105", "106", "107"}:
        return int(tail)
    if tail == "999":
        return OUTCOME_NEVER
    if tail == "998":
        return OUTCOME_REPLY
    return STATUS_DELIVERED


def mms_final(e164: str) -> int:
    """The status an MMS to this number ends in: the failure code for numbers ending 101-107 (the 2.2
    appendix covers SMS and MMS together), 700 sent otherwise."""
    outcome = outcome_for(e164)
    return outcome if isinstance(outcome, int) and outcome != STATUS_DELIVERED else STATUS_MMS_SENT


SMS_PART_LENGTH = 67
"""Characters per part of a split international SMS (a concatenated UCS-2 part), mode ``count_parts``."""


def sms_parts(text: str, e164: str) -> int:
    """How many SMS an international text over 70 characters goes out as; 1 for every Taiwan text."""
    if is_taiwan(e164) or len(text) <= 70:
        return 1
    return -(-len(text) // SMS_PART_LENGTH)


def jitter_factor(e164: str) -> float:
    """A factor in [0.5, 1.5], fixed per number, so a batch's deliveries spread out reproducibly."""
    return 0.5 + (zlib.crc32(e164.encode()) % 1001) / 1000


def parse_compact_time(value: str) -> datetime:
    """``yyyyMMddHHmmss`` (Taiwan time) -> aware datetime. Raises ValueError on any other shape."""
    if not re.fullmatch(r"\d{14}", value):
        raise ValueError(value)
    return datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=TAIPEI)


def compact_time(moment: datetime) -> str:
    """Aware datetime -> ``yyyyMMddHHmmss`` in Taiwan time (push RT and ST)."""
    return moment.astimezone(TAIPEI).strftime("%Y%m%d%H%M%S")


def dotnet_time(moment: datetime) -> str:
    """Aware datetime -> ``2021/6/1 下午 02:25:55``: how a zh-TW .NET server writes a time (mode ``push_style``)."""
    local = moment.astimezone(TAIPEI)
    half = "上午" if local.hour < 12 else "下午"
    clock = f"{local.hour % 12 or 12:02d}:{local.minute:02d}:{local.second:02d}"
    return f"{local.year}/{local.month}/{local.day} {half} {clock}"


def report_time(moment: datetime) -> str:
    """Aware datetime -> ``yyyy/MM/dd HH:mm:ss`` in Taiwan time (status and reply rows)."""
    return moment.astimezone(TAIPEI).strftime("%Y/%m/%d %H:%M:%S")
