"""Test a DAG that texts customers, against the bundled EVERY8D emulator: no account, no phone."""

from datetime import datetime

from airflow.sdk import DAG, task

from airflow_provider_every8d.operators.every8d import Every8dSendSmsOperator
from airflow_provider_every8d.sensors.every8d import Every8dDeliveryStatusSensor


def order_shipped_dag() -> DAG:
    with DAG("order_shipped", schedule=None, start_date=datetime(2025, 1, 1), catchup=False) as dag:
        send = Every8dSendSmsOperator(
            task_id="send",
            message="Order A-1024 has shipped.",
            recipients=["0900000001", "0900000103"],  # the emulator fails numbers ending in 103 with 103
        )
        wait = Every8dDeliveryStatusSensor(task_id="wait", batch_id=send.output, poke_interval=1)

        @task
        def delivered_share(delivery: dict) -> float:
            return delivery["delivered"] / delivery["total"]

        delivered_share(wait.output)
    return dag


def test_the_customer_is_texted_once(every8d_airflow):
    run = every8d_airflow.run(order_shipped_dag())

    assert run.state == "success"
    assert run.task_states == {"send": "success", "wait": "success", "delivered_share": "success"}
    assert run.xcom("send")["sent"] == 2
    assert run.xcom("wait")["by_status"] == {"100": 1, "103": 1}
    assert run.xcom("delivered_share") == 0.5
    assert every8d_airflow.emulator.sent_count("0900000001") == 1
    assert [m.text for m in every8d_airflow.emulator.messages] == ["Order A-1024 has shipped."] * 2
