"""The delivery-report push (2.1): EVERY8D calls our URL with a GET for every status change and reply.

Only the documented fields are read, each bounded in size; anything else is ignored. The push carries no
signature, so whoever receives it must authenticate the URL itself (a secret token in the path).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping

from airflow_provider_every8d.protocol.errors import Every8dValidationError
from airflow_provider_every8d.protocol.models import BATCH_ID_RE, DeliveryReport
from airflow_provider_every8d.protocol.phones import canonical

PUSH_FIELDS: dict[str, tuple[str, int]] = {
    # query name: (DeliveryReport attribute, maximum length)
    "BatchID": ("batch_id", 64),
    "RM": ("mobile", 32),
    "RT": ("report_time", 14),
    "STATUS": ("status", 6),
    "SM": ("content", 2000),
    "MR": ("record_no", 64),
    "USERID": ("user_id", 64),
    "UserNo": ("user_no", 64),
    "ST": ("send_time", 19),
    "SUBJECT": ("subject", 200),
    "CHARGE": ("charge", 12),
    "MSGID": ("msg_id", 20),
}
_LOOKUP = {name.lower(): name for name in PUSH_FIELDS}
_STATUS_RE = re.compile(r"-?\d{1,5}")


def parse_push(query: Mapping[str, str]) -> DeliveryReport:
    """Read one push's query fields (names matched case-insensitively). Raises
    :class:`Every8dValidationError` naming the field when BatchID or STATUS is missing or malformed, or a
    field is longer than its bound."""
    values: dict[str, str] = {}
    for key, value in query.items():
        name = _LOOKUP.get(key.lower())
        if name is None:
            continue
        attribute, limit = PUSH_FIELDS[name]
        if len(value) > limit:
            raise Every8dValidationError(name, f"{len(value)} characters is over the bound of {limit}")
        values[attribute] = value.strip()
    batch_id = values.get("batch_id", "")
    if not BATCH_ID_RE.fullmatch(batch_id):
        raise Every8dValidationError("BatchID", "missing or malformed")
    status = values.pop("status", "")
    if not _STATUS_RE.fullmatch(status):
        raise Every8dValidationError("STATUS", f"{status[:6]!r} is not a status code")
    charge_text = values.pop("charge", "")
    try:
        charge = float(charge_text) if charge_text else None
    except ValueError:
        charge = math.nan
    if charge is not None and not math.isfinite(charge):
        raise Every8dValidationError("CHARGE", f"{charge_text[:12]!r} is not a number")
    if not values.get("mobile"):
        raise Every8dValidationError("RM", "missing")
    values["mobile"] = canonical(values["mobile"])
    return DeliveryReport(status=int(status), charge=charge, **values)  # type: ignore[arg-type]


_KEY_FIELDS = ("batch_id", "record_no", "status", "report_time", "mobile")
_STORED_FIELDS = tuple(attribute for attribute, _ in PUSH_FIELDS.values())


def report_key(report: DeliveryReport) -> str:
    """A stable id for one event of one message: BatchID, MR, STATUS, RT and RM hashed (sha256, 32 hex).

    The platform retries a push up to 10 times until it gets HTTP 200, so the same event can arrive
    more than once; equal keys mean the same event. A reply (999) at another time is another event."""
    text = "\x1f".join(str(getattr(report, name)) for name in _KEY_FIELDS)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def report_fields(report: DeliveryReport) -> dict[str, str | int | float | None]:
    """The documented fields of a report as a JSON-serialisable dict keyed by attribute name (``batch_id``,
    ``mobile``, ``status``, ...); nothing else the platform may have sent."""
    return {name: getattr(report, name) for name in _STORED_FIELDS}


def report_from_fields(fields: Mapping[str, object]) -> DeliveryReport:
    """The inverse of :func:`report_fields` (unknown keys ignored), e.g. for an asset event's ``extra``."""
    values = {name: fields[name] for name in _STORED_FIELDS if name in fields}
    return DeliveryReport(**values)  # type: ignore[arg-type]
