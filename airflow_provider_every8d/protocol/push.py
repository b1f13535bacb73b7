"""The delivery-report push (2.1): EVERY8D calls our URL with a GET for every status change and reply.

The platform retries a push at most 10 times and then drops it, so a report is refused only when it
cannot be attributed: ``BatchID`` or ``STATUS`` missing or malformed. Every other field is kept as it
came (the spec gives no bounds, and a .NET server may write ST/RT as ``2021/6/1 下午 02:25:55``; the 1.4
example echoes a 24-digit MSGID): only bounded against abuse, each value cut at :data:`MAX_VALUE_BYTES`,
and at most :data:`MAX_EXTRA_FIELDS` undocumented fields (``NAME``, ``SOURCE``, ``TYPE`` of the 2.2 spec)
kept in ``extra``. The push carries no signature: whoever receives it must authenticate the URL itself.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping

from airflow_provider_every8d.protocol.errors import Every8dValidationError
from airflow_provider_every8d.protocol.models import BATCH_ID_RE
from airflow_provider_every8d.protocol.phones import canonical
from airflow_provider_every8d.protocol.reports import DeliveryReport

PUSH_FIELDS: dict[str, str] = {
    # query name: DeliveryReport attribute
    "BatchID": "batch_id",
    "RM": "mobile",
    "RT": "report_time",
    "STATUS": "status",
    "SM": "content",
    "MR": "record_no",
    "USERID": "user_id",
    "UserNo": "user_no",
    "ST": "send_time",
    "SUBJECT": "subject",
    "CHARGE": "charge",
    "MSGID": "msg_id",
}
MAX_VALUE_BYTES = 4096
"""A value longer than this (UTF-8) is cut to it, never refused: a refused report is lost for good."""
MAX_EXTRA_FIELDS = 16
MAX_NAME_LENGTH = 64
FREE_TEXT = frozenset({"content", "subject"})
"""Kept exactly as received; every other value has white space around it stripped."""
_LOOKUP = {name.lower(): name for name in PUSH_FIELDS}
_STATUS_RE = re.compile(r"-?\d{1,5}")
_SECRET_NAME_RE = re.compile(r"pass|pwd|token|secret|auth", re.IGNORECASE)
"""Undocumented fields never kept: whatever put them into the URL, they must not land in an asset event."""


def bounded(value: str) -> str:
    """``value`` cut to :data:`MAX_VALUE_BYTES` of UTF-8, never inside a character."""
    if len(value) * 4 <= MAX_VALUE_BYTES:
        return value
    return value.encode("utf-8", "surrogatepass")[:MAX_VALUE_BYTES].decode("utf-8", "ignore")


def _charge(text: str, extra: dict[str, str]) -> float | None:
    """CHARGE as a number; kept as text in ``extra`` when it is not a finite one."""
    if not text:
        return None
    try:
        charge = float(text)
    except ValueError:
        charge = math.nan
    if math.isfinite(charge):
        return charge
    extra["CHARGE"] = text
    return None


def parse_push(query: Mapping[str, str]) -> DeliveryReport:
    """Read one push's query fields (names matched case-insensitively). Raises
    :class:`Every8dValidationError` naming the field only when BatchID or STATUS is missing or malformed."""
    values: dict[str, str] = {}
    extra: dict[str, str] = {}
    for key, value in query.items():
        name = _LOOKUP.get(key.lower())
        if name is None:
            if len(extra) < MAX_EXTRA_FIELDS and 0 < len(key) <= MAX_NAME_LENGTH and not _SECRET_NAME_RE.search(key):
                extra[key] = bounded(value)
            continue
        attribute = PUSH_FIELDS[name]
        values[attribute] = bounded(value if attribute in FREE_TEXT else value.strip())
    batch_id = values.get("batch_id", "")
    if not BATCH_ID_RE.fullmatch(batch_id):
        raise Every8dValidationError("BatchID", "missing or malformed")
    status = values.pop("status", "")
    if not _STATUS_RE.fullmatch(status):
        raise Every8dValidationError("STATUS", f"{status[:6]!r} is not a status code")
    charge = _charge(values.pop("charge", ""), extra)
    values["mobile"] = canonical(values.get("mobile", ""))
    return DeliveryReport(status=int(status), charge=charge, extra=extra, **values)  # type: ignore[arg-type]


_KEY_FIELDS = ("batch_id", "record_no", "status", "report_time", "mobile")
_STORED_FIELDS = (*PUSH_FIELDS.values(), "extra")


def report_key(report: DeliveryReport) -> str:
    """A stable id for one event of one message: BatchID, MR, STATUS, RT and RM hashed (sha256, 32 hex).

    The platform retries a push up to 10 times until it gets HTTP 200, so the same event can arrive
    more than once; equal keys mean the same event. A reply (999) at another time is another event."""
    text = "\x1f".join(str(getattr(report, name)) for name in _KEY_FIELDS)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def report_fields(report: DeliveryReport) -> dict[str, str | int | float | dict[str, str] | None]:
    """The fields of a report as a JSON-serialisable dict keyed by attribute name (``batch_id``,
    ``mobile``, ``status``, ..., and ``extra``: the undocumented fields as received, by their names)."""
    fields = {name: getattr(report, name) for name in _STORED_FIELDS}
    fields["extra"] = dict(report.extra)
    return fields


def report_from_fields(fields: Mapping[str, object]) -> DeliveryReport:
    """The inverse of :func:`report_fields` (unknown keys ignored), e.g. for an asset event's ``extra``."""
    values = {name: fields[name] for name in _STORED_FIELDS if name in fields}
    return DeliveryReport(**values)  # type: ignore[arg-type]
