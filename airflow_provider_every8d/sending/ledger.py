"""Send once across task retries: which recipients the platform accepted, kept in a store.

An SMS cannot be taken back, so a retried task must not text anyone the platform already accepted. The
ledger is per recipient, not per chunk: a retry leaves out every accepted recipient, wherever it stands in
the list and whatever else changed in it, and sends only the rest (chunked afresh). A recipient is known by
its *key* (its number for SMS and MMS; number, send time and text for param SMS, where one number may get
several different messages), and the ledger keeps only a keyed digest of each key, 8 bytes as 16 hex
digits. The ledger only ever asks "was this recipient accepted?", which a digest answers; it holds no phone
number (the filtered numbers of a chunk are digests too).

The digest (version 6): BLAKE2s-64 of the ledger's random 16-byte salt followed by the key, in one
compression for any key up to 48 bytes (a phone number is 10 to 16). BLAKE2's keyed mode is this same
prefix MAC with the key padded to a block of its own, which costs a second compression per recipient;
BLAKE2 has no length extension (its last block is flagged), which is why a secret prefix is a MAC at all.
BLAKE2s rather than BLAKE2b: a smaller state to copy and a cheaper compression for a block this short
(about 10% of the digest loop). Ledgers begun before version 6 keep keyed BLAKE2b digests
(``"digest": "blake2b-keyed"``) to the end, so that their recipients are still recognised. What a digest
protects against, and what not, is in docs/sending-once.md.

Writes, two per chunk (and one more before a try's first chunk when the main key is not yet in this
version's form, e.g. a new ledger: its salt must be kept before any digest made with it)::

    before the request, which may reach the platform:  every8d_send/n (the chunk's digests)
    after its answer:                                  every8d_send   (n accepted; "unlisted_from": n + 1)

A chunk key numbered ``unlisted_from``, and each after it up to the first number not stored by this ledger
(its ``"of"`` is the ledger's ``id``, so keys left behind by a deleted ledger are not read), is *in flight*
without being listed: written before its request, never accepted nor settled. So the request
never goes out before its recipients are on record, and a worker that dies after sending (or an answer
lost) leaves the chunk in flight for the next try, exactly as a listed one. Chunks in flight from earlier
tries are listed in ``inflight`` from the next write of the main key on. Their recipients are *unsure*
until a chunk holding them is accepted.

Layout in the store (values stay small: Airflow warns above 64 KB a value)::

    every8d_send   = {"version": 6, "salt": "<32 hex>", "digest": "blake2s-prefix", "recipients": "<how>",
                      "id": "<8 hex>", "chunks": [result, ...], "inflight": [chunk number, ...],
                      "unlisted_from": n}
    every8d_send/n = {"of": "<the id>", "digests": "<16 hex><16 hex>..."}   chunk n's recipients, one string

Older ledgers: version 5 (a chunk's digests one string) and version 4 (a JSON list of them), both
keyed-mode digests and every in-flight chunk listed, are read as they are and written as version 6 (keyed
digests kept) from their first write, so that an older provider refuses them instead of missing an
unlisted chunk. A version 3 ledger (0.1.0 development builds: numbers in clear, ``every8d_send/n`` a list of
keys) is rewritten as version 6 before anything is sent. Without a store (Airflow < 3.3) the same ledger
lives in memory for one try only. Delete the ledger's key to make the next try send to everyone again.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import deque
from collections.abc import Sequence
from itertools import repeat
from typing import Any, Protocol

from airflow_provider_every8d.sending.outcome import ChunkResult

LEDGER_KEY = "every8d_send"
"""The store key of a send operator's ledger (delete it to force a resend)."""
VERSION = 6
READABLE_VERSIONS = (3, 4, 5, VERSION)
DIGEST_HEX = 16
"""Hex digits of each digest: 64 bits, no collision to fear among a send's recipients."""
PREFIX, KEYED = "blake2s-prefix", "blake2b-keyed"
"""How a ledger's digests are made: BLAKE2s of salt + key (version 6), or BLAKE2b keyed with the salt (4, 5)."""
HOW_KEPT = {PREFIX: "BLAKE2s of the salt followed by each recipient key, 16 hex digits; no phone number is kept",
            KEYED: "BLAKE2b keyed with the salt, of each recipient key, 16 hex digits; no phone number is kept"}


class Store(Protocol):
    """What the ledger needs of a store: Airflow 3.3's ``task_state_store`` has it (JSON values)."""

    def get(self, key: str, default: Any = None) -> Any: ...

    def set(self, key: str, value: Any) -> None: ...


class UnreadableLedger(Exception):
    """The store holds, under the ledger's key, something this version cannot read."""


