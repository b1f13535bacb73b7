"""The notifier's default alert text: what failed, fitted into one SMS.

Pure functions over an Airflow callback context (task callbacks on Airflow 2.11 and 3.x, and the
simple context a Deadline Alert passes: ``{"dag_run": {...}, "deadline": {...}}``). No Airflow import.

The text keeps what an on-call person needs first, and drops or shortens the rest to fit ``limit``::

    Airflow: etl_daily.load_orders failed (try 2) run scheduled__2025-01-01T00:00:00+00:00 <log URL>

1. ``<dag>.<task> <event>`` and ``(try N)`` are always kept; over-long DAG or task ids are cut with ``…``
   (each keeps its start, so both stay recognisable).
2. The log URL is added only if it fits whole: half a URL is worse than none.
3. The ``Airflow:`` prefix, if there is still room (it tells the reader what the text is about).
4. ``run <run_id>`` fills what is left: in full, or cut with ``…`` (at least a few characters of it),
   or left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ELLIPSIS = "…"
PREFIX = "Airflow: "
MIN_RUN_CHARS = 8
"""Below this many characters of the run id, ``run x…`` tells nobody anything: leave it out."""


@dataclass(frozen=True)
class AlertFacts:
    """What the context says about the alert; any part may be unknown (None)."""

    dag_id: str | None = None
    task_id: str | None = None
    run_id: str | None = None
    try_number: int | None = None
    event: str = "failed"
    log_url: str | None = None


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


def facts_from_context(context: Mapping[str, Any]) -> AlertFacts:
    """Read DAG, task, run, try, event and log URL from a callback context, tolerating missing parts."""
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


def compose(facts: AlertFacts, limit: int) -> str:
    """The alert text for ``facts``, at most ``limit`` characters (see the module doc for the order)."""
    tail = f" {facts.event}" + (f" (try {facts.try_number})" if facts.try_number else "")
    text = _subject(facts, max(limit - len(tail), 1)) + tail
    if len(text) > limit:
        return _cut(text, limit)
    url = f" {facts.log_url}" if facts.log_url and len(text) + 1 + len(facts.log_url) <= limit else ""
    prefix = PREFIX if len(PREFIX) + len(text) + len(url) <= limit else ""
    run = ""
    if facts.run_id:
        room = limit - len(prefix) - len(text) - len(url) - len(" run ")
        if room >= min(len(facts.run_id), MIN_RUN_CHARS):
            run = " run " + _cut(facts.run_id, room)
    return prefix + text + run + url


def default_message(context: Mapping[str, Any], limit: int) -> str:
    """The default alert text for a callback context, at most ``limit`` characters."""
    return compose(facts_from_context(context), limit)
