"""A send that sends nothing, and asking the duplicate filter before a lost chunk is sent again.

:func:`dry_run` validates, prices and (``check_credit``) checks the balance exactly as :func:`.run` does,
and where the account offers it (API 2.2, SMS: ``Send.ask_filter``) asks the 24-hour duplicate filter
who would be dropped (``IsSend=false``). It writes no ledger and sends no message; its :class:`Outcome`
has the send XCom's keys with ``sent`` 0, the would-be cost in ``cost`` (the would-be-dropped recipients
left out) and the would-be-dropped numbers in ``filtered``.

:func:`narrow_recheck` serves :func:`.run`: before a chunk whose answer was lost goes out again through
the filter, it asks the filter (sending nothing) who already has the text, so only the others are sent to.
"""

from __future__ import annotations

import logging
from typing import Any

from airflow_provider_every8d.sending.guard import money_refusal
from airflow_provider_every8d.sending.ledger import LEDGER_KEY, Ledger, Store, UnreadableLedger
from airflow_provider_every8d.sending.outcome import ChunkResult, Outcome, Verdict, failed
from airflow_provider_every8d.sending.plan import CannotRecheck, Chunk, Recipient, Send, make_plan

_log = logging.getLogger(__name__)


def _left(send: Send, chunk: Chunk, dropped: tuple[str, ...]) -> list[Recipient]:
    """The chunk's recipients the filter would not drop (``dropped``: wire numbers, as the platform gives)."""
    from airflow_provider_every8d.protocol.phones import parse_phone

    gone = {parse_phone(number).wire for number in dropped}
    keys = set(chunk.keys)
    return [recipient for recipient in send.recipients if recipient.key in keys and recipient.number not in gone]


def _ask(send: Send, chunk: Chunk, call: Any) -> tuple[str, ...]:
    """The numbers of ``chunk`` the filter would drop (none asked when the send cannot ask)."""
    if send.ask_filter is None:
        return ()
    return tuple(call(send.ask_filter(chunk.request)).filtered)


def dry_run(send: Send, call: Any, *, store: Store | None, ledger_key: str = LEDGER_KEY,
            log: logging.Logger | Any = _log) -> Outcome:
    """What :func:`.run` would do, without sending. Recipients an earlier try had accepted are left out,
    as a real try would; ``credit`` is the balance now."""
    from airflow_provider_every8d.protocol.build import credit_request

    try:
        plan = make_plan(send, Ledger(store, key=ledger_key))  # read only: nothing is begun or accepted
    except (UnreadableLedger, CannotRecheck) as error:
        return failed(Verdict.FINAL, str(error))
    refusal = money_refusal(send, plan, call, log)
    if refusal:
        return failed(Verdict.FINAL, refusal.replace("nothing was sent", "dry run"))
    results = []
    for chunk in plan.chunks:
        dropped = _ask(send, chunk, call)
        left = _left(send, chunk, dropped)
        cost = send.build([r.item for r in left], chunk.recheck).estimated_cost if left else 0.0
        results.append(ChunkResult("", 0, float(cost), 0, None, dropped))
    credit = float(call(credit_request()))
    outcome = Outcome(Verdict.DONE, tuple(results), credit, retry_safe=True)
    log.info("EVERY8D dry run (nothing sent): %d chunk(s), would cost %g points, %d would be dropped by the "
             "duplicate filter", len(results), outcome.to_xcom()["cost"], len(outcome.to_xcom()["filtered"]))
    return outcome


def narrow_recheck(send: Send, chunk: Chunk, call: Any) -> tuple[Chunk | None, tuple[str, ...]]:
    """The recheck chunk with only the recipients that do not have the text yet (None when all have it),
    and the numbers that do. The question sends nothing; its errors are raised (nothing was sent)."""
    have = _ask(send, chunk, call)
    if not have:
        return chunk, ()
    left = _left(send, chunk, have)
    if not left:
        return None, have
    return Chunk(chunk.keys, send.build([r.item for r in left], True), True), have
