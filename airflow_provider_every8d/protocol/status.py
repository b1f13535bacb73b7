"""What a delivery status code means for a waiting task (spec 2.2, 2.3 and the 2.2 spec's appendix).

The codes themselves live in :mod:`.codes` (one table for SMS and MMS: the 2.2 appendix lists them
together). Terminal: 100 and 700 delivered; 101-107, 301, 500, 888 and every negative code failed; 303
cancelled; 999 (a reply) delivered. Only 0 (at the carrier), 300 (booked) and codes nobody documents keep a
wait open: an unknown code is reported as UNKNOWN, never a crash, and not final, so a sensor does not
succeed on a code nobody understands (it logs it).
"""

from __future__ import annotations

import enum

from airflow_provider_every8d.protocol.codes import describe_status, meaning, outcome_name


class Outcome(str, enum.Enum):
    """What a status code means for someone waiting on a batch."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"

    @property
    def terminal(self) -> bool:
        return self in (Outcome.DELIVERED, Outcome.FAILED, Outcome.CANCELLED)


REPLY_STATUS = 999
"""The push (2.1) uses STATUS=999 for a reply from the recipient."""

_OUTCOMES: dict[int, Outcome] = {}


def classify(code: int, mms: bool = False) -> Outcome:
    """The outcome of one status code; unknown codes give UNKNOWN, never an exception.

    ``mms`` is accepted for the callers that know the endpoint; SMS and MMS share one table."""
    outcome = _OUTCOMES.get(code)
    if outcome is None:
        name = outcome_name(code)
        outcome = Outcome(name) if name else Outcome.UNKNOWN
        if len(_OUTCOMES) < 4096:  # a cache: a hostile page of random codes must not grow it forever
            _OUTCOMES[code] = outcome
    return outcome


def describe(code: int, mms: bool = False) -> str:
    """A short English description of a code, for logs and reports (``"unknown code"`` if not known)."""
    return meaning(code)


__all__ = ["REPLY_STATUS", "Outcome", "classify", "describe", "describe_status"]
