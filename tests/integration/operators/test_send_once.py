"""Send once: retries on Airflow 3.3 (task_state_store) and the duplicate filter when an answer is lost.

These tests drive real retries: ``dag.test()`` runs the task, marks it up for retry when it fails and
``retries`` allows it, and runs it again (try 2) in the same DAG run, with the same task_state_store scope
(DAG, run, task, map index) - what the scheduler and a worker do, minus the processes. The emulator's
record of messages proves who got what.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.operators.every8d import Every8dSendSmsOperator
from tests.helpers import (
    DictStore,
    has_task_state_store,
    numbers,
    run_dag,
    send_requests,
    task_instance,
    xcom,
)

START = pendulum.datetime(2025, 1, 1, tz="UTC")
RECIPIENTS = numbers(250)
needs_state_store = pytest.mark.skipif(not has_task_state_store(), reason="task_state_store: Airflow 3.3+")


def _run(dag_id: str, **send_kwargs) -> tuple:
    from airflow.providers.common.compat.sdk import DAG

    with DAG(dag_id, schedule=None, start_date=START, catchup=False) as dag:
        Every8dSendSmsOperator(task_id="send", message="Maintenance tonight 22:00", recipients=RECIPIENTS,
                               chunk_size=100, retries=1, retry_delay=timedelta(0), **send_kwargs)
    dag_run = run_dag(dag)
    return task_instance(dag_run, "send"), dag_run


@needs_state_store
@pytest.mark.parametrize("fault", ["http_500", "reset"])
def test_retry_after_a_failed_third_chunk_sends_only_that_chunk(
        airflow_db, every8d_emulator: Every8dEmulator, fault: str) -> None:
    """Try 1 sends chunks 1 and 2; the 3rd request fails without being processed; try 2 skips the two
    chunks recorded in task_state_store and sends the 3rd: everybody gets exactly one message."""
    every8d_emulator.faults.add(fault, endpoint="sendSMS", times=1, after=2)
    ti, dag_run = _run(f"every8d_once_{fault}")
    assert (ti.state, ti.try_number) == ("success", 2)
    assert [every8d_emulator.sent_count(n) for n in RECIPIENTS] == [1] * len(RECIPIENTS)
    assert send_requests(every8d_emulator) == 4  # try 1: 2 accepted + 1 failed; try 2: the 3rd only
    result = xcom(dag_run, "send")
    assert (result["sent"], result["cost"], result["unsent"], len(result["batch_ids"])) == (250, 250.0, 0, 3)
    assert result["credit"] == every8d_emulator.credit()


@needs_state_store
def test_lost_answer_retried_with_deduplicate_reaches_everybody_once(
        airflow_db, every8d_emulator: Every8dEmulator) -> None:
    """The emulator accepts the 3rd chunk and drops the connection before answering: its batch id is
    unknown, so try 1 fails. Try 2 resends that chunk through the 24-hour duplicate filter (1.3), which
    drops every number that already got the text: -98, a success with sent 0 for that chunk."""
    every8d_emulator.faults.add("drop_after_accept", endpoint="sendSMS4FilterMessage", times=1, after=2)
    ti, dag_run = _run("every8d_once_lost_answer", deduplicate=True)
    assert (ti.state, ti.try_number) == ("success", 2)
    assert [every8d_emulator.sent_count(n) for n in RECIPIENTS] == [1] * len(RECIPIENTS)
    result = xcom(dag_run, "send")
    assert result["sent"] == 200  # the 3rd chunk's 50 were accepted in try 1, their answer was lost
    assert sorted(result["filtered"]) == sorted(RECIPIENTS[200:])
    assert len(result["batch_ids"]) == 2
    assert result["credit"] == every8d_emulator.credit()


def test_lost_answer_without_deduplicate_fails_with_advice(every8d_emulator: Every8dEmulator) -> None:
    """Without the filter, the operator cannot know whether the lost chunk went out: the task fails and says
    so (retries=0 here, so nothing is resent)."""
    from airflow.providers.common.compat.sdk import AirflowException

    every8d_emulator.faults.add("drop_after_accept", endpoint="sendSMS", times=1)
    operator = Every8dSendSmsOperator(task_id="send", message="hi", recipients=RECIPIENTS[:3])

    with pytest.raises(AirflowException) as caught:
        operator.execute({})
    text = str(caught.value)
    assert "may have been accepted" in text and "batch id is unknown" in text and "deduplicate=True" in text
    assert send_requests(every8d_emulator) == 1  # the transport did not resend it


def test_a_second_run_of_a_succeeded_task_sends_nothing_new(every8d_emulator: Every8dEmulator) -> None:
    """A try that finds every chunk in the ledger (e.g. after a failure in wait_for_delivery) returns the
    same XCom without sending: run the operator twice against the same store."""
    store = DictStore()
    operator = Every8dSendSmsOperator(task_id="send", message="hi", recipients=RECIPIENTS, chunk_size=100)
    first = operator.execute({"task_state_store": store})
    second = operator.execute({"task_state_store": store})
    assert first == second
    assert send_requests(every8d_emulator) == 3


def test_changed_recipients_on_retry_send_only_to_the_new_ones(every8d_emulator: Every8dEmulator) -> None:
    """The ledger is per recipient: the 100 already accepted are left out wherever they stand in the list."""
    store = DictStore()
    Every8dSendSmsOperator(task_id="send", message="hi", recipients=RECIPIENTS[:200], chunk_size=100) \
        .execute({"task_state_store": store})
    changed = RECIPIENTS[200:250] + RECIPIENTS[:100][::-1]  # new numbers first, the old ones reversed
    result = Every8dSendSmsOperator(task_id="send", message="hi", recipients=changed, chunk_size=100) \
        .execute({"task_state_store": store})
    assert send_requests(every8d_emulator) == 3  # two chunks before, one chunk of the 50 new numbers now
    assert result["sent"] == 250  # everything this task instance had accepted
    assert all(every8d_emulator.sent_count(n) == 1 for n in RECIPIENTS[:250])


def test_without_task_state_store_the_operator_warns_once(every8d_emulator: Every8dEmulator, capfd, caplog) -> None:
    """Airflow < 3.3 (no task_state_store in the context): one warning per try, naming the remedy."""
    operator = Every8dSendSmsOperator(task_id="send", message="hi", recipients=RECIPIENTS[:250], chunk_size=100)
    operator.execute({})
    output = "".join(capfd.readouterr()) + caplog.text  # Airflow 3 logs to stdout (structlog), 2.11 to logging
    assert output.count("task_state_store is not available") == 1
    assert "deduplicate=True" in output


@pytest.mark.parametrize("fault", ["garbage", "html", "http_500"])
def test_an_unclear_answer_to_a_send_is_not_resent_within_the_try(every8d_emulator: Every8dEmulator,
                                                                   fault: str) -> None:
    from airflow.providers.common.compat.sdk import AirflowException

    every8d_emulator.faults.add(fault, endpoint="sendSMS", times=1)
    with pytest.raises(AirflowException, match=r"chunk 1 of 1 .* may have been accepted"):
        Every8dSendSmsOperator(task_id="send", message="hi", recipients=RECIPIENTS[:3]).execute({})
    assert send_requests(every8d_emulator) == 1
