"""wait_for_delivery=True: on the worker and deferred (the trigger runs inline under dag.test())."""

from __future__ import annotations

import pendulum
import pytest
from airflow.providers.common.compat.sdk import AirflowException

from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.operators.every8d import Every8dSendSmsOperator
from tests.helpers import numbers, run_dag, task_instance, xcom

START = pendulum.datetime(2025, 1, 1, tz="UTC")
ONE_FAILS = ["0900000001", "0900000002", "0900000103"]  # ...103 fails with status 103
FAST = {"wait_for_delivery": True, "poll_interval": 0.05, "deferrable": False}


@pytest.mark.every8d(delivery_seconds=0.1)
def test_waits_on_the_worker_and_adds_the_delivery_counts(every8d_emulator: Every8dEmulator) -> None:
    result = Every8dSendSmsOperator(task_id="send", message="hi", recipients=ONE_FAILS, chunk_size=2,
                                    **FAST).execute({})
    assert len(result["batch_ids"]) == 2 and result["sent"] == 3
    assert result["delivery"] == {"total": 3, "delivered": 2, "failed": 1, "cancelled": 0,
                                  "by_status": {"100": 2, "103": 1}}


@pytest.mark.every8d(delivery_seconds=0.1)
@pytest.mark.parametrize(("option", "message"), [({"fail_on_undelivered": True}, "1 of 3 messages was not delivered"),
                                                 ({"min_delivery_rate": 0.9}, "below the minimum 90.0%")])
def test_a_shortfall_fails_the_task(every8d_emulator: Every8dEmulator, option: dict, message: str) -> None:
    """Final: a retry cannot improve delivery and must not send again."""
    from airflow.providers.common.compat.sdk import AirflowFailException

    operator = Every8dSendSmsOperator(task_id="send", message="hi", recipients=ONE_FAILS, **FAST, **option)
    with pytest.raises(AirflowFailException, match=message):
        operator.execute({})


def test_nothing_sent_means_nothing_to_wait_for(every8d_emulator: Every8dEmulator) -> None:
    operator = Every8dSendSmsOperator(task_id="send", message="x", recipients=numbers(2), deduplicate=True, **FAST)
    operator.execute({})
    result = operator.execute({})  # all filtered: no batch
    assert result["batch_ids"] == [] and result["delivery"]["total"] == 0


@pytest.mark.every8d(delivery_seconds=0.1)
def test_deferrable_wait_in_a_dag_run(airflow_db, every8d_emulator: Every8dEmulator) -> None:
    from airflow.providers.common.compat.sdk import DAG

    with DAG("every8d_sms_deferred_wait", schedule=None, start_date=START, catchup=False) as dag:
        Every8dSendSmsOperator(task_id="send", message="hi", recipients=ONE_FAILS, wait_for_delivery=True,
                               deferrable=True, poll_interval=0.05)
    dag_run = run_dag(dag)
    assert task_instance(dag_run, "send").state == "success"
    result = xcom(dag_run, "send")
    assert result["sent"] == 3 and result["delivery"]["by_status"] == {"100": 2, "103": 1}
    assert sum(1 for r in every8d_emulator.requests if r.endpoint == "sendSMS") == 1  # resumed, not resent


@pytest.mark.every8d(delivery_seconds=0.1)
def test_deferred_shortfall_fails_in_a_dag_run(airflow_db, every8d_emulator: Every8dEmulator) -> None:
    from airflow.providers.common.compat.sdk import DAG

    with DAG("every8d_sms_deferred_shortfall", schedule=None, start_date=START, catchup=False) as dag:
        Every8dSendSmsOperator(task_id="send", message="hi", recipients=ONE_FAILS, wait_for_delivery=True,
                               deferrable=True, poll_interval=0.05, fail_on_undelivered=True)
    dag_run = run_dag(dag)
    assert task_instance(dag_run, "send").state == "failed"


def test_an_error_event_fails_with_its_message() -> None:
    operator = Every8dSendSmsOperator(task_id="send", message="hi", recipients="0900000001")
    with pytest.raises(AirflowException, match="waiting for delivery failed: -2 wrong password"):
        operator.execute_complete({}, {"status": "error", "message": "-2 wrong password", "summary": None},
                                  send_result={"batch_ids": ["b-1"]})
