"""The receiver's duplicate check: one row per stored report in ``every8d_push_report``, keyed by
(asset id, report id), so recognising a repeat is one primary-key look-up whatever the number of events.

The table is the plugin's own (not part of Airflow's schema): it is created with ``CREATE TABLE IF NOT
EXISTS`` semantics by the first push a process receives, and rows older than ``push_dedup_days`` are
deleted at most once an hour per process. The claim is an ``INSERT ... ON CONFLICT DO NOTHING`` in the
same transaction as the asset event, so the database's unique key decides between two API servers or
two identical pushes at the same instant: the second waits for the first to commit and finds the row
(if the first rolls back, the second stores). A row older than the window is taken over by an
``UPDATE ... WHERE stored_at < cutoff``, atomic for the same reason.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.orm import Session

TABLE_NAME = "every8d_push_report"
PURGE_EVERY_SECONDS = 3600.0
_lock = threading.Lock()
_state: dict[str, Any] = {"table": None, "created_for": None, "purged_at": 0.0}


def report_table() -> Table:
    """The table's definition (in a MetaData of its own, so Airflow's migrations never see it)."""
    with _lock:
        if _state["table"] is None:
            from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table

            _state["table"] = Table(
                TABLE_NAME, MetaData(),
                Column("asset_id", Integer, primary_key=True, autoincrement=False),
                Column("report_id", String(32), primary_key=True),
                Column("stored_at", BigInteger, nullable=False, index=True),  # Unix seconds: one type everywhere
            )
        return _state["table"]


def ensure_table(session: Session) -> Table:
    """Create the table once per process and database (two processes racing: the loser finds it made)."""
    table = report_table()
    engine = session.get_bind()
    if _state["created_for"] is engine:
        return table
    from sqlalchemy.exc import DatabaseError

    try:
        table.create(engine, checkfirst=True)
    except DatabaseError:  # another API server created it between the check and the CREATE
        table.create(engine, checkfirst=True)
    _state["created_for"] = engine
    return table


def claim(session: Session, *, asset_id: int, report_id: str, dedup_seconds: float) -> bool:
    """True when this transaction may store the report on the asset (no row, or only one older than the
    window); False for a repeat. The row commits or rolls back with the caller's transaction."""
    from sqlalchemy import update

    table = ensure_table(session)
    now = int(time.time())
    inserted = session.execute(_insert_ignore(session, table).values(
        asset_id=asset_id, report_id=report_id, stored_at=now))
    if _rowcount(inserted) == 1:
        return True
    taken_over = session.execute(
        update(table)
        .where(table.c.asset_id == asset_id, table.c.report_id == report_id,
               table.c.stored_at < now - int(dedup_seconds))
        .values(stored_at=now)
    )
    return _rowcount(taken_over) == 1


def purge_due() -> bool:
    """True at most once per :data:`PURGE_EVERY_SECONDS` in this process (the first call included)."""
    now = time.monotonic()
    with _lock:
        if _state["purged_at"] and now - _state["purged_at"] < PURGE_EVERY_SECONDS:
            return False
        _state["purged_at"] = now
        return True


def purge_expired(session: Session, dedup_seconds: float) -> None:
    """Delete the rows older than the window (an index range on ``stored_at``)."""
    from sqlalchemy import delete

    table = ensure_table(session)
    session.execute(delete(table).where(table.c.stored_at < int(time.time()) - int(dedup_seconds)))


def _insert_ignore(session: Session, table: Table) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).on_conflict_do_nothing()
    from sqlalchemy import insert

    return insert(table).prefix_with("IGNORE")  # MySQL


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
