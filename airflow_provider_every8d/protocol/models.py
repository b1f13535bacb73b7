"""Typed results of every endpoint: here a send's (a frozen dataclass) and the batch-id rule, and
:func:`lean_dataclass`, how the frozen dataclasses a first send creates are made without compiling.

An erasure's result (:mod:`.erase`) and what the platform reports after a send (status rows and pages,
replies, the delivery-report push: :mod:`.reports`) are re-exported here when first asked for: a send
never reads them, so its first one does not create their classes.
"""

from __future__ import annotations

import re
from dataclasses import FrozenInstanceError, dataclass, fields
from operator import attrgetter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable
    from dataclasses import dataclass as lean_dataclass

    from airflow_provider_every8d.protocol.erase import EraseResult as EraseResult
    from airflow_provider_every8d.protocol.reports import DeliveryReport as DeliveryReport
    from airflow_provider_every8d.protocol.reports import DeliveryRow as DeliveryRow
    from airflow_provider_every8d.protocol.reports import Reply as Reply
    from airflow_provider_every8d.protocol.reports import ReplyPage as ReplyPage
    from airflow_provider_every8d.protocol.reports import StatusPage as StatusPage
    from airflow_provider_every8d.protocol.reports import push_time as push_time

BATCH_ID_RE = re.compile(
    r"(?![0-9A-Fa-f]{8}-(?![0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\Z))"
    r"[0-9A-Za-z][0-9A-Za-z\-_]{0,63}"
)
"""The one rule for a batch id, wherever one is read or given (a send's answer, a sensor's ``batch_id``, the
push's ``BatchID``): the platform gives UUIDs, older accounts shorter ids, so letters, digits, ``-`` and
``_``, 1 to 64 characters; but what starts like a UUID (8 hex digits and ``-``) must be a whole UUID, so an
answer cut inside its id never yields a wrong one. Use ``fullmatch``."""

_FROZEN: set[type] = set()


def _setattr(self: Any, name: str, value: Any) -> None:
    if type(self) in _FROZEN or name in self.__dataclass_fields__:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")
    object.__setattr__(self, name, value)


def _delattr(self: Any, name: str) -> None:
    if type(self) in _FROZEN or name in self.__dataclass_fields__:
        raise FrozenInstanceError(f"cannot delete field {name!r}")
    object.__delattr__(self, name)


def _methods(cls: Any) -> None:
    """``__eq__``, ``__hash__`` and ``__repr__`` as ``@dataclass(frozen=True)`` makes them, from the fields'
    ``compare`` and ``repr`` flags, written once here instead of compiled from source for each class."""
    key = attrgetter(*[f.name for f in fields(cls) if f.compare])
    shown = [f.name for f in fields(cls) if f.repr]

    def __eq__(self: Any, other: object) -> bool:
        return key(self) == key(other) if other.__class__ is self.__class__ else NotImplemented

    def __hash__(self: Any) -> int:
        return hash(key(self))

    def __repr__(self: Any) -> str:
        return f"{self.__class__.__qualname__}({', '.join(f'{name}={getattr(self, name)!r}' for name in shown)})"

    cls.__eq__, cls.__hash__, cls.__repr__ = __eq__, __hash__, __repr__


if not TYPE_CHECKING:  # to a type checker, ``lean_dataclass`` is ``dataclasses.dataclass`` (imported above)
    def lean_dataclass(*, frozen: bool) -> Callable[[type], type]:
        """``@lean_dataclass(frozen=True)`` is ``@dataclass(frozen=True)`` for a class that writes its own
        ``__init__`` (its fields put in its ``__dict__``, positional in the fields' order, as the
        generated one): the same dataclass to ``dataclasses.fields``, ``replace`` and ``asdict``, the same
        equality, hash, repr, pickling and ``FrozenInstanceError``, without the six methods Python 3.11
        compiles from source for each such class (0.6-0.8 ms at import: every first send paid it for each
        of its four, this module's result, the request, the settings and the engine's outcome)."""
        assert frozen, "lean_dataclass makes frozen dataclasses only"

        def make(cls: type) -> type:
            cls = dataclass(init=False, repr=False, eq=False)(cls)
            _methods(cls)
            cls.__setattr__, cls.__delattr__ = _setattr, _delattr
            _FROZEN.add(cls)
            return cls

        return make


@lean_dataclass(frozen=True)
class SendResult:
    """Answer of a send (1.1-1.5).

    ``credit`` is the balance after the send (None when the platform did not say: 1.3's "everything was
    filtered" answer); ``unsent`` counts messages not sent for lack of credit; ``filtered`` lists the
    numbers the 24-hour duplicate filter (1.3) dropped; ``msg_id`` is 1.4's echo; ``fail_batch_ids``
    (API 2.2's FAIL_BATCHID) the earlier batches that made each ``filtered`` number a duplicate, in order.
    """

    credit: float | None
    sent: int
    cost: float
    unsent: int
    batch_id: str
    filtered: tuple[str, ...] = ()
    msg_id: str | None = None
    fail_batch_ids: tuple[str, ...] = ()

    def __init__(self, credit: float | None, sent: int, cost: float, unsent: int, batch_id: str,
                 filtered: tuple[str, ...] = (), msg_id: str | None = None,
                 fail_batch_ids: tuple[str, ...] = ()) -> None:
        self.__dict__.update(credit=credit, sent=sent, cost=cost, unsent=unsent, batch_id=batch_id, filtered=filtered,
                             msg_id=msg_id, fail_batch_ids=fail_batch_ids)

    @property
    def duplicates(self) -> dict[str, str]:
        """Each filtered number and the earlier batch that made it a duplicate (``""`` when not told)."""
        return {number: self.fail_batch_ids[index] if index < len(self.fail_batch_ids) else ""
                for index, number in enumerate(self.filtered)}


_FROM_REPORTS = frozenset({"DeliveryReport", "DeliveryRow", "Reply", "ReplyPage", "StatusPage", "push_time"})


def __getattr__(name: str) -> Any:
    """The types of :mod:`.reports` and :mod:`.erase`, re-exported when first asked for (``from ...models
    import DeliveryRow`` keeps working): a send reads no status page, reply or push and erases nothing."""
    if name in _FROM_REPORTS:
        from airflow_provider_every8d.protocol import reports

        return getattr(reports, name)
    if name == "EraseResult":
        from airflow_provider_every8d.protocol.erase import EraseResult

        return EraseResult
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
