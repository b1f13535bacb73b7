"""What a send is, and what is left of it: recipients, chunks, and which chunks go through the filter.

:func:`narrow_recheck` serves :func:`.run`: before a chunk whose answer was lost goes out again through
the filter, it asks the filter (sending nothing) who already has the text, so only the others are sent to.

Recipients are validated once (into :class:`Recipient`), and every chunk's request is built once, here,
before anything is sent: a validation error in any chunk stops the send before its first request.
"""

# No ``from __future__ import annotations`` here: a NamedTuple turns each annotation given as a string into a
# ForwardRef, compiling it (about 20 µs a field at import); these are evaluated once, as objects.
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, overload

from airflow_provider_every8d.constants import DEFAULT_CHUNK_SIZE
from airflow_provider_every8d.protocol.request import ApiRequest

if TYPE_CHECKING:
    from airflow_provider_every8d.sending.ledger import Ledger

Builder = Callable[[list[Any], bool], ApiRequest]
"""``build(items, recheck)``: one chunk's request, validated; ``recheck`` asks for the 24-hour duplicate
filter (1.3), so that a chunk whose answer was lost reaches nobody twice."""


class Recipient(NamedTuple):
    """One recipient of a send: ``key`` tells it apart in the ledger, ``number`` is its wire number (for
    masked logs and the filtered list), ``item`` what :data:`Builder` takes for it. A NamedTuple: one is
    made per recipient of a bulk send."""

    key: str
    number: str
    item: Any


class NumberRecipients(Sequence[Recipient]):
    """Recipients known by their own wire number (SMS, MMS, a notifier's or a question's text), kept as one
    list of numbers: a :class:`Recipient` is made only when asked for. 100,000 tuples alive for a whole
    send would make Python's full garbage collection walk Airflow's heap of some 200,000 objects over and
    over (about 0.1 s each: more than the rest of the send's CPU); strings in a list are not tracked."""

    def __init__(self, numbers: list[str]) -> None:
        self.numbers = numbers

    def __len__(self) -> int:
        return len(self.numbers)

    @overload
    def __getitem__(self, index: int) -> Recipient: ...

    @overload
    def __getitem__(self, index: slice) -> "NumberRecipients": ...

    def __getitem__(self, index: int | slice) -> "Recipient | NumberRecipients":
        if isinstance(index, slice):
            return NumberRecipients(self.numbers[index])
        number = self.numbers[index]
        return Recipient(number, number, number)

    def __iter__(self) -> Iterator[Recipient]:
        return (Recipient(number, number, number) for number in self.numbers)


class Send(NamedTuple):
    """A send as the engine sees it. A NamedTuple, as :class:`Chunk` and :class:`Plan` are (see there).

    :param recipients: validated, each once (see :func:`phone_recipients`).
    :param build: turns a chunk of ``item`` into a request.
    :param chunk_size: recipients per request (one batch each).
    :param can_recheck: a chunk whose answer was lost may be sent again through the duplicate filter (plain
        SMS; MMS, MSGID and param SMS have no such check).
    :param deduplicate: every request goes through the duplicate filter: a retry can never text twice.
    :param max_cost: refuse, before any request, a send estimated at more points.
    :param check_credit: ask for the balance first and refuse a send that costs more than it.
    :param ask_filter: the duplicate filter's dry run of a chunk's request (API 2.2 SMS:
        ``protocol.api22.duplicates_request``): asked before a lost chunk is rechecked (so the recheck sends
        nothing before it knows who has the text) and by :func:`~.dry_run.dry_run`.
    """

    recipients: Sequence[Recipient]
    build: Builder
    chunk_size: int = DEFAULT_CHUNK_SIZE
    can_recheck: bool = False
    deduplicate: bool = False
    max_cost: float | None = None
    check_credit: bool = False
    ask_filter: Callable[[ApiRequest], ApiRequest] | None = None


class Chunk(NamedTuple):
    """One request of a send and the ledger keys of its recipients. NamedTuples here, in :class:`Plan` and
    :class:`Send`: the engine's own values, and a frozen dataclass costs about a millisecond to create when
    the module is imported (a NamedTuple a fifth of it), which every first send in a task process pays."""

    keys: tuple[str, ...]
    request: ApiRequest
    recheck: bool


