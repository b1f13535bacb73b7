"""Every8dHITLTrigger's serialized form: a stable classpath and kwargs that rebuild the same trigger."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from airflow_provider_every8d.triggers.hitl import Every8dHITLTrigger


def _trigger(**overrides: object) -> Every8dHITLTrigger:
    kwargs: dict = {"ti_id": uuid.UUID(int=7), "batch_ids": ["b-1"], "options": ["Approve", "Reject"],
                    "allowed_numbers": ["0900000021"], "defaults": ["Reject"],
                    "params": {"note": {"value": "", "schema": {}, "description": None}},
                    "timeout_datetime": datetime(2025, 1, 1, tzinfo=timezone.utc), "poll_interval": 2.0}
    return Every8dHITLTrigger(**{**kwargs, **overrides})


def test_serialize_has_the_stable_classpath_and_rebuilds_the_trigger() -> None:
    classpath, kwargs = _trigger().serialize()
    assert classpath == "airflow_provider_every8d.triggers.hitl.Every8dHITLTrigger"
    again = Every8dHITLTrigger(**kwargs)
    assert again.serialize() == (classpath, kwargs)
    assert kwargs["allowed_numbers"] == ["0900000021"] and kwargs["defaults"] == ["Reject"]


def test_ti_id_as_text_is_read_back_as_a_uuid() -> None:
    assert _trigger(ti_id=str(uuid.UUID(int=7))).ti_id == uuid.UUID(int=7)


@pytest.mark.parametrize("field", ["poll_interval", "record_interval"])
def test_intervals_must_be_positive(field: str) -> None:
    with pytest.raises(ValueError, match="positive"):
        _trigger(**{field: 0})


@pytest.mark.parametrize(("base_url", "execution_api", "check_root"), [
    ("https://airflow.example", None, "https://airflow.example"),
    ("https://airflow.example/airflow/", None, "https://airflow.example/airflow"),
    (None, "http://api.internal:8080/execution/", "http://api.internal:8080"),
    ("/airflow", "http://api.internal:8080/airflow/execution/", "http://api.internal:8080/airflow"),
    (None, None, "http://localhost:8080"),
    ("/airflow", None, "http://localhost:8080/airflow"),
], ids=["base-url", "base-url-with-a-path", "execution-api", "relative-base-url", "nothing-set", "relative-only"])
def test_the_answer_check_is_asked_below_the_api_servers_url(
        monkeypatch: pytest.MonkeyPatch, base_url: str | None, execution_api: str | None, check_root: str) -> None:
    from airflow_provider_every8d.triggers.hitl import _check_url

    settings = {"AIRFLOW__API__BASE_URL": base_url, "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": execution_api}
    for name, value in settings.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    ti_id = uuid.UUID(int=7)
    assert _check_url(ti_id) == f"{check_root}/every8d/hitl/{ti_id}/check"
