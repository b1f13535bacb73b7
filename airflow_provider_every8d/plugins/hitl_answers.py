"""SMS answers to waiting Every8dHITLOperator requests, recorded in the API server, where (unlike in trigger
code) the metadata database is at hand: so these are the paths that record *who* answered (the masked
number) in the HITL record, as ``responded_by``, the way an answer in the UI records the user.

Two callers:

- :func:`answer_from_push`: a STATUS=999 push (the push receiver's store thread) resolves the request at
  once. For each task deferred on the HITL trigger (:data:`..constants.HITL_TRIGGER_CLASSPATH`) whose
  question went out in the push's batch, the reply is judged by the request's own rules
  (:mod:`..protocol.hitl`: allowed numbers, options), then confirmed in the platform's reply list (2.4)
  over the request's EVERY8D connection, so a forged push cannot approve anything; the record gets the
  response and the task is resumed with it (``handle_event_submit``), as Airflow's ``PATCH .../hitlDetails``
  does. When no triggerer runs the wait yet (the task deferred moments ago) the task is left to the
  trigger, which reads the answer when it starts (resuming at once could meet Airflow 3.3.2's stale
  defer-exit race, apache/airflow#72716).
- :func:`answer_from_reply_list` (the ``.../hitl/<ti_id>/check`` endpoint, :mod:`.hitl_check`): the trigger's
  poll found an answer; the request's whole reply list is read and judged here again, and the answer is
  recorded *without* resuming the task: the trigger that asked ends the wait with what the record holds.

Both write under the same row locks and in the same order as that PATCH (task instance, then record); an
answered request is left alone (first answer wins). Anything not confirmed is left to the trigger's poll.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from enum import Enum
from typing import Any

from airflow_provider_every8d.constants import DEFAULT_CONN_ID, HITL_TRIGGER_CLASSPATH
from airflow_provider_every8d.protocol.hitl import Answer, CheckOutcome, ReplyRules, normalise, params_values
from airflow_provider_every8d.protocol.models import DeliveryReport, Reply
from airflow_provider_every8d.protocol.phones import canonical
from airflow_provider_every8d.protocol.privacy import mask

log = logging.getLogger(__name__)

MAX_REPLIES = 1000
"""Replies read per batch for one check (100 pages of 2.4): the work an unauthenticated caller can cause."""


class Written(Enum):
    """What :func:`_record` did."""

    RECORDED = "recorded"
    ANSWERED = "answered"  # the record had a response already
    GONE = "gone"  # no such deferred task instance, or no record
    LATE = "late"  # past response_timeout, or past the caller's time budget: nothing written


def _waiting_rows(ti_id: Any = None) -> list[tuple[Any, dict[str, Any]]]:
    """(task instance id, trigger kwargs) of the tasks deferred on the HITL trigger (only ``ti_id``'s if
    given)."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.trigger import Trigger
    from airflow.utils.session import create_session
    from airflow.utils.state import TaskInstanceState
    from sqlalchemy import select

    query = (select(TaskInstance.id, Trigger).join(Trigger, TaskInstance.trigger_id == Trigger.id)
             .where(Trigger.classpath == HITL_TRIGGER_CLASSPATH, TaskInstance.state == TaskInstanceState.DEFERRED))
    if ti_id is not None:
        query = query.where(TaskInstance.id == ti_id)
    with create_session() as session:
        return [(found, trigger.kwargs) for found, trigger in session.execute(query).all()]


def _waiting(report: DeliveryReport) -> list[tuple[Any, dict[str, Any]]]:
    """(task instance id, trigger kwargs) of every request waiting on a reply to the push's batch."""
    return [(ti_id, kwargs) for ti_id, kwargs in _waiting_rows() if report.batch_id in kwargs.get("batch_ids", ())]


def _rules(kwargs: dict[str, Any]) -> ReplyRules:
    return ReplyRules.build(kwargs["options"], kwargs["allowed_numbers"], bool(kwargs.get("multiple")))


def _reply_list(batch_ids: Sequence[str], conn_id: str) -> list[Reply]:
    """The platform's replies to the batches (2.4, over the request's connection), at most
    :data:`MAX_REPLIES` per batch. Errors are raised."""
    from airflow_provider_every8d.hooks.every8d import Every8dHook

    hook = Every8dHook(every8d_conn_id=conn_id)
    try:
        return [reply for batch_id in batch_ids
                for reply in itertools.islice(hook.iter_replies(batch_id), MAX_REPLIES)]
    finally:
        hook.close()


def _confirmed(report: DeliveryReport, conn_id: str) -> bool:
    """Whether the platform's reply list of the batch holds this reply: same number, and the same text once
    both are normalised as replies are matched (the push and 2.4 may differ in spacing or width)."""
    text = normalise(report.content)
    try:
        replies = _reply_list([report.batch_id], conn_id)
    except Exception as error:  # the platform is unreachable or refused: the trigger's poll will see it
        log.warning("EVERY8D push: the reply list of batch %s could not be read (%s)", report.batch_id,
                    type(error).__name__)
        return False
    return any(canonical(reply.mobile) == canonical(report.mobile) and normalise(reply.content) == text
               for reply in replies)


