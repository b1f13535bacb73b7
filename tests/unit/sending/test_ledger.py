"""The ledger: in flight -> accepted or settled; keyed digests, never a number; older ledgers."""

from __future__ import annotations

import re

import pytest

from airflow_provider_every8d.sending.ledger import Ledger, UnreadableLedger
from airflow_provider_every8d.sending.outcome import ChunkResult
from tests.helpers import numbers
from tests.unit.sending.engine_support import JsonStore

KEYS = numbers(3)
RESULT = ChunkResult("B1", 3, 3.0, 0, 97.0, filtered=(KEYS[2],))


def test_a_new_ledger_is_empty(store: JsonStore) -> None:
    ledger = Ledger(store)
    assert ledger.empty and ledger.accepted() == set() and ledger.unsure() == set() and ledger.results == []


def test_a_chunk_in_flight_is_unsure_until_accepted(store: JsonStore) -> None:
    ledger = Ledger(store)
    number = ledger.begin(KEYS)
    again = Ledger(store)  # what the next try reads
    assert not again.empty and again.unsure() == {again.digest(k) for k in KEYS} and again.accepted() == set()
    ledger.accept(number, RESULT)
    again = Ledger(store)
    assert again.accepted() == {again.digest(k) for k in KEYS} and again.unsure() == set()
    assert [r.batch_id for r in again.results] == ["B1"]


def test_a_settled_chunk_is_forgotten(store: JsonStore) -> None:
    ledger = Ledger(store)
    ledger.settle(ledger.begin(KEYS))
    assert Ledger(store).empty


def test_unsure_recipients_stay_unsure_until_a_chunk_holding_them_is_accepted(store: JsonStore) -> None:
    ledger = Ledger(store)
    ledger.begin(KEYS)  # try 1: the answer was lost
    retry = Ledger(store)
    retry.begin(KEYS[:2])  # try 2: lost again, for two of them
    third = Ledger(store)
    assert third.unsure() == {third.digest(k) for k in KEYS}
    third.accept(third.begin(KEYS[:2]), ChunkResult("B2", 2, 2.0, 0, 95.0))
    fourth = Ledger(store)
    assert fourth.unsure() == {fourth.digest(KEYS[2])}


def test_the_store_holds_digests_and_no_phone_number(store: JsonStore) -> None:
    ledger = Ledger(store)
    ledger.accept(ledger.begin(KEYS), RESULT)
    ledger.begin(numbers(2, start=500))
    dump = store.dump()
    assert not re.search(r'"09\d{8}"', dump), dump
    assert set(store.values) == {"every8d_send", "every8d_send/1", "every8d_send/2"}
    assert store.values["every8d_send"]["version"] == 6
    assert re.fullmatch(r"(?:[0-9a-f]{16}){3}", store.values["every8d_send/1"]["digests"])
    assert store.values["every8d_send"]["chunks"][0]["filtered"] == [ledger.digest(KEYS[2])]
    assert "no phone number" in store.values["every8d_send"]["recipients"]  # says what a reader sees


def test_each_ledger_has_its_own_salt(store: JsonStore) -> None:
    first, second = Ledger(store), Ledger(JsonStore())
    assert first.digest(KEYS[0]) != second.digest(KEYS[0])
    first.begin(KEYS)
    assert Ledger(store).digest(KEYS[0]) == first.digest(KEYS[0])  # kept in the ledger, read back


def test_deleting_the_key_starts_afresh(store: JsonStore) -> None:
    ledger = Ledger(store)
    ledger.accept(ledger.begin(KEYS), RESULT)
    del store.values["every8d_send"]
    assert Ledger(store).empty


def test_another_user_keeps_its_own_key(store: JsonStore) -> None:
    ledger = Ledger(store, key="every8d_hitl")
    ledger.begin(KEYS)
    assert set(store.values) == {"every8d_hitl", "every8d_hitl/1"} and Ledger(store).empty


def _v3(store: JsonStore) -> None:
    store.set("every8d_send", {"version": 3, "inflight": [2], "chunks": [
        {"batch_id": "B1", "sent": 2, "cost": 2.0, "unsent": 0, "credit": 98.0, "filtered": [KEYS[1]], "chunk": 1}]})
    store.set("every8d_send/1", KEYS[:2])
    store.set("every8d_send/2", KEYS[2:])


def test_a_version_3_ledger_is_read_and_rewritten_without_numbers(store: JsonStore) -> None:
    _v3(store)
    ledger = Ledger(store)
    assert ledger.accepted() == {ledger.digest(k) for k in KEYS[:2]}
    assert ledger.unsure() == {ledger.digest(KEYS[2])}
    assert ledger.results[0].filtered == (ledger.digest(KEYS[1]),)
    assert not re.search(r'"09\d{8}"', store.dump()) and store.values["every8d_send"]["version"] == 6
    again = Ledger(store)
    assert (again.accepted(), again.unsure()) == (ledger.accepted(), ledger.unsure())


def test_an_upgrade_cut_short_after_the_salt_still_reads(store: JsonStore) -> None:
    """The worker died after the new main key was written, before the chunks were rewritten."""
    _v3(store)
    Ledger(store)
    store.set("every8d_send/2", KEYS[2:])  # chunk 2 as version 3 left it
    ledger = Ledger(store)
    assert ledger.unsure() == {ledger.digest(KEYS[2])}


@pytest.mark.parametrize("stored", [{"version": 7, "chunks": [], "inflight": []}, ["0900000001"], "x",
                                    {"version": 4, "chunks": [], "inflight": []},
                                    {"version": 4, "salt": "not hex", "chunks": [], "inflight": []},
                                    {"version": 5, "chunks": [], "inflight": []}])
def test_an_unknown_ledger_is_refused_naming_the_key(store: JsonStore, stored: object) -> None:
    store.set("every8d_send", stored)
    with pytest.raises(UnreadableLedger, match=r"'every8d_send'.*Delete the key"):
        Ledger(store)


def test_without_a_store_the_ledger_lasts_one_try() -> None:
    ledger = Ledger(None)
    ledger.begin(KEYS)
    assert not ledger.persistent and ledger.unsure() and Ledger(None).empty
