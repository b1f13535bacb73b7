"""The assets the push receiver writes to, one pair per EVERY8D account (UID).

- ``every8d://<UID>/delivery-reports``: every status change of a message (100 delivered, 101-107 failed, ...).
- ``every8d://<UID>/replies``: every reply a recipient sent back (STATUS=999).

The UID is the push's ``USERID`` field (the account the message was sent with), percent-encoded. The
receiver only stores events on assets that a DAG declares (schedules on or lists as an outlet), so a DAG
that consumes replies must use :func:`reply_asset`. Cheap to import: DAG files use it. On Airflow 2 the
helpers return a ``Dataset`` (DAGs parse) but nothing emits events there: the receiver needs Airflow 3.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from airflow_provider_every8d.protocol.models import DeliveryReport
from airflow_provider_every8d.protocol.push import report_from_fields

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Asset

SCHEME = "every8d"
DELIVERY_REPORTS = "delivery-reports"
REPLIES = "replies"


def report_uri(uid: str, kind: str) -> str:
    """``every8d://<UID>/<kind>``; ``kind`` is ``delivery-reports`` or ``replies``."""
    if kind not in (DELIVERY_REPORTS, REPLIES):
        raise ValueError(f"kind {kind!r}: not {DELIVERY_REPORTS!r} or {REPLIES!r}")
    if not uid:
        raise ValueError("uid: empty (the EVERY8D account UID is required)")
    return f"{SCHEME}://{quote(uid, safe='')}/{kind}"


def uri_for_report(report: DeliveryReport) -> str:
    """Where a report goes: the replies asset for STATUS=999, the delivery-reports asset otherwise."""
    return report_uri(report.user_id, REPLIES if report.is_reply else DELIVERY_REPORTS)


def delivery_report_asset(uid: str) -> Asset:
    """The asset that receives every delivery report of account ``uid``; schedule a DAG on it."""
    from airflow.providers.common.compat.sdk import Asset

    return Asset(report_uri(uid, DELIVERY_REPORTS))


def reply_asset(uid: str) -> Asset:
    """The asset that receives every reply (STATUS=999) to messages of account ``uid``."""
    from airflow.providers.common.compat.sdk import Asset

    return Asset(report_uri(uid, REPLIES))


def report_from_event(event: Any) -> DeliveryReport:
    """The report an asset event holds: pass an event of ``triggering_asset_events`` or its ``extra``.

    The event's ``extra`` has the report's fields by attribute name (``batch_id``, ``mobile`` as
    ``09...`` for Taiwan numbers, ``status`` as int, ``report_time``, ...) plus ``report_id``, the
    event's idempotency key."""
    extra = event if isinstance(event, Mapping) else event.extra
    return report_from_fields(extra)
