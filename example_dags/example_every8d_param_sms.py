"""Personalised SMS (API 1.5): one request, a different text for each recipient.

An upstream task returns a list of dicts: ``mobile`` and ``params`` fill ``%field1%`` .. ``%field5%`` of the
template (at most five params, no ``|`` in them). Leave ``message`` out and give each recipient a
``content`` instead for fully individual texts. ``mr`` is your reference, echoed in delivery reports.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.providers.common.compat.sdk import DAG, task

from airflow_provider_every8d.operators.every8d import Every8dSendParamSmsOperator

with DAG(
    dag_id="example_every8d_param_sms",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Taipei"),
    catchup=False,
    tags=["every8d", "example"],
) as dag:

    @task
    def orders_shipping_today() -> list[dict]:
        """In real life a query; the keys are the operator's recipient fields."""
        return [
            {"mobile": "0900000021", "name": "Lin", "params": ["Lin", "A-1001", "16:00"], "mr": "A-1001"},
            {"mobile": "0900000022", "name": "Chen", "params": ["Chen", "A-1002", "18:00"], "mr": "A-1002"},
            {"mobile": "0900000023", "name": "Wang", "params": ["Wang", "A-1003", "20:00"], "mr": "A-1003"},
        ]

    send = Every8dSendParamSmsOperator(
        task_id="send_shipping_notices",
        message="Hi %field1%, order %field2% ships today and arrives by %field3%.",
        recipients=orders_shipping_today(),
        subject="shipping",
        retries=2,
        retry_delay=timedelta(minutes=1),
    )

    @task
    def report(result: dict) -> None:
        print(f"{result['sent']} personalised messages sent for {result['cost']} points: {result['batch_ids']}")

    report(send.output)
