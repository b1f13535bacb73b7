"""A send that sends nothing (the package's ``dry_run``, loaded when first asked for: a send does not need it).

:func:`dry_run` validates, prices and (``check_credit``) checks the balance exactly as :func:`.run` does,
and where the account offers it (API 2.2, SMS: ``Send.ask_filter``) asks the 24-hour duplicate filter
who would be dropped (``IsSend=false``). It writes no ledger and sends no message; its :class:`Outcome`
has the send XCom's keys with ``sent`` 0, the would-be cost in ``cost`` (the would-be-dropped recipients
left out) and the would-be-dropped numbers in ``filtered``.
"""

from __future__ import annotations

import logging
from typing import Any

from airflow_provider_every8d.sending.guard import money_refusal
from airflow_provider_every8d.sending.ledger import LEDGER_KEY, Ledger, Store, UnreadableLedger
from airflow_provider_every8d.sending.outcome import ChunkResult, Outcome, Verdict, failed
from airflow_provider_every8d.sending.plan import CannotRecheck, Send, filter_drops, make_plan, not_dropped

_log = logging.getLogger(__name__)


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
        dropped = filter_drops(send, chunk, call)
        left = not_dropped(send, chunk, dropped)
        cost = send.build([r.item for r in left], chunk.recheck).estimated_cost if left else 0.0
        results.append(ChunkResult("", 0, float(cost), 0, None, dropped))
    credit = float(call(credit_request()))
    outcome = Outcome(Verdict.DONE, tuple(results), credit, retry_safe=True)
    log.info("EVERY8D dry run (nothing sent): %d chunk(s), would cost %g points, %d would be dropped by the "
             "duplicate filter", len(results), outcome.to_xcom()["cost"], len(outcome.to_xcom()["filtered"]))
    return outcome
