"""The price list (spec 1.1 and 1.2), to estimate a send's cost before it is made.

SMS, per recipient, by length in characters: 1-70: 1 point, 71-134: 2, 135-201: 3, 202-268: 4,
269-333: 5. The spec says longer messages "are split automatically" without saying how they are priced;
we read it as parts of 333 characters, each priced by the table and added up (an estimate that errs on
the high side at worst). International numbers (not +886) cost three times as much.
MMS, per recipient, by the size of image plus text: up to 50 KiB 3 points, up to 300 KiB 5 points.
"""

from __future__ import annotations

from collections.abc import Iterable

from airflow_provider_every8d.protocol.errors import Every8dValidationError
from airflow_provider_every8d.protocol.phones import Phone, parse_phone

SMS_TIERS: tuple[tuple[int, int], ...] = ((70, 1), (134, 2), (201, 3), (268, 4), (333, 5))
LONG_SMS_PART = 333
INTERNATIONAL_FACTOR = 3
MMS_SMALL_BYTES = 50 * 1024
MMS_MAX_BYTES = 300 * 1024
MMS_SMALL_POINTS = 3
MMS_LARGE_POINTS = 5


def _part_points(length: int) -> int:
    for limit, points in SMS_TIERS:
        if length <= limit:
            return points
    raise AssertionError("part longer than a long SMS")  # pragma: no cover


def sms_points(message: str, international: bool = False) -> int:
    """Points one recipient costs for ``message``."""
    length = max(len(message), 1)
    full, rest = divmod(length, LONG_SMS_PART)
    points = full * _part_points(LONG_SMS_PART) + (_part_points(rest) if rest else 0)
    return points * (INTERNATIONAL_FACTOR if international else 1)


def mms_points(size_bytes: int) -> int:
    """Points one recipient costs for an MMS of ``size_bytes`` (image plus UTF-8 text)."""
    if size_bytes > MMS_MAX_BYTES:
        raise Every8dValidationError("attachment", f"{size_bytes} bytes with the text is over the MMS limit "
                                     f"of {MMS_MAX_BYTES} bytes (300 KB)")
    return MMS_SMALL_POINTS if size_bytes <= MMS_SMALL_BYTES else MMS_LARGE_POINTS


def sms_cost(message: str, count: int, international: int = 0) -> int:
    """Points ``message`` to ``count`` recipients costs, ``international`` of them outside Taiwan."""
    return sms_points(message) * (count + (INTERNATIONAL_FACTOR - 1) * international)


def estimate_sms_cost(message: str, recipients: Iterable[str | Phone]) -> int:
    """Points a send of ``message`` to ``recipients`` will cost (validates the numbers): what
    :func:`~airflow_provider_every8d.protocol.build.sms_request` prices its request at."""
    phones = [recipient if isinstance(recipient, Phone) else parse_phone(recipient, f"recipients[{index}]")
              for index, recipient in enumerate(recipients)]
    return sms_cost(message, len(phones), sum(1 for phone in phones if phone.international))


def estimate_mms_cost(size_bytes: int, recipient_count: int) -> int:
    """Points an MMS of ``size_bytes`` to ``recipient_count`` Taiwan numbers will cost: what
    :func:`~airflow_provider_every8d.protocol.mms.mms_request` prices its request at."""
    return mms_points(size_bytes) * recipient_count
