"""The connection Test as the UI runs it: Airflow saves the form under a throwaway id and calls
``test_connection``; what comes back must make sense to someone who never saw that id."""

from __future__ import annotations

import json

import pytest

from airflow_provider_every8d.hooks.every8d import Every8dHook

THROWAWAY = "Mv3zYJWi"  # the kind of id Airflow's API gives the copy it tests


def _tested(monkeypatch: pytest.MonkeyPatch, **conn: object) -> tuple[bool, str]:
    monkeypatch.setenv(f"AIRFLOW_CONN_{THROWAWAY.upper()}", json.dumps({"conn_type": "every8d", **conn}))
    return Every8dHook(THROWAWAY).test_connection()


@pytest.mark.parametrize(("conn", "expected"), [
    ({"host": "127.0.0.1", "login": "demo", "password": "pw"},
     "host (in the connection being tested): '127.0.0.1' has no scheme; use e.g. https://127.0.0.1"),
    ({"host": "https://oms.every8d.com", "password": "pw"},
     "login (in the connection being tested): the UID (login) is empty"),
    ({"host": "https://oms.every8d.com", "login": "demo", "password": "pw", "extra": {"timeout": 900}},
     "extra.timeout (in the connection being tested): 900.0 must be between 0 and 600 s"),
])
def test_form_errors_name_the_field_not_the_throwaway_id(monkeypatch, conn, expected) -> None:
    ok, message = _tested(monkeypatch, **conn)
    assert (ok, message) == (False, expected)
    assert THROWAWAY not in message


def test_port_zero_from_the_form_means_no_port(monkeypatch, every8d_emulator) -> None:
    """Airflow 3.3.2's form sends an empty Port as 0 (apache/airflow#73298): it must not reach the URL."""
    ok, message = _tested(monkeypatch, host=f"http://127.0.0.1:{every8d_emulator.port}", port=0, login="demo",
                          password="demo-password")
    assert (ok, message) == (True, f"Connected to http://127.0.0.1:{every8d_emulator.port}; balance 1000.00 points")