class MemoryStore:
    """Stands in for a store where there is none: remembers for this try only."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self.values[key] = value


class Ledger:
    """Accepted and in-flight recipients of one send (one task instance, one ``key``)."""

    def __init__(self, store: Store | None, *, key: str = LEDGER_KEY) -> None:
        self.key = key
        self.persistent = store is not None
        self._store: Store = store if store is not None else MemoryStore()
        state = self._store.get(key)
        self._written = isinstance(state, dict) and state.get("version") == VERSION
        """The main key is in this version's form in the store: a chunk may be written unlisted."""
        if state is None:
            state = {"version": VERSION, "salt": secrets.token_hex(16), "digest": PREFIX,
                     "recipients": HOW_KEPT[PREFIX], "chunks": [], "inflight": []}
        elif not isinstance(state, dict) or state.get("version") not in READABLE_VERSIONS:
            raise UnreadableLedger(
                f"the store key {key!r} holds a ledger this provider version cannot read (version "
                f"{state.get('version') if isinstance(state, dict) else type(state).__name__}); not sending, "
                "so nobody is texted twice. Delete the key to start the send afresh.")
        self._state: dict[str, Any] = state
        self._salt = self._read_salt(state)
        how = state.setdefault("digest", PREFIX if state["version"] == 3 else KEYED)  # 4 and 5 knew no other
        if how not in HOW_KEPT:
            raise UnreadableLedger(f"the store key {key!r} holds digests made as {how!r}, unknown to this provider "
                                   "version; not sending, so nobody is texted twice. Delete the key to start "
                                   "the send afresh.")
        self._hash: Any = (hashlib.blake2s(self._salt, digest_size=DIGEST_HEX // 2) if how == PREFIX
                           else hashlib.blake2b(key=self._salt, digest_size=DIGEST_HEX // 2))
        """Salted (or keyed) once: each digest starts from a copy."""
        self._digests: dict[int, frozenset[str]] = {}
        if self._written and not ("id" in state and "unlisted_from" in state):
            raise UnreadableLedger(f"the store key {key!r} holds a version {VERSION} ledger without its id or "
                                   "unlisted_from; not sending, so nobody is texted twice. Delete the key to "
                                   "start the send afresh.")
        state.setdefault("id", secrets.token_hex(4))
        if state["version"] == 3:
            self._upgrade()
        self._state["version"] = VERSION
        self._state["inflight"] = list(self._state["inflight"]) + self._unlisted()
        self._next = max([c["chunk"] for c in self._state["chunks"]] + self._state["inflight"]
                         + [self._state.get("unlisted_from", 1) - 1, 0]) + 1

    def _read_salt(self, state: dict[str, Any]) -> bytes:
        """The ledger's salt (a new one for a version 3 ledger, which had none). A later ledger without
        a readable salt cannot tell its recipients apart: refused, never guessed."""
        if state["version"] == 3:
            return secrets.token_bytes(16)
        try:
            return bytes.fromhex(state["salt"])
        except (KeyError, TypeError, ValueError):
            raise UnreadableLedger(f"the store key {self.key!r} holds a ledger without its salt; not sending, so "
                                   "nobody is texted twice. Delete the key to start the send afresh.") from None

    def _unlisted(self) -> list[int]:
        """Chunks written before their request and not yet listed (version 6): from ``unlisted_from`` on,
        up to the first number not stored by this ledger (``"of"``: its id; a chunk key left by a ledger
        whose main key was deleted is not one of them). Read once here; their digests are kept."""
        if not self._written or "unlisted_from" not in self._state:  # versions 4, 5 listed every chunk
            return []
        found, number = [], int(self._state["unlisted_from"])
        while isinstance(stored := self._store.get(f"{self.key}/{number}"), dict) and \
                stored.get("of") == self._state["id"]:
            self._digests[number] = self._parse(stored)
            found.append(number)
            number += 1
        return found

    def digest(self, key: str) -> str:
        """The digest the ledger keeps for recipient ``key``."""
        hashed = self._hash.copy()
        hashed.update(key.encode("utf-8"))
        return hashed.hexdigest()

    def digests(self, keys: Sequence[str]) -> list[str]:
        """:meth:`digest` of every key, in order."""
        joined = self._joined(keys)
        return [joined[start:start + DIGEST_HEX] for start in range(0, len(joined), DIGEST_HEX)]

    def _joined(self, keys: Sequence[str]) -> str:
        """:meth:`digest` of every key, concatenated in order (what a chunk key stores). No Python loop:
        copies, updates and digests are ``map``-ped over the keys in C (a tenth less than a loop making the
        same calls), the raw digests joined and turned into hex once."""
        kind = type(self._hash)
        hashes = list(map(kind.copy, repeat(self._hash, len(keys))))
        deque(map(kind.update, hashes, map(str.encode, keys)), maxlen=0)
        return b"".join(map(kind.digest, hashes)).hex()

    # -- reading -----------------------------------------------------------------------------------
    @property
    def empty(self) -> bool:
        """Nothing accepted and nothing in flight: a first try."""
        return not self._state["chunks"] and not self._state["inflight"]

    def _parse(self, stored: Any) -> frozenset[str]:
        digests = stored.get("digests") if isinstance(stored, dict) else None
        if isinstance(digests, str):  # versions 5 and 6: one string of 16 hex digits each
            return frozenset(digests[start:start + DIGEST_HEX] for start in range(0, len(digests), DIGEST_HEX))
        if isinstance(stored, dict):  # version 4: a list of digests
            return frozenset(str(d) for d in digests or ())
        return frozenset(self.digest(str(k)) for k in stored or ())  # version 3: the keys themselves

    def _chunk(self, number: int) -> frozenset[str]:
        if number not in self._digests:
            self._digests[number] = self._parse(self._store.get(f"{self.key}/{number}"))
        return self._digests[number]

    @property
    def results(self) -> list[ChunkResult]:
        """The accepted chunks, in the order they were accepted; ``filtered`` holds digests."""
        return [ChunkResult.from_ledger(entry) for entry in self._state["chunks"]]

    def accepted(self) -> set[str]:
        """Digests of every accepted recipient."""
        return {d for chunk in self._state["chunks"] for d in self._chunk(chunk["chunk"])}

    def unsure(self) -> set[str]:
        """Digests of recipients of chunks sent without an answer (by any earlier try) and not accepted
        since: they may have the message, however many tries ago that was."""
        return {d for number in self._state["inflight"] for d in self._chunk(number)} - self.accepted()

    # -- writing -----------------------------------------------------------------------------------
    def _save(self, unlisted_from: int) -> None:
        """Write the main key: every chunk below ``unlisted_from`` is listed (accepted or in flight)."""
        self._state["unlisted_from"] = unlisted_from
        self._store.set(self.key, self._state)
        self._written = True

    def _write_chunk(self, number: int, joined: str) -> None:
        """Store chunk ``number``'s digests (:meth:`_joined`); read back as a set only when asked for."""
        self._store.set(f"{self.key}/{number}", {"of": self._state["id"], "digests": joined})
        self._digests.pop(number, None)

    def begin(self, keys: Sequence[str]) -> int:
        """Write a chunk down as in flight, before its request goes out; returns its number. One write
        (its digests) once the main key is in this version's form; before, the main key first (the salt)."""
        number = self._next
        if not self._written:
            self._save(number)
        self._write_chunk(number, self._joined(keys))
        self._state["inflight"].append(number)
        self._next = number + 1
        return number

    def accept(self, number: int, result: ChunkResult) -> None:
        """Mark chunk ``number`` accepted with its result (its filtered numbers kept as digests)."""
        self._state["chunks"].append({**result.to_ledger(self.digest), "chunk": number})
        others = [n for n in self._state["inflight"] if n != number]
        if others:  # chunks of earlier tries whose recipients this one may have covered (rare: no rescan else)
            accepted = self.accepted()
            others = [n for n in others if not self._chunk(n) <= accepted]
        self._state["inflight"] = others
        self._save(number + 1)

    def settle(self, number: int) -> None:
        """Forget an in-flight chunk that certainly did not reach the platform (connection refused)."""
        if number in self._state["inflight"]:
            self._state["inflight"].remove(number)
        self._save(max(number + 1, self._state.get("unlisted_from", 1)))

    def _upgrade(self) -> None:
        """Version 3 -> 6: a salt first (so a crash half-way leaves a readable ledger), then every chunk's
        keys and filtered numbers replaced by digests."""
        self._state = {"version": VERSION, "salt": self._salt.hex(), "digest": PREFIX, "recipients": HOW_KEPT[PREFIX],
                       "id": self._state["id"],
                       "chunks": [{**entry, "filtered": [self.digest(str(n)) for n in entry.get("filtered", ())]}
                                  for entry in self._state["chunks"]],
                       "inflight": list(self._state["inflight"])}
        numbers = [chunk["chunk"] for chunk in self._state["chunks"]] + self._state["inflight"]
        self._save(max([*numbers, 0]) + 1)
        for number in numbers:
            self._write_chunk(number, "".join(sorted(self._chunk(number))))
