"""An MMS with an image shipped next to the DAG (``assets/every8d-coupon.png``).

``attachment`` takes a local path, an ``ObjectStoragePath`` (e.g. ``s3://bucket/coupon.jpg``) or bytes; the
type (jpg, jpeg or png) comes from the file name. Image plus text may be at most 300 KB and cost 3 points
per recipient up to 50 KB, 5 above. The subject is required: at most 15 characters when it contains
Chinese, 95 in plain ASCII. ``wait_for_delivery=True`` waits until every MMS is sent (status 700) and adds
the counts to the XCom as ``"delivery"``.
"""

from __future__ import annotations

from pathlib import Path

import pendulum
from airflow.providers.common.compat.sdk import DAG

from airflow_provider_every8d.operators.every8d import Every8dSendMmsOperator

COUPON = Path(__file__).parent / "assets" / "every8d-coupon.png"

with DAG(
    dag_id="example_every8d_mms",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Taipei"),
    catchup=False,
    tags=["every8d", "example"],
) as dag:
    Every8dSendMmsOperator(
        task_id="send_coupon",
        subject="會員優惠券",  # 5 Chinese characters: within the 15-character limit
        message="Show this coupon at the counter for 10% off. Valid until the end of the month.",
        recipients=["0900000031", "0900000032"],
        attachment=COUPON,
        wait_for_delivery=True,
        poll_interval=30,
    )
