"""The ledger's digests stay what version 4 stores (keyed BLAKE2b, 16 hex digits), however they are computed:
a ledger written by an earlier try must still recognise its recipients."""

from __future__ import annotations

import hashlib

from airflow_provider_every8d.sending.ledger import Ledger, MemoryStore


def test_digests_are_keyed_blake2b_of_each_key() -> None:
    ledger = Ledger(MemoryStore())
    salt = bytes.fromhex(ledger._state["salt"])
    keys = ["0900000001", "+85290000001", "0900000001|20261201120000|text"]
    expected = [hashlib.blake2b(key.encode(), key=salt, digest_size=8).hexdigest() for key in keys]
    assert ledger.digests(keys) == expected == [ledger.digest(key) for key in keys]


def test_a_chunk_begun_is_stored_as_its_digests() -> None:
    store = MemoryStore()
    ledger = Ledger(store)
    number = ledger.begin(("0900000001", "0900000002"))
    assert store.get(f"every8d_send/{number}") == {"digests": ledger.digests(["0900000001", "0900000002"])}
    assert Ledger(store).unsure() == set(ledger.digests(["0900000001", "0900000002"]))
