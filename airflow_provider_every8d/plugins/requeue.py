"""Make sure a stored report triggers a run of every DAG scheduled on its asset.

Airflow queues a DAG on an asset event with one row per (asset, DAG) in ``asset_dag_run_queue``, inserted
only if absent, and the scheduler's run takes the events up to that row's ``created_at``, then deletes the
row. Pushes come in bursts (a batch's reports within milliseconds), so an event stored just after the row
was created neither lands in the new run nor leaves a row behind: it would wait for the next push, maybe
hours later. After the event is committed, this moves the row's ``created_at`` up to the event's time, or
adds the row again, unless a run of that DAG already consumed the event. The cost is at most one run
that finds nothing new; the gain is that a run follows every report.

This writes Airflow's own ``asset_dag_run_queue`` table, so it runs only on the Airflow versions it was
proven on (:data:`TESTED`: the deployment test kills the scheduler while reports arrive, on PostgreSQL with
two API servers, and checks that every report is consumed by a run). On any other version it does nothing
and logs once why: the event is stored all the same, and Airflow's own queueing decides when a run follows.
"""

from __future__ import annotations

import logging
from datetime import datetime

log = logging.getLogger(__name__)

TESTED = ((3, 3),)
"""Airflow (major, minor) versions whose ``asset_dag_run_queue`` semantics this was tested against."""
_skip_logged: list[str] = []


def version_tested(version: str) -> bool:
    """Whether Airflow ``version`` ("3.3.2", "3.4.0rc1" ...) is one :func:`requeue_unconsumed` was tested on."""
    parts = version.split(".")
    try:
        return (int(parts[0]), int(parts[1])) in TESTED
    except (IndexError, ValueError):
        return False


def _enabled() -> bool:
    from airflow import __version__

    if version_tested(__version__):
        return True
    if not _skip_logged:
        _skip_logged.append(__version__)
        log.warning("EVERY8D push: not requeueing DAG runs on Airflow %s (tested on %s only); a report stored "
                    "just after a run was queued may wait for the next report", __version__,
                    ", ".join(f"{major}.{minor}" for major, minor in TESTED))
    return False


def requeue_unconsumed(asset_id: int, event_id: int, event_time: datetime) -> None:
    """For each unpaused DAG scheduled on the asset (not partitioned) that has not consumed the event,
    leave a queue row with ``created_at >= event_time``. Retried once when the scheduler changed the row
    underneath (it had just consumed it); any other failure is logged, never raised (the event is stored)."""
    if not _enabled():
        return
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.orm.exc import StaleDataError

    for attempt in (1, 2):
        try:
            _requeue(asset_id, event_id, event_time)
            return
        except (IntegrityError, StaleDataError):
            if attempt == 1:
                continue
        except Exception:  # the event is stored; a failure here must not turn the answer into a retry
            pass
        log.warning("Could not requeue DAGs for asset %s after event %s", asset_id, event_id, exc_info=True)
        return


def _requeue(asset_id: int, event_id: int, event_time: datetime) -> None:
    from airflow.models.asset import AssetDagRunQueue, AssetEvent, DagScheduleAssetReference
    from airflow.models.dag import DagModel
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        dag_ids = session.scalars(
            select(DagScheduleAssetReference.dag_id)
            .join(DagModel, DagModel.dag_id == DagScheduleAssetReference.dag_id)
            .where(
                DagScheduleAssetReference.asset_id == asset_id,
                DagModel.is_paused.is_(False),
                DagModel.timetable_partitioned.is_(False),
            )
        ).all()
        for dag_id in dag_ids:
            consumed = session.scalar(
                select(DagRun.id)
                .where(DagRun.dag_id == dag_id, DagRun.consumed_asset_events.any(AssetEvent.id == event_id))
                .limit(1)
            )
            if consumed is not None:
                continue
            row = session.scalar(
                select(AssetDagRunQueue).where(
                    AssetDagRunQueue.asset_id == asset_id, AssetDagRunQueue.target_dag_id == dag_id
                )
            )
            if row is None:
                session.add(AssetDagRunQueue(asset_id=asset_id, target_dag_id=dag_id, created_at=event_time))
            elif row.created_at < event_time:
                row.created_at = event_time
            session.flush()
