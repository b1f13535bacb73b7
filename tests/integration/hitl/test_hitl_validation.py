"""Bad arguments of the HITL operators fail when the DAG is parsed, naming the field; nothing is sent."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_every8d.operators.hitl import Every8dApprovalOperator, Every8dHITLOperator
from airflow_provider_every8d.protocol.errors import Every8dValidationError


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"recipients": "12ab"}, "recipients[0]"),
    ({"recipients": "0900000021", "allowed_numbers": ["0900000021", "nope"]}, "allowed_numbers[1]"),
    ({"recipients": "0900000021", "max_length": 0}, "max_length"),
    ({"recipients": "0900000021", "max_length": True}, "max_length"),
    ({"recipients": "0900000021", "poll_interval": 0}, "poll_interval"),
    ({"recipients": "0900000021", "start_from_trigger": True}, "start_from_trigger"),
])
def test_bad_sms_arguments_name_the_field(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(Every8dValidationError) as caught:
        Every8dApprovalOperator(task_id="approve", subject="Deploy?", **kwargs)
    assert caught.value.field == field


def test_templated_recipients_are_checked_when_rendered_not_at_parse_time() -> None:
    task = Every8dHITLOperator(task_id="ask", subject="Go?", options=["yes", "no"],
                               recipients="{{ params.on_call }}")
    assert task.recipients == "{{ params.on_call }}"
    assert {"recipients", "allowed_numbers", "sms_subject", "every8d_conn_id", "subject", "body"} <= set(
        task.template_fields)


def test_hitl_arguments_are_still_checked_by_airflow() -> None:
    with pytest.raises(ValueError, match="options"):
        Every8dHITLOperator(task_id="ask", subject="Go?", options=[], recipients="0900000021")
    with pytest.raises(ValueError, match="not allowed"):
        Every8dApprovalOperator(task_id="approve", subject="Go?", options=["a"], recipients="0900000021")
