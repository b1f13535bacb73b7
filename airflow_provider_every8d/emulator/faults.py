"""Fault injection: make chosen endpoints misbehave for a share of calls, reproducibly.

==================  =========  ===========================================================
kind                processed  what the client sees
==================  =========  ===========================================================
http_500            no         HTTP ``status`` (500 default; 502, 503 ...) with a short body
slow                yes        the normal answer after ``delay`` seconds
reset               no         the connection closed (TCP RST) before any answer
drop_after_accept   yes        the request takes effect (a send is recorded and charged),
                               then the connection is closed without an answer
garbage             no         HTTP 200 with random bytes
truncated           yes        HTTP 200 with the valid answer cut short (Content-Length
                               matches the cut body; ``short_read=True`` instead promises the
                               full length and closes early)
html                no         HTTP 200 with an HTML error page (as proxies and portals do)
bom                 yes        a UTF-8 BOM before the valid answer
crlf                yes        a trailing CRLF after the valid answer
echo                no         HTTP ``status`` with ``received `` and the request's body (PWD
                               and all, form- or JSON-encoded), as misconfigured servers do
==================  =========  ===========================================================

``after=N`` lets the first N matching requests through before the rule starts to fire (e.g. fail
the third send of a run: ``faults.add("http_500", "sendSMS", times=1, after=2)``).
``endpoint`` is a name such as ``"getDeliveryStatus"`` or ``"MMS/sendMMS"`` (case-insensitive,
``.ashx`` optional) or None for every endpoint. Rules are tried in the order they were added; the
first that fires applies, one fault per request. Each rule rolls its own ``random.Random(seed)``.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass, field

KINDS = frozenset({"http_500", "slow", "reset", "drop_after_accept", "garbage", "truncated", "html", "bom", "crlf",
                   "echo"})
PROCESSED = frozenset({"slow", "drop_after_accept", "truncated", "bom", "crlf"})
"""Kinds after which the request has taken effect."""


def _canonical(endpoint: str) -> str:
    name = endpoint.strip().strip("/").lower()
    return name[: -len(".ashx")] if name.endswith(".ashx") else name


@dataclass
class FaultRule:
    """One ``faults.add(...)`` call. ``times`` counts down; None means unlimited."""

    kind: str
    endpoint: str | None = None
    rate: float = 1.0
    times: int | None = None
    seed: int | None = 0
    status: int = 500
    delay: float = 1.0
    short_read: bool = False
    after: int = 0
    fired: int = 0
    passed: int = 0
    rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"fault kind {self.kind!r}: not one of {sorted(KINDS)}")
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"fault rate {self.rate!r}: not within 0..1")
        self.rng = random.Random(self.seed)

    def matches(self, endpoint: str) -> bool:
        return self.endpoint is None or _canonical(self.endpoint) == _canonical(endpoint)


class Faults:
    """The emulator's fault rules and counters (``injected`` total, ``by_kind`` per kind)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.rules: list[FaultRule] = []
        self.injected = 0
        self.by_kind: Counter[str] = Counter()

    def add(
        self,
        kind: str,
        endpoint: str | None = None,
        rate: float = 1.0,
        times: int | None = None,
        seed: int | None = 0,
        *,
        status: int = 500,
        delay: float = 1.0,
        short_read: bool = False,
        after: int = 0,
    ) -> FaultRule:
        """Add a rule; returns it (``rule.fired`` counts its hits)."""
        rule = FaultRule(kind, endpoint, rate, times, seed, status, delay, short_read, after)
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        """Remove every rule and zero the counters."""
        with self._lock:
            self.rules.clear()
            self.injected = 0
            self.by_kind.clear()

    def pick(self, endpoint: str) -> FaultRule | None:
        """The rule that fires for this request, if any (consumes one of its ``times``)."""
        with self._lock:
            for rule in self.rules:
                if not rule.matches(endpoint) or rule.times == 0:
                    continue
                if rule.passed < rule.after:
                    rule.passed += 1
                    continue
                if rule.rate < 1.0 and rule.rng.random() >= rule.rate:
                    continue
                if rule.times is not None:
                    rule.times -= 1
                rule.fired += 1
                self.injected += 1
                self.by_kind[rule.kind] += 1
                return rule
        return None

    def garbage(self, rule: FaultRule, size: int = 64) -> bytes:
        """Random bytes from the rule's own generator, so runs repeat."""
        with self._lock:
            return bytes(rule.rng.getrandbits(8) for _ in range(size))
