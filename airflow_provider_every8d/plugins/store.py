"""One report -> at most one asset event, however often the platform repeats it.

Runs in the API server, in a thread (blocking DB work). The event's ``extra`` holds the report's
documented fields plus ``report_id`` (:func:`~airflow_provider_every8d.protocol.push.report_key`); a
report whose ``report_id`` was stored on the asset within ``dedup_days`` is not stored again. The check
is a primary-key claim in the plugin's own table (:mod:`.dedup`), in the event's transaction: it survives
restarts, two API servers and identical pushes at the same instant, and costs the same with 200,000
stored events as with none. Once committed, :mod:`.requeue` makes sure the event triggers the DAGs
scheduled on it.
"""

from __future__ import annotations

import enum
import logging
import threading
from datetime import datetime

from airflow_provider_every8d.plugins.assets import uri_for_report
from airflow_provider_every8d.plugins.dedup import claim, ensure_table, purge_due, purge_expired
from airflow_provider_every8d.plugins.hitl_answers import answer_from_push
from airflow_provider_every8d.plugins.requeue import requeue_unconsumed
from airflow_provider_every8d.protocol.models import DeliveryReport
from airflow_provider_every8d.protocol.privacy import mask
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
    from airflow.models.asset import AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    uri = uri_for_report(report)
    key = report_key(report)
    extra = {**report_fields(report), "report_id": key}
    window = dedup_days * 86400
    outcome = StoreOutcome.NO_ASSET
    stored: list[tuple[int, int, datetime]] = []
    with _LOCKS[int(key[:8], 16) % len(_LOCKS)], create_session() as session:
        ensure_table(session)
        for asset in session.scalars(select(AssetModel).where(AssetModel.uri == uri)).all():
            if not claim(session, asset_id=asset.id, report_id=key, dedup_seconds=window):
                outcome = StoreOutcome.DUPLICATE if outcome is StoreOutcome.NO_ASSET else outcome
                continue
            event = asset_manager.register_asset_change(asset=asset, extra=extra, session=session)
            if event is not None:
                stored.append((asset.id, event.id, event.timestamp))
            outcome = StoreOutcome.STORED
    for asset_id, event_id, event_time in stored:
        requeue_unconsumed(asset_id, event_id, event_time)
    if stored and purge_due():
        try:
            with create_session() as session:
                purge_expired(session, window)
        except Exception as exc:  # the event is stored; a failed clean-up must not turn into a retry
            log.warning("EVERY8D push: expired report ids not purged (%s)", error_summary(exc))
    _log(report, uri, key, outcome)
    if report.is_reply:
        answer_from_push(report)  # a reply to an Every8dHITLOperator question resolves it now (.hitl_answers)
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


def error_summary(error: BaseException) -> str:
    """What a log line may say about a failed store: the exception's type, and for a database error the
    driver's error type and SQLSTATE. Never ``str(error)``: SQLAlchemy quotes the statement and its
    parameters (the number, the reply text), and a driver's text can quote the offending value."""
    summary = type(error).__name__
    original = getattr(error, "orig", None)
    if original is not None:
        code = getattr(original, "pgcode", None) or getattr(original, "sqlstate", None)
        summary += f" from {type(original).__name__}" + (f" (SQLSTATE {code})" if code else "")
    return summary
