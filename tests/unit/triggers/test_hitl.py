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
