"""The notifier's default alert text: what failed, and when, fitted into one SMS.

Pure functions over an Airflow callback context (task callbacks on Airflow 2.11 and 3.x, and the
simple context a Deadline Alert passes: ``{"dag_run": {...}, "deadline": {...}}``). No Airflow import.

The text spends its characters on what an on-call person acts on, and drops or shortens the rest to
fit ``limit``::

    Airflow: etl_daily.load_orders failed (try 2) at 2025-01-02 03:04 UTC <log URL>

1. ``<dag>.<task> <event>`` and ``(try N)`` are always kept; over-long DAG or task ids are cut with ``…``
   (each keeps its start, so both stay recognisable).
2. ``at <time> UTC``: when it happened (the task's end, the deadline, or else the moment the text is
   written), as ``2025-01-02 03:04 UTC``, or ``03:04 UTC`` where the date does not fit.
3. The log URL, only if it fits whole: half a URL is worse than none.
4. The ``Airflow:`` prefix, if there is still room (it tells the reader what the text is about).

The run id is not sent: ``manual__2025-01-02T03:04:05.123456+00:00`` costs 40 characters and tells the
on-call less than the time does (the log URL names the run).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

ELLIPSIS = "…"
PREFIX = "Airflow: "


@dataclass(frozen=True)
class AlertFacts:
    """What the context says about the alert; any part may be unknown (None)."""

    dag_id: str | None = None
    task_id: str | None = None
    run_id: str | None = None
    try_number: int | None = None
    event: str = "failed"
    log_url: str | None = None
    when: datetime | None = None
    """When it happened (aware); shown in UTC."""


def _get(obj: Any, name: str) -> Any:
    """Attribute or key (Deadline Alert contexts carry plain dicts)."""
    if isinstance(obj, Mapping):
        return obj.get(name)
    try:
        return getattr(obj, name, None)
    except Exception:  # a lazy property that cannot be computed (e.g. no base URL configured)
        return None


def _event(context: Mapping[str, Any], ti: Any) -> str:
    if "deadline" in context:
        return "missed its deadline"
    state = _get(ti, "state") if ti is not None else None
    state = getattr(state, "value", state)
    if isinstance(state, str) and state and state != "running":
        return state.replace("_", " ")
    return "failed"


def _when(context: Mapping[str, Any], ti: Any) -> datetime | None:
    deadline = context.get("deadline")
    value = _get(deadline, "deadline_time") if deadline is not None else _get(ti, "end_date")
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    return value if isinstance(value, datetime) and value.tzinfo is not None else None


def facts_from_context(context: Mapping[str, Any], now: datetime | None = None) -> AlertFacts:
    """Read DAG, task, run, try, event, time and log URL from a callback context, tolerating missing parts;
    ``now`` (aware) is the time given when the context has none."""
    ti = context.get("ti") or context.get("task_instance")
    dag_run = context.get("dag_run")
    dag = context.get("dag")
    dag_id = _get(ti, "dag_id") or _get(dag_run, "dag_id") or _get(dag, "dag_id")
    run_id = _get(ti, "run_id") or context.get("run_id") or _get(dag_run, "run_id")
    try_number = _get(ti, "try_number")
    log_url = _get(ti, "log_url") if ti is not None else None
    return AlertFacts(
        dag_id=str(dag_id) if dag_id else None,
        task_id=str(_get(ti, "task_id")) if _get(ti, "task_id") else None,
        run_id=str(run_id) if run_id else None,
        try_number=try_number if isinstance(try_number, int) and try_number > 0 else None,
        event=_event(context, ti),
        log_url=log_url if isinstance(log_url, str) and log_url.startswith(("http://", "https://")) else None,
        when=_when(context, ti) or now,
    )


def _cut(text: str, size: int) -> str:
    if len(text) <= size:
        return text
    return text[: max(size - 1, 0)] + ELLIPSIS if size > 0 else ""


def _subject(facts: AlertFacts, room: int) -> str:
    """``dag.task``, each id shortened (keeping its start) until it fits ``room`` characters."""
    dag_id = facts.dag_id or "a DAG"
    if not facts.task_id:
        return _cut(dag_id, room)
    task_id = facts.task_id
    while len(dag_id) + 1 + len(task_id) > room and (len(dag_id) > 4 or len(task_id) > 4):
        if len(dag_id) >= len(task_id):
            dag_id = _cut(dag_id, len(dag_id) - 1)
        else:
            task_id = _cut(task_id, len(task_id) - 1)
    return _cut(f"{dag_id}.{task_id}", room)


def _time(when: datetime | None, room: int) -> str:
    """`` at 2025-01-02 03:04 UTC``, or `` at 03:04 UTC`` when only that fits, or nothing."""
    if when is None:
        return ""
    utc = when.astimezone(timezone.utc)
    for text in (utc.strftime(" at %Y-%m-%d %H:%M UTC"), utc.strftime(" at %H:%M UTC")):
        if len(text) <= room:
            return text
    return ""


def compose(facts: AlertFacts, limit: int) -> str:
    """The alert text for ``facts``, at most ``limit`` characters (see the module doc for the order)."""
    tail = f" {facts.event}" + (f" (try {facts.try_number})" if facts.try_number else "")
    text = _subject(facts, max(limit - len(tail), 1)) + tail
    if len(text) > limit:
        return _cut(text, limit)
    text += _time(facts.when, limit - len(text))
    url = f" {facts.log_url}" if facts.log_url and len(text) + 1 + len(facts.log_url) <= limit else ""
    prefix = PREFIX if len(PREFIX) + len(text) + len(url) <= limit else ""
    return prefix + text + url


def default_message(context: Mapping[str, Any], limit: int) -> str:
    """The default alert text for a callback context, at most ``limit`` characters."""
    return compose(facts_from_context(context, now=datetime.now(timezone.utc)), limit)
