"""The send flow shared by the send operators: what is left to send, the money guard, chunk by chunk
sending with the ledger, and the XCom totals.

Whether a failure may be retried is decided here, once: a retry is safe when the ledger persists
(Airflow 3.3+) or the send goes through the duplicate filter (``deduplicate=True``); otherwise, once any
chunk was accepted, a failure raises :class:`AirflowFailException` so Airflow does not send it all again.
Outcomes a retry cannot change (over ``max_cost``, too little credit, ``unsent > 0``) never retry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

from airflow_provider_every8d.operators._once import LEDGER_KEY, SendLedger
from airflow_provider_every8d.protocol.errors import (
    Every8dApiError,
    Every8dResponseError,
    Every8dTransportError,
    Every8dValidationError,
)
from airflow_provider_every8d.protocol.privacy import masked_list

if TYPE_CHECKING:
    from airflow_provider_every8d.hooks.every8d import Every8dHook
    from airflow_provider_every8d.protocol.request import ApiRequest

Builder = Callable[[list[Any], bool], "ApiRequest"]
"""``build(items, recheck)``: one chunk's request; ``recheck`` asks for the duplicate filter (1.3)."""


def fail(message: str, retryable: bool) -> AirflowException:
    """The exception to raise: retryable, or one that fails the task at once."""
    return AirflowException(message) if retryable else AirflowFailException(message)


@dataclass
class Chunk:
    keys: list[str]
    request: ApiRequest
    recheck: bool


def plan_chunks(items: Sequence[tuple[str, Any]], build: Builder, chunk_size: int, ledger: SendLedger,
                can_recheck: bool) -> list[Chunk]:
    """The chunks still to send: recipients the ledger holds as accepted are left out; those of a chunk
    whose answer was lost go first, through the duplicate filter when the operator can (plain SMS)."""
    from airflow_provider_every8d.protocol.build import chunked

    accepted = ledger.accepted_keys()
    unsure = ledger.unsure_keys()
    remaining = [(key, item) for key, item in items if key not in accepted]
    recheck = [(key, item) for key, item in remaining if key in unsure]
    if recheck and not can_recheck:
        raise AirflowFailException(
            f"an earlier try sent {len(recheck)} of these recipients without getting the answer: EVERY8D may "
            "have accepted them, and for MMS, MSGID and param SMS it offers no way to "
            "check without sending again. Look the recipients up in the EVERY8D portal; to send anyway, delete "
            f"the task_state_store key {LEDGER_KEY!r} of this task instance and clear it.")
    fresh = [(key, item) for key, item in remaining if key not in unsure]
    return [Chunk([key for key, _ in part], build([item for _, item in part], again), again)
            for group, again in ((recheck, True), (fresh, False))
            for part in chunked(group, chunk_size)]


def guard_money(hook: Every8dHook, plan_cost: float, chunks: Sequence[Chunk], max_cost: float | None,
                check_credit: bool, log: logging.Logger | Any) -> None:
    """Refuse, before any request, a send estimated over ``max_cost`` (the whole send) or over the balance
    (what this try still has to send). Not retried: the estimate does not change."""
    if max_cost is not None and plan_cost > max_cost:
        raise AirflowFailException(f"max_cost: the send is estimated at {plan_cost:g} points, over the limit of "
                                   f"{max_cost:g}; nothing was sent")
    if check_credit and chunks:
        remaining = sum(chunk.request.estimated_cost for chunk in chunks)
        balance = hook.get_credit()
        log.info("EVERY8D balance %.2f points; this send is estimated at %g points", balance, remaining)
        if remaining > balance:
            raise AirflowFailException(f"check_credit: the send is estimated at {remaining:g} points but the "
                                       f"balance is {balance:g}; nothing was sent")


def _sent_so_far(ledger: SendLedger) -> str:
    ids = [entry["batch_id"] for entry in ledger.results if entry["batch_id"]]
    if not ids:
        return "No chunk of this send was accepted so far."
    again = "are not sent again by a retry" if ledger.persistent else "would be sent again by a retry"
    return f"Chunks already accepted (batch ids {', '.join(ids)}) {again}."


