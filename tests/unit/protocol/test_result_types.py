"""The frozen dataclasses a send creates (its result, the request, the settings, the engine's outcome):
frozen, compared and hashed on their compared fields, a repr without the hidden ones (no password, no
message text or numbers), and ``dataclasses.replace``, ``asdict`` and pickling work."""

from __future__ import annotations

import dataclasses
import pickle
from typing import Any

import pytest

from airflow_provider_every8d.protocol.endpoints import Endpoint
from airflow_provider_every8d.protocol.models import SendResult
from airflow_provider_every8d.protocol.request import ApiRequest
from airflow_provider_every8d.sending.outcome import ChunkResult, Outcome, Verdict
from airflow_provider_every8d.settings import ClientSettings

EXAMPLES: list[tuple[Any, str]] = [
    (SendResult(99.0, 1, 1.0, 0, "b1", ("0900000001",)),
     "SendResult(credit=99.0, sent=1, cost=1.0, unsent=0, batch_id='b1', filtered=('0900000001',), msg_id=None, "
     "fail_batch_ids=())"),
    (ClientSettings("https://oms.every8d.com", "demo", "p@ss", timeout=5.0),
     "ClientSettings(base_url='https://oms.every8d.com', uid='demo', timeout=5.0, verify=True, proxies=None, "
     "connect_retries=3, api_version='2.1', auth='password', token_renew_after=25200.0)"),
    (ApiRequest(Endpoint.CREDIT, (("MSG", "secret text"),), recipients=("0900000001",), estimated_cost=2.0),
     "ApiRequest(endpoint=<Endpoint.CREDIT: ('3.1', 'getCredit.ashx', True)>, estimated_cost=2.0)"),
    (Outcome(Verdict.DONE, (ChunkResult("b1", 1, 1.0, 0, 99.0),), 99.0, retry_safe=True),
     "Outcome(verdict=<Verdict.DONE: 'done'>, chunks=(ChunkResult(batch_id='b1', sent=1, cost=1.0, unsent=0, "
     "credit=99.0, filtered=()),), credit=99.0, problem='', retry_safe=True)"),
]


@pytest.mark.parametrize(("value", "shown"), EXAMPLES)
def test_the_repr_names_the_shown_fields_only(value: Any, shown: str) -> None:
    assert repr(value) == shown


@pytest.mark.parametrize(("value", "shown"), EXAMPLES)
def test_a_field_cannot_be_assigned_or_deleted(value: Any, shown: str) -> None:
    name = dataclasses.fields(value)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError, match=name):
        setattr(value, name, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.not_a_field = 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        delattr(value, name)


@pytest.mark.parametrize(("value", "shown"), EXAMPLES)
def test_replace_copies_and_changes_and_the_copy_is_equal_with_the_same_hash(value: Any, shown: str) -> None:
    copy = dataclasses.replace(value)
    assert copy == value and copy is not value and hash(copy) == hash(value)
    first = dataclasses.fields(value)[0].name
    changed = dataclasses.replace(value, **{first: "other"})
    assert getattr(changed, first) == "other" and changed != value
    assert dataclasses.asdict(value)[first] == getattr(value, first)


@pytest.mark.parametrize(("value", "shown"), [example for example in EXAMPLES if type(example[0]) is not ApiRequest])
def test_a_pickled_value_comes_back_equal(value: Any, shown: str) -> None:
    assert pickle.loads(pickle.dumps(value)) == value


def test_a_field_left_out_of_the_comparison_does_not_count() -> None:
    assert Outcome(Verdict.FINAL, problem="x", cause=ValueError("a")) == Outcome(Verdict.FINAL, problem="x")
    assert Outcome(Verdict.FINAL, problem="x") != Outcome(Verdict.RETRY, problem="x")
    assert ApiRequest(Endpoint.CREDIT, parser=len) == ApiRequest(Endpoint.CREDIT)


def test_another_type_is_never_equal() -> None:
    assert SendResult(1.0, 1, 1.0, 0, "b1") != (1.0, 1, 1.0, 0, "b1", (), None, ())

