"""The plan: what is left to send on a new try, in which chunks, and each request built once."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_every8d.protocol.build import sms_request
from airflow_provider_every8d.protocol.errors import Every8dValidationError
from airflow_provider_every8d.sending import Send, phone_recipients
from airflow_provider_every8d.sending.ledger import Ledger
from airflow_provider_every8d.sending.outcome import ChunkResult
from airflow_provider_every8d.sending.plan import CannotRecheck, make_plan
from tests.helpers import numbers
from tests.unit.sending.engine_support import JsonStore

RECIPIENTS = numbers(25)


class CountingBuilder:
    """Builds the real requests and remembers each build (items, recheck)."""

    def __init__(self) -> None:
        self.builds: list[tuple[list[str], bool]] = []

    def __call__(self, items: list[Any], recheck: bool) -> Any:
        self.builds.append(([str(item) for item in items], recheck))
        return sms_request("hi", items, deduplicate=recheck)


def _send(build: CountingBuilder, *, can_recheck: bool = True) -> Send:
    return Send(phone_recipients(RECIPIENTS), build, chunk_size=10, can_recheck=can_recheck)


def test_a_first_try_sends_every_recipient_in_chunks_built_once(store: JsonStore) -> None:
    build = CountingBuilder()
    plan = make_plan(_send(build), Ledger(store))
    assert [len(chunk.keys) for chunk in plan.chunks] == [10, 10, 5]
    assert [chunk.recheck for chunk in plan.chunks] == [False] * 3
    assert len(build.builds) == 3 and plan.estimated_cost == plan.cost_to_send == 25
    assert plan.already_accepted == 0


def test_a_retry_leaves_out_the_accepted_and_rechecks_the_unsure_first(store: JsonStore) -> None:
    ledger = Ledger(store)
    ledger.accept(ledger.begin(RECIPIENTS[:10]), ChunkResult("B1", 10, 10.0, 0, 90.0))
    ledger.begin(RECIPIENTS[10:20])  # its answer was lost
    build = CountingBuilder()
    plan = make_plan(_send(build), Ledger(store))
    assert [(list(chunk.keys), chunk.recheck) for chunk in plan.chunks] == [(RECIPIENTS[10:20], True),
                                                                             (RECIPIENTS[20:], False)]
    assert plan.already_accepted == 10 and plan.cost_to_send == 15
    assert plan.estimated_cost == 25  # max_cost is about the whole send, the accepted included
    built = sorted(number for items, _ in build.builds for number in items)
    assert built == sorted(RECIPIENTS)  # every recipient built once, none twice
    assert [recheck for _, recheck in build.builds] == [True, False, False]


def test_a_retry_with_a_changed_list_sends_only_the_new_recipients(store: JsonStore) -> None:
    ledger = Ledger(store)
    ledger.accept(ledger.begin(RECIPIENTS[:20]), ChunkResult("B1", 20, 20.0, 0, 80.0))
    changed = numbers(3, start=900) + RECIPIENTS[:20][::-1]
    send = Send(phone_recipients(changed), CountingBuilder(), chunk_size=10)
    plan = make_plan(send, Ledger(store))
    assert [list(chunk.keys) for chunk in plan.chunks] == [numbers(3, start=900)]


def test_unsure_recipients_without_a_filter_to_resend_through_stop_the_plan(store: JsonStore) -> None:
    Ledger(store).begin(RECIPIENTS[:10])
    build = CountingBuilder()
    with pytest.raises(CannotRecheck, match=r"10 of these recipients.*'every8d_send'"):
        make_plan(_send(build, can_recheck=False), Ledger(store))
    assert build.builds == []


def test_a_bad_chunk_stops_the_plan_before_anything_is_sent(store: JsonStore) -> None:
    def build(items: list[Any], recheck: bool) -> Any:
        return sms_request("x" * 2001, items)

    with pytest.raises(Every8dValidationError, match="message"):
        make_plan(Send(phone_recipients(RECIPIENTS), build), Ledger(store))
    assert store.values == {}  # nothing written down


@pytest.mark.parametrize(("given", "keys"), [
    ("0900000001, 0900000002,0900000001", ["0900000001", "0900000002"]),
    (["+886900000001", "0900000001"], ["0900000001"]),
])
def test_phone_recipients_are_validated_once_and_each_number_once(given: object, keys: list[str]) -> None:
    assert [recipient.key for recipient in phone_recipients(given)] == keys


def test_phone_recipients_name_the_bad_item() -> None:
    with pytest.raises(Every8dValidationError, match=r"recipients\[1\]"):
        phone_recipients(["0900000001", "12ab"])