def _send_one(hook: Every8dHook, chunk: Chunk, number: int, count: int, ledger: SendLedger,
              retry_safe: bool, can_recheck: bool) -> tuple[int, Any]:
    """Send one chunk (its ledger number and answer); map every failure to a clear, correctly retryable
    exception."""
    entry = ledger.begin(chunk.keys)
    nothing_yet = not ledger.results
    try:
        return entry, hook.call(chunk.request)
    except Every8dTransportError as error:
        if not error.may_have_reached_server:
            ledger.settle(entry)
            raise fail(f"chunk {number} of {count} was not sent ({error}): it never reached EVERY8D. "
                       f"{_sent_so_far(ledger)}", retry_safe or nothing_yet) from error
        problem: Exception = error
    except Every8dResponseError as error:
        problem = error
    except Every8dValidationError:  # raised before any I/O (e.g. the connection's settings)
        ledger.settle(entry)
        raise
    except Every8dApiError as error:
        ledger.settle(entry)
        raise fail(f"chunk {number} of {count} was refused: {error}. {_sent_so_far(ledger)}",
                   retry_safe or nothing_yet) from error
    # With the ledger, a retry resends this chunk through the duplicate filter (plain SMS only); without
    # it, only deduplicate=True makes a retry safe.
    retryable = can_recheck if ledger.persistent else retry_safe
    advice = ("A retry sends it through the 24-hour duplicate filter, so nobody gets it twice." if retryable else
              "Not retried: a retry could text these recipients twice; check the EVERY8D portal, and use "
              "deduplicate=True to make retries safe.")
    raise fail(f"chunk {number} of {count} ({len(chunk.request.recipients)} recipients) may have been accepted "
               f"by EVERY8D but its answer was lost ({problem}); its batch id is unknown. {advice} "
               f"{_sent_so_far(ledger)}", retryable) from problem


def send_chunks(hook: Every8dHook, chunks: Sequence[Chunk], ledger: SendLedger, retry_safe: bool,
                can_recheck: bool, log: logging.Logger | Any) -> list[dict[str, Any]]:
    """Send each chunk, writing it down before it goes and as accepted when its answer arrives.

    Stops at the first chunk with ``unsent > 0`` (the account ran out of credit) and fails the task.
    """
    for index, chunk in enumerate(chunks):
        number, count = index + 1, len(chunks)
        filtered_note = " through the duplicate filter (its answer was lost before)" if chunk.recheck else ""
        log.info("EVERY8D chunk %d of %d: %d recipients (%s), estimated %g points%s", number, count,
                  len(chunk.keys), masked_list(chunk.request.recipients), chunk.request.estimated_cost, filtered_note)
        entry_number, result = _send_one(hook, chunk, number, count, ledger, retry_safe, can_recheck)
        entry = {"batch_id": result.batch_id, "sent": result.sent, "cost": result.cost, "unsent": result.unsent,
                 "credit": result.credit, "filtered": list(result.filtered)}
        log.info("EVERY8D chunk %d of %d accepted: batch %s, sent %d, cost %g, unsent %d, filtered %d", number,
                 count, entry["batch_id"] or "-", entry["sent"], entry["cost"], entry["unsent"],
                 len(entry["filtered"]))
        try:
            ledger.accept(entry_number, entry)
        except Exception as error:
            raise AirflowFailException(f"chunk {number} was accepted as batch {entry['batch_id']} but could not be "
                                       f"recorded in task_state_store ({error}); not retrying, so it is not sent "
                                       "twice") from error
        if entry["unsent"] > 0:
            raise AirflowFailException(
                f"unsent: {entry['unsent']} of {len(chunk.keys)} messages of chunk {number} of {count} were not "
                f"sent because the account ran out of credit (balance {entry['credit']} points); later chunks "
                f"were not tried. Top up the account and send the rest in a new run. {_sent_so_far(ledger)}")
    return ledger.results


def totals(hook: Every8dHook, results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The send XCom: ``{"batch_ids", "sent", "cost", "unsent", "credit", "filtered"}``, over every chunk this
    task instance had accepted (a retry returns the same figures).

    ``credit`` is the balance after the last request: from its answer, or asked for when that answer did not
    say (1.3's "everything was filtered") or nothing had to be sent.
    """
    last = results[-1]["credit"] if results else None
    credit = last if last is not None else hook.get_credit()
    return {
        "batch_ids": [entry["batch_id"] for entry in results if entry["batch_id"]],
        "sent": sum(int(entry["sent"]) for entry in results),
        "cost": float(sum(entry["cost"] for entry in results)),
        "unsent": sum(int(entry["unsent"]) for entry in results),
        "credit": float(credit),
        "filtered": [number for entry in results for number in entry["filtered"]],
    }
