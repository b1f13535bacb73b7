"""The ledger's digests stay what version 4 stored (keyed BLAKE2b, 16 hex digits), however they are computed
and kept: a ledger written by an earlier try, or by the provider before an upgrade, must still recognise its
recipients."""

from __future__ import annotations

import hashlib
import secrets

from airflow_provider_every8d.protocol.endpoints import Endpoint
from airflow_provider_every8d.sending import Send, Verdict, phone_recipients, run
from airflow_provider_every8d.sending.ledger import Ledger, MemoryStore
from tests.helpers import numbers
from tests.unit.sending.engine_support import JsonStore, Platform, sms_send


def test_digests_are_keyed_blake2b_of_each_key() -> None:
    ledger = Ledger(MemoryStore())
    salt = bytes.fromhex(ledger._state["salt"])
    keys = ["0900000001", "+85290000001", "0900000001|20261201120000|text"]
    expected = [hashlib.blake2b(key.encode(), key=salt, digest_size=8).hexdigest() for key in keys]
    assert ledger.digests(keys) == expected == [ledger.digest(key) for key in keys]


def test_a_chunk_begun_is_stored_as_its_digests_in_one_string() -> None:
    store = MemoryStore()
    ledger = Ledger(store)
    number = ledger.begin(("0900000001", "0900000002"))
    assert store.get(f"every8d_send/{number}") == {"digests": "".join(ledger.digests(["0900000001", "0900000002"]))}
    assert Ledger(store).unsure() == set(ledger.digests(["0900000001", "0900000002"]))


def _version_4(store: JsonStore, accepted: list[str], inflight: list[str]) -> None:
    """What 0.2.0 development builds left: chunk 1 accepted, chunk 2 in flight (its answer lost), the
    digests of each chunk a JSON list."""
    salt = secrets.token_bytes(16)

    def digests(keys: list[str]) -> list[str]:
        return [hashlib.blake2b(key.encode(), key=salt, digest_size=8).hexdigest() for key in keys]

    store.set("every8d_send", {"version": 4, "salt": salt.hex(), "recipients": "digests", "inflight": [2],
                               "chunks": [{"batch_id": "B1", "sent": len(accepted), "cost": float(len(accepted)),
                                           "unsent": 0, "credit": 90.0, "filtered": [], "chunk": 1}]})
    store.set("every8d_send/1", {"digests": digests(accepted)})
    store.set("every8d_send/2", {"digests": digests(inflight)})


def test_a_version_4_ledger_is_read_and_marked_version_5_when_written(store: JsonStore) -> None:
    keys = numbers(6)
    _version_4(store, keys[:3], keys[3:5])
    ledger = Ledger(store)
    assert ledger.accepted() == set(ledger.digests(keys[:3])) and ledger.unsure() == set(ledger.digests(keys[3:5]))
    ledger.begin(keys[5:])
    assert store.values["every8d_send"]["version"] == 5 and isinstance(store.values["every8d_send/3"]["digests"], str)
    again = Ledger(store)  # list chunks and string chunks side by side
    assert again.unsure() == set(again.digests(keys[3:]))


def test_a_retry_after_the_upgrade_texts_nobody_twice(platform: Platform, store: JsonStore) -> None:
    """Try 1 (before the upgrade) had chunk 1 accepted and chunk 2's answer lost; try 2 runs this version."""
    keys = numbers(9)
    _version_4(store, keys[:3], keys[3:6])
    outcome = run(sms_send(keys, chunk_size=3), platform, store=store)
    assert outcome.verdict is Verdict.DONE
    recheck, fresh = platform.sends()
    assert recheck.endpoint is Endpoint.SEND_SMS_FILTERED and sorted(recheck.recipients) == keys[3:6]
    assert fresh.endpoint is Endpoint.SEND_SMS and sorted(fresh.recipients) == keys[6:]
    assert outcome.batch_ids[0] == "B1"  # the accepted three are not sent again and still reported


def test_a_version_4_ledger_in_flight_without_a_recheck_is_refused(platform: Platform, store: JsonStore) -> None:
    keys = numbers(4)
    _version_4(store, keys[:2], keys[2:])
    send = Send(phone_recipients(keys), lambda items, recheck: sms_send(items).build(items, recheck))
    outcome = run(send, platform, store=store)
    assert outcome.verdict is Verdict.FINAL and platform.sends() == []
