"""Every8dHITLOperator and Every8dApprovalOperator in dag.test() against the emulator: the question texted,
answered by a scripted SMS reply (or not), the HITL record written, the task resumed."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Any

import pendulum
import pytest
from packaging.version import Version

from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.operators.hitl import Every8dApprovalOperator, Every8dHITLOperator

START = pendulum.datetime(2025, 1, 1, tz="UTC")
APPROVER, OTHER = "0900000021", "0900000022"
FAST = {"poll_interval": 0.2}
needs_state_store = pytest.mark.skipif(Version(__import__("airflow").__version__) < Version("3.3"),
                                       reason="task_state_store: Airflow 3.3+")


def _run(every8d_airflow: Any, dag_id: str, make_task: Any) -> Any:
    from airflow.providers.common.compat.sdk import DAG
    from airflow.providers.standard.operators.empty import EmptyOperator

    with DAG(dag_id, schedule=None, start_date=START, catchup=False) as dag:
        make_task() >> EmptyOperator(task_id="deploy")
    return every8d_airflow.run(dag)


def _record(result: Any, task_id: str) -> Any:
    from airflow.models.hitl import HITLDetail
    from airflow.utils.session import create_session

    ti = result.dag_run.get_task_instance(task_id)
    with create_session() as session:
        record = session.query(HITLDetail).filter_by(ti_id=ti.id).one()
        session.expunge(record)
        return record


def _texts(emulator: Every8dEmulator, number: str) -> list[str]:
    return [message.text for message in emulator.messages if message.mobile == "+886" + number[1:]]


def test_approval_by_sms_reply(every8d_airflow: Any) -> None:
    emulator = every8d_airflow.emulator
    emulator.reply_after(APPROVER, "1", delay=0.2)
    result = _run(every8d_airflow, "hitl_sms_approve", lambda: Every8dApprovalOperator(
        task_id="approve", subject="Deploy v2.3 to prod?", recipients=APPROVER, **FAST))
    assert result.state == "success"
    assert result.task_states == {"approve": "success", "deploy": "success"}
    [text] = _texts(emulator, APPROVER)
    assert text.startswith("Deploy v2.3 to prod? 1 Approve, 2 Reject: reply with the number")
    answer = result.xcom("approve")
    assert answer["chosen_options"] == ["Approve"]
    assert answer["responded_by_user"] == {"id": "every8d-sms:0900***021", "name": "0900***021 (SMS)"}
    record = _record(result, "approve")
    assert record.chosen_options == ["Approve"]
    assert record.responded_at is not None


def test_question_answered_by_option_number(every8d_airflow: Any) -> None:
    emulator = every8d_airflow.emulator
    emulator.reply_after(APPROVER, " 3 ", delay=0.2)
    result = _run(every8d_airflow, "hitl_sms_question", lambda: Every8dHITLOperator(
        task_id="where", subject="Where to deploy?", options=["dev", "staging", "prod"], recipients=APPROVER,
        **FAST))
    assert result.task_states["where"] == "success"
    assert "1 dev, 2 staging, 3 prod: reply with the number" in _texts(emulator, APPROVER)[0]
    assert result.xcom("where")["chosen_options"] == ["prod"]
    assert _record(result, "where").chosen_options == ["prod"]


def test_reply_from_a_number_not_allowed_is_ignored_then_the_default_applies(
        every8d_airflow: Any, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> None:
    emulator = every8d_airflow.emulator
    emulator.reply_after(OTHER, "1", delay=0.1)  # texted, but not allowed to answer
    result = _run(every8d_airflow, "hitl_sms_not_allowed", lambda: Every8dApprovalOperator(
        task_id="approve", subject="Deploy?", recipients=[APPROVER, OTHER], allowed_numbers=[APPROVER],
        defaults="Reject", response_timeout=timedelta(seconds=3), **FAST))
    assert len(emulator.replies) == 1  # the reply was there to be read, and did not count
    assert result.task_states == {"approve": "success", "deploy": "skipped"}  # Reject skips downstream
    logged = caplog.text + capsys.readouterr().out
    assert "reply from 0900***022 ignored: not from an allowed number" in logged
    assert "0900000022" not in logged and "900000022" not in logged.replace("0900***022", "")
    record = _record(result, "approve")  # Reject ends the task by skipping downstream: no XCom, the record
    assert (record.chosen_options, record.responded_by) == (["Reject"], None)  # None: the timeout's default


def test_full_width_digit_is_accepted(every8d_airflow: Any) -> None:
    every8d_airflow.emulator.reply_after(APPROVER, "２", delay=0.2)
    result = _run(every8d_airflow, "hitl_sms_full_width", lambda: Every8dApprovalOperator(
        task_id="approve", subject="Deploy?", recipients=APPROVER, **FAST))
    assert result.task_states == {"approve": "success", "deploy": "skipped"}
    assert _record(result, "approve").chosen_options == ["Reject"]


class _DiesAfterTexting(Every8dApprovalOperator):
    """Try 1 texts the question, then its worker "dies" before deferring."""

    def defer(self, **kwargs: Any) -> None:
        from airflow.providers.common.compat.sdk import AirflowException

        if self._try_number == 1:
            raise AirflowException("worker lost after the SMS went out")
        super().defer(**kwargs)

    def execute(self, context: Any) -> None:
        self._try_number = context["task_instance"].try_number
        super().execute(context)


@needs_state_store
def test_a_retry_after_the_sms_went_out_texts_nobody_again(every8d_airflow: Any) -> None:
    emulator = every8d_airflow.emulator
    emulator.reply_after(APPROVER, "1", delay=0.2)
    result = _run(every8d_airflow, "hitl_sms_retry", lambda: _DiesAfterTexting(
        task_id="approve", subject="Deploy?", recipients=APPROVER, retries=1, retry_delay=timedelta(0), **FAST))
    ti = result.dag_run.get_task_instance("approve")
    assert (ti.state, ti.try_number) == ("success", 2)
    assert len(_texts(emulator, APPROVER)) == 1
    assert result.xcom("approve")["chosen_options"] == ["Approve"]


@needs_state_store
def test_a_lost_send_answer_is_retried_through_the_duplicate_filter(every8d_airflow: Any) -> None:
    """Try 1's question is accepted but the answer is lost; try 2 sends it through the 24-hour filter, which
    drops the number that already has it: texted once. Its batch id is unknown, so the UI answers (here the
    timeout's default)."""
    emulator = every8d_airflow.emulator
    emulator.faults.add("drop_after_accept", endpoint="sendSMS", times=1)
    result = _run(every8d_airflow, "hitl_sms_lost_answer", lambda: Every8dApprovalOperator(
        task_id="approve", subject="Deploy?", recipients=APPROVER, defaults="Approve",
        response_timeout=timedelta(seconds=2), retries=1, retry_delay=timedelta(0), **FAST))
    ti = result.dag_run.get_task_instance("approve")
    assert (ti.state, ti.try_number) == ("success", 2)
    assert emulator.sent_count(APPROVER) == 1
    assert _record(result, "approve").chosen_options == ["Approve"]


def _answer_in_the_ui_when_asked(dag_id: str, chosen: list[str], stop: threading.Event) -> None:
    """What the UI's PATCH writes into the record, once the request exists (the trigger reads it back)."""
    from airflow.models.hitl import HITLDetail
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    while not stop.wait(0.1):
        with create_session() as session:
            record = (session.query(HITLDetail).join(TaskInstance, TaskInstance.id == HITLDetail.ti_id)
                      .filter(TaskInstance.dag_id == dag_id).one_or_none())
            if record is not None:
                record.responded_by = {"id": "7", "name": "alice"}
                record.responded_at = datetime.now(timezone.utc)
                record.chosen_options = chosen
                return


def test_an_answer_in_the_ui_while_the_sms_is_unanswered_ends_the_wait(every8d_airflow: Any) -> None:
    stop = threading.Event()
    ui = threading.Thread(target=_answer_in_the_ui_when_asked, args=("hitl_ui_answer", ["staging"], stop))
    ui.start()
    try:
        result = _run(every8d_airflow, "hitl_ui_answer", lambda: Every8dHITLOperator(
            task_id="where", subject="Where to?", options=["dev", "staging"], recipients=APPROVER, **FAST))
    finally:
        stop.set()
        ui.join(5)
    assert result.task_states["where"] == "success"
    assert every8d_airflow.emulator.replies == []  # nobody replied by SMS
    answer = result.xcom("where")
    assert (answer["chosen_options"], answer["responded_by_user"]) == (["staging"], {"id": "7", "name": "alice"})