class Plan(NamedTuple):
    """The chunks this try sends, in order (rechecks first), and the whole send's estimate in points
    (recipients an earlier try had accepted included: ``max_cost`` is about the whole send)."""

    chunks: tuple[Chunk, ...]
    estimated_cost: float
    already_accepted: int

    @property
    def cost_to_send(self) -> float:
        return sum(chunk.request.estimated_cost for chunk in self.chunks)


class CannotRecheck(Exception):
    """Recipients of a chunk whose answer was lost, for a send that has no duplicate filter to resend
    them through: only a person can tell whether they got the message."""


def phone_recipients(value: object, field: str = "recipients") -> NumberRecipients:
    """One number, a comma-separated string or a list -> unique validated recipients keyed by number (SMS,
    MMS, a notifier's or a question's text). The item is the wire number itself: the builders validate it
    again per chunk, in one match for numbers in wire form (:func:`~..protocol.build.wire_recipients`)."""
    from airflow_provider_every8d.protocol.build import wire_recipients

    return NumberRecipients(wire_recipients(value, field)[0])


def make_plan(send: Send, ledger: "Ledger") -> Plan:
    """Leave out recipients the ledger holds as accepted; send first, through the duplicate filter, those of
    a chunk whose answer was lost; chunk the rest afresh. Each request is built once."""
    if ledger.empty:
        groups: list[tuple[Sequence[Recipient], bool, bool]] = [(send.recipients, False, True)]
    else:
        accepted, unsure = ledger.accepted(), ledger.unsure()
        done: list[Recipient] = []
        recheck: list[Recipient] = []
        fresh: list[Recipient] = []
        for recipient in send.recipients:
            digest = ledger.digest(recipient.key)
            (done if digest in accepted else recheck if digest in unsure else fresh).append(recipient)
        if recheck and not send.can_recheck:
            raise CannotRecheck(
                f"an earlier try sent {len(recheck)} of these recipients without getting the answer: EVERY8D "
                "may have accepted them, and for MMS, MSGID and param SMS it offers no way to check without "
                f"sending again. Look the recipients up in the EVERY8D portal; to send anyway, delete the "
                f"task_state_store key {ledger.key!r} of this task instance and clear it.")
        groups = [(recheck, True, True), (fresh, False, True), (done, False, False)]
    chunks, estimate = [], 0.0
    for group, recheck_it, to_send in groups:
        for keys, items in _parts(group, send.chunk_size):
            request = send.build(items, recheck_it)
            estimate += request.estimated_cost
            if to_send:
                chunks.append(Chunk(keys, request, recheck_it))
    return Plan(tuple(chunks), estimate, len(send.recipients) - sum(len(chunk.keys) for chunk in chunks))


def _parts(group: Sequence[Recipient], size: int) -> Iterator[tuple[tuple[str, ...], list[Any]]]:
    """(keys, items) of each chunk of ``group``; numbers as they are for :class:`NumberRecipients`."""
    from airflow_provider_every8d.protocol.build import chunked

    if isinstance(group, NumberRecipients):
        for numbers in chunked(group.numbers, size):
            yield tuple(numbers), numbers
        return
    for part in chunked(group, size):
        yield tuple(recipient.key for recipient in part), [recipient.item for recipient in part]


def not_dropped(send: Send, chunk: Chunk, dropped: tuple[str, ...]) -> list[Recipient]:
    """The chunk's recipients the filter would not drop (``dropped``: wire numbers, as the platform gives)."""
    from airflow_provider_every8d.protocol.phones import parse_phone

    gone = {parse_phone(number).wire for number in dropped}
    keys = set(chunk.keys)
    return [recipient for recipient in send.recipients if recipient.key in keys and recipient.number not in gone]


def filter_drops(send: Send, chunk: Chunk, call: Any) -> tuple[str, ...]:
    """The numbers of ``chunk`` the filter would drop (none asked when the send cannot ask)."""
    if send.ask_filter is None:
        return ()
    return tuple(call(send.ask_filter(chunk.request)).filtered)


def narrow_recheck(send: Send, chunk: Chunk, call: Any) -> tuple[Chunk | None, tuple[str, ...]]:
    """The recheck chunk with only the recipients that do not have the text yet (None when all have it),
    and the numbers that do. The question sends nothing; its errors are raised (nothing was sent)."""
    have = filter_drops(send, chunk, call)
    if not have:
        return chunk, ()
    left = not_dropped(send, chunk, have)
    if not left:
        return None, have
    return Chunk(chunk.keys, send.build([r.item for r in left], True), True), have
