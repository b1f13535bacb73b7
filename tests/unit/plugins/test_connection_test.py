"""PortZeroFix's rewrite: only an every8d test request's ``"port": 0`` goes (apache/airflow#73298)."""

from __future__ import annotations

import json

import pytest

from airflow_provider_every8d.plugins.connection_test import without_port_zero

ROW_TEST = {"conn_type": "every8d", "connection_id": "sms", "host": "https://oms.every8d.com", "login": "u",
            "password": "***", "port": 0, "schema": "", "extra": "{}"}


def test_the_rows_port_zero_is_dropped_and_nothing_else() -> None:
    fixed = without_port_zero(json.dumps(ROW_TEST).encode())
    assert fixed is not None
    assert json.loads(fixed) == {k: v for k, v in ROW_TEST.items() if k != "port"}


@pytest.mark.parametrize("body", [
    {**ROW_TEST, "conn_type": "http"},  # another connection type: Airflow's own rules
    {**ROW_TEST, "port": 8443},  # a real port: compared with the stored one as usual
    {k: v for k, v in ROW_TEST.items() if k != "port"},
    [ROW_TEST],
])
def test_other_bodies_pass_unchanged(body: object) -> None:
    assert without_port_zero(json.dumps(body).encode()) is None


def test_a_body_that_is_no_json_passes_unchanged() -> None:
    assert without_port_zero(b"port=0") is None
