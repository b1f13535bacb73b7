"""A STATUS=999 push that answers a waiting Every8dHITLOperator request resolves it at once.

Runs in the API server (the push receiver's store thread), which, unlike the triggerer, has the metadata
database: so this is also the one path that records *who* answered (the masked number) in the HITL record,
as ``responded_by``, the way an answer in the UI records the user.

For each task deferred on the HITL trigger (:data:`..constants.HITL_TRIGGER_CLASSPATH`) whose question went
out in the push's batch: the reply is judged by the request's own rules (:mod:`..protocol.hitl`: allowed
numbers, options); an answer is then confirmed with the platform's reply list (2.4) over the request's
EVERY8D connection, so a forged push cannot approve anything; then, under the same row locks and in the
same order as Airflow's ``PATCH .../hitlDetails`` (task instance, then record), the record gets the
response and the task is resumed with it (``handle_event_submit``), as that PATCH does; when no triggerer
runs the wait yet (the task deferred moments ago), the task is left to the trigger, which reads the answer
when it starts (resuming at once could meet Airflow 3.3.2's stale defer-exit race, apache/airflow#72716).
An answered request is left alone (first answer wins). Anything not confirmed is left to the trigger's poll,
the fallback.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from airflow_provider_every8d.constants import DEFAULT_CONN_ID, HITL_TRIGGER_CLASSPATH
from airflow_provider_every8d.protocol.hitl import Answer, ReplyRules, normalise
from airflow_provider_every8d.protocol.models import DeliveryReport, Reply
from airflow_provider_every8d.protocol.phones import canonical
from airflow_provider_every8d.protocol.privacy import mask

log = logging.getLogger(__name__)


def _waiting(report: DeliveryReport) -> list[tuple[Any, dict[str, Any]]]:
    """(task instance id, trigger kwargs) of every request waiting on a reply to the push's batch."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.trigger import Trigger
    from airflow.utils.session import create_session
    from airflow.utils.state import TaskInstanceState
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(
            select(TaskInstance.id, Trigger)
            .join(Trigger, TaskInstance.trigger_id == Trigger.id)
            .where(Trigger.classpath == HITL_TRIGGER_CLASSPATH, TaskInstance.state == TaskInstanceState.DEFERRED)
        ).all()
        found = [(ti_id, trigger.kwargs) for ti_id, trigger in rows]
    return [(ti_id, kwargs) for ti_id, kwargs in found if report.batch_id in kwargs.get("batch_ids", ())]


def _confirmed(report: DeliveryReport, conn_id: str) -> bool:
    """Whether the platform's reply list of the batch holds this reply: same number, and the same text once
    both are normalised as replies are matched (the push and 2.4 may differ in spacing or width)."""
    from airflow_provider_every8d.hooks.every8d import Every8dHook

    hook = Every8dHook(every8d_conn_id=conn_id)
    text = normalise(report.content)
    try:
        return any(canonical(reply.mobile) == canonical(report.mobile) and normalise(reply.content) == text
                   for reply in hook.iter_replies(report.batch_id))
    except Exception as error:  # the platform is unreachable or refused: the trigger's poll will see it
        log.warning("EVERY8D push: the reply list of batch %s could not be read (%s)", report.batch_id,
                    type(error).__name__)
        return False
    finally:
        hook.close()


def _record(ti_id: Any, answer: Answer, params: dict[str, Any]) -> bool:
    """Write the answer and resume the task, unless it was answered or resumed meanwhile."""
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
        if ti is None or record is None or record.response_received or ti.state != TaskInstanceState.DEFERRED:
            return False
        record.responded_by = answer.responded_by
        record.responded_at = datetime.now(timezone.utc)
        record.chosen_options = answer.chosen_options
        record.params_input = {key: value["value"] if isinstance(value, dict) and "value" in value else value
                               for key, value in params.items()}
        session.add(record)
        trigger = session.get(Trigger, ti.trigger_id) if ti.trigger_id is not None else None
        if trigger is None or trigger.triggerer_id is not None:
            handle_event_submit(TriggerEvent(record.as_resume_event_payload()), task_instance=ti, session=session)
        # else no triggerer runs the wait yet: the task deferred moments ago, and resuming it now can meet
        # Airflow 3.3.2's stale defer-exit race (apache/airflow#72716); the trigger reads the answer at start.
    return True


def answer_from_push(report: DeliveryReport) -> bool:
    """Resolve the request this reply answers, if any; True when it did. Database errors are raised (the
    receiver answers 503 and the platform pushes again; a second run finds the request answered)."""
    if not report.is_reply:
        return False
    for ti_id, kwargs in _waiting(report):
        rules = ReplyRules.build(kwargs["options"], kwargs["allowed_numbers"], bool(kwargs.get("multiple")))
        verdict = rules.judge([Reply("", report.mobile, report.content, report.report_time)])
        for item in verdict.ignored:
            log.info("EVERY8D push: reply from %s to batch %s ignored: %s", item.masked_number, report.batch_id,
                     item.reason)
        if verdict.answer is None:
            continue
        if not _confirmed(report, kwargs.get("every8d_conn_id") or DEFAULT_CONN_ID):
            log.warning("EVERY8D push: reply from %s to batch %s is not in the platform's reply list (yet); "
                        "left to the trigger's poll", mask(canonical(report.mobile)), report.batch_id)
            continue
        if _record(ti_id, verdict.answer, kwargs.get("params") or {}):
            log.info("EVERY8D push: HITL request of task instance %s answered by SMS from %s: %s", ti_id,
                     verdict.answer.responded_by["name"], verdict.answer.chosen_options)
            return True
    return False
