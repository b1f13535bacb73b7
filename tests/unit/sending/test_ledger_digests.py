"""The ledger's digests: BLAKE2s of the salt followed by each key (version 6); a ledger begun before (keyed
BLAKE2b, versions 4 and 5) keeps its own kind of digest, so that a ledger written by the provider before an
upgrade still recognises its recipients."""

from __future__ import annotations

import hashlib
import secrets

import pytest

from airflow_provider_every8d.protocol.endpoints import Endpoint
from airflow_provider_every8d.sending import Send, Verdict, phone_recipients, run
from airflow_provider_every8d.sending.ledger import Ledger, MemoryStore
from tests.helpers import numbers
from tests.unit.sending.engine_support import JsonStore, Platform, sms_send


def test_digests_are_blake2s_of_the_salt_followed_by_each_key() -> None:
    ledger = Ledger(MemoryStore())
    salt = bytes.fromhex(ledger._state["salt"])
    keys = ["0900000001", "+85290000001", "0900000001|20261201120000|" + "text " * 40]
    expected = [hashlib.blake2s(salt + key.encode(), digest_size=8).hexdigest() for key in keys]
    assert ledger.digests(keys) == expected == [ledger.digest(key) for key in keys]
    assert ledger._state["digest"] == "blake2s-prefix"


def test_a_chunk_begun_is_stored_as_its_digests_in_one_string() -> None:
    store = MemoryStore()
    ledger = Ledger(store)
    number = ledger.begin(("0900000001", "0900000002"))
    assert store.get(f"every8d_send/{number}") == {"of": ledger._state["id"],
                                                    "digests": "".join(ledger.digests(["0900000001", "0900000002"]))}
    assert Ledger(store).unsure() == set(ledger.digests(["0900000001", "0900000002"]))


def _older(store: JsonStore, accepted: list[str], inflight: list[str], version: int = 4) -> None:
    """What 0.2.0 development builds left: chunk 1 accepted, chunk 2 in flight (its answer lost), keyed
    digests, every chunk in flight listed; a chunk's digests a JSON list (version 4) or one string (5)."""
    salt = secrets.token_bytes(16)

    def digests(keys: list[str]) -> list[str] | str:
        made = [hashlib.blake2b(key.encode(), key=salt, digest_size=8).hexdigest() for key in keys]
        return made if version == 4 else "".join(made)

    store.set("every8d_send", {"version": version, "salt": salt.hex(), "recipients": "digests", "inflight": [2],
                               "chunks": [{"batch_id": "B1", "sent": len(accepted), "cost": float(len(accepted)),
                                           "unsent": 0, "credit": 90.0, "filtered": [], "chunk": 1}]})
    store.set("every8d_send/1", {"digests": digests(accepted)})
    store.set("every8d_send/2", {"digests": digests(inflight)})


@pytest.mark.parametrize("version", [4, 5])
def test_an_older_ledger_is_read_and_marked_version_6_when_written(store: JsonStore, version: int) -> None:
    keys = numbers(6)
    _older(store, keys[:3], keys[3:5], version)
    ledger = Ledger(store)
    assert ledger.accepted() == set(ledger.digests(keys[:3])) and ledger.unsure() == set(ledger.digests(keys[3:5]))
    ledger.begin(keys[5:])
    main = store.values["every8d_send"]
    assert (main["version"], main["digest"]) == (6, "blake2b-keyed")  # its digests stay keyed
    assert isinstance(store.values["every8d_send/3"]["digests"], str)
    again = Ledger(store)  # list chunks and string chunks side by side; chunk 3 found though not listed
    assert again.unsure() == set(again.digests(keys[3:]))


@pytest.mark.parametrize("version", [4, 5])
def test_a_retry_after_the_upgrade_texts_nobody_twice(platform: Platform, store: JsonStore, version: int) -> None:
    """Try 1 (before the upgrade) had chunk 1 accepted and chunk 2's answer lost; try 2 runs this version."""
    keys = numbers(9)
    _older(store, keys[:3], keys[3:6], version)
    outcome = run(sms_send(keys, chunk_size=3), platform, store=store)
    assert outcome.verdict is Verdict.DONE
    recheck, fresh = platform.sends()
    assert recheck.endpoint is Endpoint.SEND_SMS_FILTERED and sorted(recheck.recipients) == keys[3:6]
    assert fresh.endpoint is Endpoint.SEND_SMS and sorted(fresh.recipients) == keys[6:]
    assert outcome.batch_ids[0] == "B1"  # the accepted three are not sent again and still reported
    assert run(sms_send(keys, chunk_size=3), platform, store=store).verdict is Verdict.DONE  # a third try
    assert len(platform.sends()) == 2 and sorted(platform.sent_to()) == keys[3:]


@pytest.mark.parametrize("version", [4, 5])
def test_an_older_ledger_in_flight_without_a_recheck_is_refused(platform: Platform, store: JsonStore,
                                                                version: int) -> None:
    keys = numbers(4)
    _older(store, keys[:2], keys[2:], version)
    send = Send(phone_recipients(keys), lambda items, recheck: sms_send(items).build(items, recheck))
    outcome = run(send, platform, store=store)
    assert outcome.verdict is Verdict.FINAL and platform.sends() == []
