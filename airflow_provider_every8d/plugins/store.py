"""One report -> at most one asset event, however often the platform repeats it.

Runs in the API server, in a thread (blocking DB work). The event's ``extra`` holds the report's
documented fields plus ``report_id`` (:func:`~airflow_provider_every8d.protocol.push.report_key`); a
report whose ``report_id`` is already on the asset (within ``dedup_days``) is not stored again. The check
lives in the database, so it survives restarts; in one process a lock per key makes check-and-insert
atomic. Two API-server processes receiving the same callback at the same instant could both store it:
the platform only repeats a callback after a failed or timed-out answer, so that needs an answer slower
than its timeout. Once committed, :mod:`.requeue` makes sure the event triggers the DAGs scheduled on it.
"""

from __future__ import annotations

import enum
import logging
import threading
from datetime import datetime, timedelta, timezone

from airflow_provider_every8d.plugins.assets import uri_for_report
from airflow_provider_every8d.plugins.requeue import requeue_unconsumed
from airflow_provider_every8d.protocol.models import DeliveryReport
from airflow_provider_every8d.protocol.phones import mask
from airflow_provider_every8d.protocol.push import report_fields, report_key

log = logging.getLogger(__name__)

_LOCKS = tuple(threading.Lock() for _ in range(64))
_warned_missing: set[str] = set()


class StoreOutcome(enum.Enum):
    STORED = "stored"
    DUPLICATE = "duplicate"
    NO_ASSET = "no-asset"


def store_report(report: DeliveryReport, dedup_days: float) -> StoreOutcome:
    """Record ``report`` as an event of its asset, committed before this returns."""
    from airflow.assets.manager import asset_manager
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    uri = uri_for_report(report)
    key = report_key(report)
    extra = {**report_fields(report), "report_id": key}
    cutoff = datetime.now(timezone.utc) - timedelta(days=dedup_days)
    outcome = StoreOutcome.NO_ASSET
    stored: list[tuple[int, int, datetime]] = []
    with _LOCKS[int(key[:8], 16) % len(_LOCKS)], create_session() as session:
        for asset in session.scalars(select(AssetModel).where(AssetModel.uri == uri)).all():
            seen = session.scalar(
                select(AssetEvent.id)
                .where(
                    AssetEvent.asset_id == asset.id,
                    AssetEvent.timestamp >= cutoff,
                    AssetEvent.extra["report_id"].as_string() == key,
                )
                .limit(1)
            )
            if seen is not None:
                outcome = StoreOutcome.DUPLICATE if outcome is StoreOutcome.NO_ASSET else outcome
                continue
            event = asset_manager.register_asset_change(asset=asset, extra=extra, session=session)
            if event is not None:
                stored.append((asset.id, event.id, event.timestamp))
            outcome = StoreOutcome.STORED
    for asset_id, event_id, event_time in stored:
        requeue_unconsumed(asset_id, event_id, event_time)
    _log(report, uri, key, outcome)
    return outcome


def _log(report: DeliveryReport, uri: str, key: str, outcome: StoreOutcome) -> None:
    if outcome is StoreOutcome.NO_ASSET:
        if uri not in _warned_missing and len(_warned_missing) < 1000:
            _warned_missing.add(uri)
            log.warning("EVERY8D push for %s dropped: no DAG declares this asset (declare it to keep them)", uri)
        return
    log.info(
        "EVERY8D push %s: batch %s, %s, status %s -> %s (%s)",
        outcome.value, report.batch_id, mask(report.mobile), report.status, uri, key,
    )
