"""What the ledger writes, and when: a chunk's recipients before its request, the main key after its answer
(two writes a chunk), and what a try that died in between leaves for the next one."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_every8d.protocol.request import ApiRequest
from airflow_provider_every8d.sending import Verdict, run
from airflow_provider_every8d.sending.ledger import Ledger, UnreadableLedger
from airflow_provider_every8d.sending.outcome import ChunkResult
from tests.helpers import numbers
from tests.unit.sending.engine_support import JsonStore, Platform, sms_send


class CountingStore(JsonStore):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def set(self, key: str, value: Any) -> None:
        self.writes.append(key)
        super().set(key, value)


def test_each_chunk_is_written_twice_and_the_main_key_once_before_the_first(platform: Platform) -> None:
    store = CountingStore()
    assert run(sms_send(numbers(9), chunk_size=3), platform, store=store).verdict is Verdict.DONE
    assert store.writes == ["every8d_send", "every8d_send/1", "every8d_send", "every8d_send/2", "every8d_send",
                            "every8d_send/3", "every8d_send"]


def test_every_request_goes_out_with_its_recipients_already_in_flight_in_the_store(store: JsonStore) -> None:
    platform, seen = Platform(), []

    def call(request: ApiRequest) -> Any:
        next_try = Ledger(store)  # what a try would read if this worker died now
        seen.append(next_try.unsure() == set(next_try.digests(request.recipients)))
        return platform(request)

    assert run(sms_send(numbers(6), chunk_size=2), call, store=store).verdict is Verdict.DONE
    assert seen == [True, True, True]


def test_a_try_that_died_after_an_accepted_chunk_leaves_the_next_one_in_flight(store: JsonStore) -> None:
    keys = numbers(6)
    ledger = Ledger(store)
    ledger.accept(ledger.begin(keys[:3]), ChunkResult("B1", 3, 3.0, 0, 97.0))
    ledger.begin(keys[3:])  # its request went out; the worker died before the answer
    retry = Ledger(store)
    assert retry.accepted() == set(retry.digests(keys[:3])) and retry.unsure() == set(retry.digests(keys[3:]))
    retry.accept(retry.begin(keys[4:]), ChunkResult("B2", 2, 2.0, 0, 95.0))  # listed from this write on
    third = Ledger(store)
    assert third.unsure() == {third.digest(keys[3])} and store.values["every8d_send"]["inflight"] == [2]


def test_chunk_keys_of_a_deleted_ledger_are_not_taken_as_in_flight(store: JsonStore) -> None:
    keys = numbers(9)
    old = Ledger(store)
    for part in (keys[:3], keys[3:6], keys[6:]):
        old.accept(old.begin(part), ChunkResult("B", 3, 3.0, 0, 90.0))
    del store.values["every8d_send"]  # as the docs say, to send to everyone again
    ledger = Ledger(store)
    assert ledger.empty
    ledger.accept(ledger.begin(keys[:3]), ChunkResult("B4", 3, 3.0, 0, 87.0))
    ledger.begin(keys[3:6])  # lost; the old ledger's chunk 3 is still in the store
    retry = Ledger(store)
    assert retry.unsure() == set(retry.digests(keys[3:6]))


def test_a_settled_chunk_is_not_in_flight_even_if_later_ones_are(store: JsonStore) -> None:
    keys = numbers(6)
    ledger = Ledger(store)
    ledger.settle(ledger.begin(keys[:3]))  # connection refused: never reached the platform
    retry = Ledger(store)
    retry.begin(keys[3:])  # lost
    assert Ledger(store).unsure() == set(retry.digests(keys[3:]))


@pytest.mark.parametrize("missing", ["id", "unlisted_from"])
def test_a_version_6_ledger_without_what_finds_its_chunks_is_refused(store: JsonStore, missing: str) -> None:
    ledger = Ledger(store)
    ledger.begin(numbers(2))
    del store.values["every8d_send"][missing]
    with pytest.raises(UnreadableLedger, match=r"'every8d_send'.*Delete the key"):
        Ledger(store)