def _expired(kwargs: dict[str, Any]) -> bool:
    """Whether the request's ``response_timeout`` has passed: its trigger then ends it (defaults, or the
    timeout error), and a reply, however it reaches us, no longer answers it."""
    deadline = kwargs.get("timeout_datetime")
    if isinstance(deadline, str):
        deadline = datetime.fromisoformat(deadline)
    if not isinstance(deadline, datetime):
        return False
    if deadline.tzinfo is None:
        deadline = deadline.replace(tzinfo=timezone.utc)
    return deadline <= datetime.now(timezone.utc)


def _record(ti_id: Any, answer: Answer, kwargs: dict[str, Any], *, resume: bool,
            budget_ends: float | None = None) -> Written:
    """Write the answer (and with ``resume``, resume the task), unless it was answered or resumed meanwhile,
    the request timed out, or (``budget_ends``, a ``time.monotonic()`` value) the caller stopped waiting."""
    from airflow.models.hitl import HITLDetail
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.trigger import Trigger, handle_event_submit
    from airflow.triggers.base import TriggerEvent
    from airflow.utils.session import create_session
    from airflow.utils.state import TaskInstanceState
    from sqlalchemy import select

    with create_session() as session:
        ti = session.get(TaskInstance, ti_id, with_for_update={"of": TaskInstance})
        record = session.scalar(select(HITLDetail).where(HITLDetail.ti_id == ti_id).with_for_update(of=HITLDetail))
        if ti is None or record is None or ti.state != TaskInstanceState.DEFERRED:
            return Written.GONE
        if record.response_received:
            return Written.ANSWERED
        if _expired(kwargs) or (budget_ends is not None and time.monotonic() > budget_ends):
            return Written.LATE
        record.responded_by = answer.responded_by
        record.responded_at = datetime.now(timezone.utc)
        record.chosen_options = answer.chosen_options
        record.params_input = params_values(kwargs.get("params") or {})
        session.add(record)
        trigger = session.get(Trigger, ti.trigger_id) if ti.trigger_id is not None else None
        if resume and (trigger is None or trigger.triggerer_id is not None):
            handle_event_submit(TriggerEvent(record.as_resume_event_payload()), task_instance=ti, session=session)
        # else no triggerer runs the wait yet: the task deferred moments ago, and resuming it now can meet
        # Airflow 3.3.2's stale defer-exit race (apache/airflow#72716); the trigger reads the answer at start.
    return Written.RECORDED


def answer_from_push(report: DeliveryReport) -> bool:
    """Resolve the request this reply answers, if any; True when it did. Database errors are raised (the
    receiver answers 503 and the platform pushes again; a second run finds the request answered)."""
    if not report.is_reply:
        return False
    for ti_id, kwargs in _waiting(report):
        verdict = _rules(kwargs).judge([Reply("", report.mobile, report.content, report.report_time)])
        for item in verdict.ignored:
            log.info("EVERY8D push: reply from %s to batch %s ignored: %s", item.masked_number, report.batch_id,
                     item.reason)
        if verdict.answer is None:
            continue
        if not _confirmed(report, kwargs.get("every8d_conn_id") or DEFAULT_CONN_ID):
            log.warning("EVERY8D push: reply from %s to batch %s is not in the platform's reply list (yet); "
                        "left to the trigger's poll", mask(canonical(report.mobile)), report.batch_id)
            continue
        if _record(ti_id, verdict.answer, kwargs, resume=True) is Written.RECORDED:
            log.info("EVERY8D push: HITL request of task instance %s answered by SMS from %s: %s", ti_id,
                     verdict.answer.responded_by["name"], verdict.answer.chosen_options)
            return True
    return False


def waiting_request(ti_id: Any) -> tuple[dict[str, Any], bool] | None:
    """``(trigger kwargs, whether its record has a response)`` when ``ti_id`` waits deferred on the HITL
    trigger and has its record, else None."""
    from airflow.models.hitl import HITLDetail
    from airflow.utils.session import create_session

    rows = _waiting_rows(ti_id)
    if not rows:
        return None
    with create_session() as session:
        record = session.get(HITLDetail, ti_id)
        return None if record is None else (rows[0][1], bool(record.response_received))


def answer_from_reply_list(ti_id: Any, kwargs: dict[str, Any], *, budget: float | None = None) -> CheckOutcome:
    """Judge the request's reply list by its own rules and record the answer, without resuming the task;
    nothing is written after ``budget`` seconds (the asking trigger has stopped waiting and writes the answer
    itself: two writers would be one too many). Platform and database errors are raised (the endpoint
    answers 503; the trigger writes the answer itself)."""
    budget_ends = None if budget is None else time.monotonic() + budget
    replies = _reply_list(list(kwargs.get("batch_ids") or ()), kwargs.get("every8d_conn_id") or DEFAULT_CONN_ID)
    answer = _rules(kwargs).judge(replies).answer
    if answer is None:
        return CheckOutcome.NOTHING
    written = _record(ti_id, answer, kwargs, resume=False, budget_ends=budget_ends)
    if written is Written.RECORDED:
        log.info("EVERY8D: HITL request of task instance %s answered by SMS from %s (found by the trigger's "
                 "poll): %s", ti_id, answer.responded_by["name"], answer.chosen_options)
        return CheckOutcome.RECORDED
    if written is Written.LATE:  # the trigger ends it: the timeout's defaults, or its own write
        return CheckOutcome.NOTHING
    return CheckOutcome.ANSWERED if written is Written.ANSWERED else CheckOutcome.UNKNOWN
