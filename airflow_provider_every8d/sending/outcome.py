"""What a send ends in: the accepted chunks, and a verdict on whether the task may be tried again.

:meth:`Outcome.to_xcom` is the one definition of the send XCom. The verdict is a type, not flags: the
operator layer maps it to Airflow's exceptions in one place (``operators/_verdict.py``).
"""

# No ``from __future__ import annotations`` here, as in plan.py: a NamedTuple or TypedDict compiles each
# annotation given as a string (about 20 µs a field at import); these are evaluated once, as objects.
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, NamedTuple, TypedDict


class Verdict(Enum):
    """How a send ended."""

    DONE = "done"
    """Every recipient that was to be sent to was accepted by the platform."""
    RETRY = "retry"
    """It failed, and a new try cannot text anyone twice (the ledger persists, the duplicate filter, or
    nothing had been accepted yet): let the task retry."""
    FINAL = "final"
    """It failed, and a new try could text someone twice or cannot change the outcome (over ``max_cost``,
    out of credit, a lost answer the platform offers no way to check): fail without retrying."""


class SendXCom(TypedDict):
    """The XCom of every send operator (see :meth:`Outcome.to_xcom`)."""

    batch_ids: list[str]
    sent: int
    cost: float
    unsent: int
    credit: float
    filtered: list[str]


class ChunkResult(NamedTuple):
    """The platform's answer to one accepted chunk. ``credit`` is None when the answer did not say (1.3's
    "everything was filtered"); ``filtered`` lists the numbers the 24-hour duplicate filter dropped. A
    NamedTuple, as the engine's other values (:class:`~.plan.Chunk`): a fifth of a frozen dataclass's cost
    to create at import."""

    batch_id: str
    sent: int
    cost: float
    unsent: int
    credit: float | None
    filtered: tuple[str, ...] = ()

    @classmethod
    def of(cls, answer: Any) -> "ChunkResult":
        """From a parsed :class:`~airflow_provider_every8d.protocol.models.SendResult`."""
        return cls(answer.batch_id, int(answer.sent), float(answer.cost), int(answer.unsent), answer.credit,
                   tuple(answer.filtered))

    def to_ledger(self, digest: Callable[[str], str]) -> dict[str, Any]:
        """As kept in the ledger: the filtered numbers as digests."""
        return {"batch_id": self.batch_id, "sent": self.sent, "cost": self.cost, "unsent": self.unsent,
                "credit": self.credit, "filtered": [digest(number) for number in self.filtered]}

    @classmethod
    def from_ledger(cls, entry: Mapping[str, Any]) -> "ChunkResult":
        return cls(str(entry.get("batch_id") or ""), int(entry["sent"]), float(entry["cost"]), int(entry["unsent"]),
                   None if entry.get("credit") is None else float(entry["credit"]),
                   tuple(str(item) for item in entry.get("filtered") or ()))


@dataclass(frozen=True)
class Outcome:
    """The end of a send: its verdict, every chunk the task instance had accepted (earlier tries included,
    so a retry reports the same figures), and why it failed.

    ``credit`` is the balance after the last request (asked for when the last answer did not say);
    ``retry_safe`` tells whether a retry of the task could not send again (the ledger persists, or every
    request goes through the duplicate filter): what a failure *after* the send (a wait) needs to know.
    """

    verdict: Verdict
    chunks: tuple[ChunkResult, ...] = ()
    credit: float | None = None
    problem: str = ""
    retry_safe: bool = False
    cause: BaseException | None = field(default=None, compare=False, repr=False)

    @property
    def batch_ids(self) -> list[str]:
        return [chunk.batch_id for chunk in self.chunks if chunk.batch_id]

    def summary(self) -> str:
        """``batches [...], sent 3, cost 3, unsent 0, filtered 0, balance 97`` for the log."""
        xcom = self.to_xcom()
        return (f"batches {xcom['batch_ids']}, sent {xcom['sent']}, cost {xcom['cost']:g}, unsent "
                f"{xcom['unsent']}, filtered {len(xcom['filtered'])}, balance {xcom['credit']:g}")

    def to_xcom(self) -> SendXCom:
        """``{"batch_ids", "sent", "cost", "unsent", "credit", "filtered"}`` over every accepted chunk."""
        return {
            "batch_ids": self.batch_ids,
            "sent": sum(chunk.sent for chunk in self.chunks),
            "cost": float(sum(chunk.cost for chunk in self.chunks)),
            "unsent": sum(chunk.unsent for chunk in self.chunks),
            "credit": float(self.credit or 0.0),
            "filtered": [number for chunk in self.chunks for number in chunk.filtered],
        }


def failed(verdict: Verdict, problem: str, chunks: Sequence[ChunkResult] = (), *, retry_safe: bool = False,
           cause: BaseException | None = None) -> Outcome:
    """A failed outcome (``verdict`` RETRY or FINAL)."""
    return Outcome(verdict, tuple(chunks), None, problem, retry_safe, cause)
