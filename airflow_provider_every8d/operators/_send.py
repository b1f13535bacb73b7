"""The send flow shared by the send operators: money guard, chunk by chunk sending, the XCom totals.

Every chunk's request is built (and so validated) before this runs; nothing here parses or formats wire
data. A chunk is one request and one batch id.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowException

from airflow_provider_every8d.operators._once import SendLedger, chunk_entry
from airflow_provider_every8d.protocol.errors import Every8dApiError, Every8dResponseError, Every8dTransportError
from airflow_provider_every8d.protocol.phones import mask

if TYPE_CHECKING:
    from airflow_provider_every8d.hooks.every8d import Every8dHook
    from airflow_provider_every8d.protocol.request import ApiRequest

SHOWN_RECIPIENTS = 3


def masked(numbers: Sequence[str]) -> str:
    """``0900***001, 0900***002, 0900***003 and 4997 more`` for logs."""
    shown = ", ".join(mask(number) for number in numbers[:SHOWN_RECIPIENTS])
    rest = len(numbers) - SHOWN_RECIPIENTS
    return f"{shown} and {rest} more" if rest > 0 else shown


def guard_money(hook: Every8dHook, plan: Sequence[ApiRequest], pending: Sequence[ApiRequest],
                max_cost: float | None, check_credit: bool, log: logging.Logger | Any) -> None:
    """Refuse, before any request, a send whose estimated cost is over ``max_cost`` (the whole plan) or
    over the balance (what this try still has to send)."""
    total = sum(request.estimated_cost for request in plan)
    if max_cost is not None and total > max_cost:
        raise AirflowException(f"max_cost: the send is estimated at {total:g} points, over the limit of "
                               f"{max_cost:g}; nothing was sent")
    if check_credit and pending:
        remaining = sum(request.estimated_cost for request in pending)
        balance = hook.get_credit()
        log.info("EVERY8D balance %.2f points; this send is estimated at %g points", balance, remaining)
        if remaining > balance:
            raise AirflowException(f"check_credit: the send is estimated at {remaining:g} points but the "
                                   f"balance is {balance:g}; nothing was sent")


def _sent_so_far(entries: Sequence[dict[str, Any]]) -> str:
    ids = [entry["batch_id"] for entry in entries if entry["batch_id"]]
    if not ids:
        return "No earlier chunk of this send was accepted."
    return f"Chunks already accepted (batch ids {', '.join(ids)}) are not sent again by a retry."


def _send_one(hook: Every8dHook, request: ApiRequest, number: int, count: int, deduplicate: bool,
              done: Sequence[dict[str, Any]]) -> Any:
    try:
        return hook.call(request)
    except (Every8dTransportError, Every8dResponseError) as error:
        if isinstance(error, Every8dTransportError) and not error.may_have_reached_server:
            raise AirflowException(f"chunk {number} of {count} was not sent ({error}); nothing of it reached "
                                   f"EVERY8D, so a retry is safe. {_sent_so_far(done)}") from error
        advice = ("A retry goes through the 24-hour duplicate filter (deduplicate=True), so nobody gets it twice."
                  if deduplicate else "A retry sends this chunk again and may reach these recipients twice; "
                  "use deduplicate=True to let the platform drop repeats.")
        raise AirflowException(
            f"chunk {number} of {count} ({len(request.recipients)} recipients) may have been accepted by "
            f"EVERY8D but its answer was lost ({error}); its batch id is unknown, so check the recipients' "
            f"records in the EVERY8D portal before sending again. {advice} {_sent_so_far(done)}") from error
    except Every8dApiError as error:
        raise AirflowException(f"chunk {number} of {count} was refused: {error}. {_sent_so_far(done)}") \
            from error


def send_chunks(hook: Every8dHook, plan: Sequence[ApiRequest], ledger: SendLedger, deduplicate: bool,
                log: logging.Logger | Any) -> list[dict[str, Any]]:
    """Send every chunk the ledger does not already hold; record each one as soon as it is accepted.

    Stops at the first chunk with ``unsent > 0`` (the account ran out of credit) and fails the task; the
    transport never resends a request that may have reached the server.
    """
    results: list[dict[str, Any]] = []
    for index, request in enumerate(plan):
        number = index + 1
        previous = ledger.accepted(request)
        if previous is not None:
            log.info("EVERY8D chunk %d of %d was accepted by an earlier try (batch %s); not sending it again",
                     number, len(plan), previous["batch_id"] or "-")
            results.append({**previous, "index": index})
        else:
            log.info("EVERY8D chunk %d of %d: %d recipients (%s), estimated %g points", number, len(plan),
                     len(request.recipients), masked(request.recipients), request.estimated_cost)
            entry = chunk_entry(index, request, _send_one(hook, request, number, len(plan), deduplicate, results))
            ledger.record(entry)
            results.append(entry)
            log.info("EVERY8D chunk %d of %d accepted: batch %s, sent %d, cost %g, unsent %d, filtered %d",
                     number, len(plan), entry["batch_id"] or "-", entry["sent"], entry["cost"], entry["unsent"],
                     len(entry["filtered"]))
        if results[-1]["unsent"] > 0:
            _fail_unsent(results, len(plan), request)
    return results


def _fail_unsent(results: Sequence[dict[str, Any]], count: int, request: ApiRequest) -> None:
    entry = results[-1]
    number = entry["index"] + 1
    rest = count - number
    skipped = {0: "", 1: f"; chunk {count} was not tried"}.get(rest, f"; chunks {number + 1} to {count} were not tried")
    raise AirflowException(
        f"unsent: {entry['unsent']} of {len(request.recipients)} messages of chunk {number} of {count} were not "
        f"sent because the account ran out of credit (balance {entry['credit']} points){skipped}. Top up the "
        f"account and send the rest in a new run. {_sent_so_far(results)}")


def totals(hook: Every8dHook, results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The send XCom: ``{"batch_ids", "sent", "cost", "unsent", "credit", "filtered"}``.

    ``credit`` is the balance after the last request: from its answer, or asked for when that answer did not
    say (1.3's "everything was filtered"); an earlier answer's balance could be stale by then.
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
