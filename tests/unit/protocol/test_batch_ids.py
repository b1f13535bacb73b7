"""What a rendered ``batch_id`` may look like (protocol-free parsing, no network)."""

from __future__ import annotations

import pytest

from airflow_provider_every8d.protocol.batch_ids import batch_id_list
from airflow_provider_every8d.protocol.errors import Every8dValidationError

A, B = "6a7c1d1e-0b7c-4f5e-9a10-3e9b1b2c3d4e", "fb1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"


@pytest.mark.parametrize(("value", "ids"), [
    (A, [A]),
    (f" {A} ", [A]),
    ([A, B], [A, B]),
    ((A, B, A), [A, B]),
    (f"{A},{B}", [A, B]),
    (f"['{A}', '{B}']", [A, B]),
    ({"batch_ids": [A], "sent": 1}, [A]),
    (str({"batch_ids": [B, A], "sent": 2}), [B, A]),
])
def test_accepted_forms(value: object, ids: list[str]) -> None:
    assert batch_id_list(value) == ids


@pytest.mark.parametrize(("value", "field"), [
    ([], "batch_id: no batch id given"),
    ("", "batch_id: no batch id given"),
    (None, "batch_id: expected a batch id"),
    (12, "batch_id: expected a batch id"),
    ([A, "has space"], "batch_id[1]"),
])
def test_refused_forms_name_the_field(value: object, field: str) -> None:
    with pytest.raises(Every8dValidationError, match=field.replace("[", r"\[").replace("]", r"\]")):
        batch_id_list(value)
