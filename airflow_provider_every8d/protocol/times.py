"""Time rules: the platform runs on Taiwan time (UTC+8, no daylight saving since 1979).

``send_time`` is accepted as an aware datetime (converted to Taiwan time) or a ``yyyyMMddHHmmss`` string
(taken as Taiwan time). A naive datetime is refused: whose clock it is would be a guess, and a wrong guess
sends an SMS eight hours early or late.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from airflow_provider_every8d.protocol.errors import Every8dValidationError

TAIPEI = timezone(timedelta(hours=8), "Asia/Taipei")
WIRE_FORMAT = "%Y%m%d%H%M%S"
_WIRE_RE = re.compile(r"\d{14}")


def format_send_time(value: object, field: str = "send_time") -> str:
    """The wire form (``yyyyMMddHHmmss`` in Taiwan time) of a send time; ``""`` for None (send now)."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise Every8dValidationError(field, f"naive datetime {value.isoformat()} is ambiguous; give an "
                                         "aware datetime (e.g. pendulum.datetime(..., tz='Asia/Taipei'))")
        return value.astimezone(TAIPEI).strftime(WIRE_FORMAT)
    if isinstance(value, str):
        text = value.strip()
        if _WIRE_RE.fullmatch(text):
            try:
                datetime.strptime(text, WIRE_FORMAT)
            except ValueError:
                raise Every8dValidationError(field, f"{value!r} is not a valid date and time") from None
            return text
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise Every8dValidationError(field, f"{value!r}: expected yyyyMMddHHmmss (Taiwan time) or an "
                                         "ISO 8601 time with an offset") from None
        return format_send_time(parsed, field)
    raise Every8dValidationError(field, f"expected a datetime or a yyyyMMddHHmmss string, got "
                                 f"{type(value).__name__}")


def parse_wire_time(text: str) -> datetime | None:
    """Parse ``yyyyMMddHHmmss`` (push fields) as Taiwan time; None when empty or malformed."""
    text = text.strip()
    if not _WIRE_RE.fullmatch(text):
        return None
    try:
        return datetime.strptime(text, WIRE_FORMAT).replace(tzinfo=TAIPEI)
    except ValueError:
        return None


def parse_report_time(text: str) -> datetime | None:
    """Parse the status report's ``yyyy/MM/dd HH:mm:ss`` as Taiwan time; None when empty."""
    text = text.strip()
    if not text:
        return None
    for fmt in ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=TAIPEI)
        except ValueError:
            continue
    return None


def validate_retry_time(value: object, field: str = "retry_time") -> str:
    """RETRYTIME: the message's validity in minutes, a positive whole number; ``""`` for the default 1,440."""
    if value is None or value == "":
        return ""
    if isinstance(value, timedelta):
        minutes = value.total_seconds() / 60
        if minutes != int(minutes):
            raise Every8dValidationError(field, f"{value} is not a whole number of minutes")
        value = int(minutes)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise Every8dValidationError(field, f"expected whole minutes, got {value!r}")
    if value <= 0:
        raise Every8dValidationError(field, f"{value} must be a positive number of minutes")
    return str(value)
