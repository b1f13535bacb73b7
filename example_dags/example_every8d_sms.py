"""A campaign: an upstream task picks the recipients, the operator sends one SMS text to all of them.

The list may be of any size: the operator splits it into requests of ``chunk_size`` numbers (one batch
each) and returns ``{"batch_ids", "sent", "cost", "unsent", "credit", "filtered"}``. Before anything is
sent it checks the estimated cost against ``max_cost`` and the account balance (``check_credit``).
``deduplicate=True`` routes the send through the platform's 24-hour duplicate filter, so a number that got
this text in the last day (a retry, a second run) is dropped and listed in ``filtered``.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.providers.common.compat.sdk import DAG, task

from airflow_provider_every8d.operators.every8d import Every8dSendSmsOperator

with DAG(
    dag_id="example_every8d_sms",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Taipei"),
    catchup=False,
    tags=["every8d", "example"],
) as dag:

    @task
    def campaign_recipients() -> list[str]:
        """In real life a query (customers who opted in); here 1,200 test numbers."""
        return [f"0900{n:06d}" for n in range(1, 1201)]

    send = Every8dSendSmsOperator(
        task_id="send_campaign",
        message="Spring sale: 20% off everything until Sunday. Reply STOP to opt out.",
        recipients=campaign_recipients(),  # the upstream XCom, a list of numbers
        subject="spring-sale",  # a label in the EVERY8D portal, not sent to phones
        chunk_size=500,  # 1,200 recipients -> 3 requests, 3 batch ids
        deduplicate=True,
        max_cost=2_000,  # points; refuse the send (before any request) if it would cost more
        check_credit=True,  # and refuse it if the balance is too low
        retries=2,
        retry_delay=timedelta(minutes=1),
    )

    @task
    def report(result: dict) -> None:
        print(f"{result['sent']} sent in {len(result['batch_ids'])} batches for {result['cost']} points; "
              f"{len(result['filtered'])} filtered as duplicates; balance {result['credit']}")

    report(send.output)
