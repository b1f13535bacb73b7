"""The money guard: refuse, before any request, a send that costs more than allowed or than the balance.

A refusal is final: the estimate does not change on a retry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from airflow_provider_every8d.sending.plan import Plan, Send


def money_refusal(send: Send, plan: Plan, call: Callable[[Any], Any], log: logging.Logger | Any) -> str | None:
    """Why the send is refused, or None: over ``max_cost`` (the whole send's estimate) or, with
    ``check_credit``, over the balance (what this try still has to send)."""
    if send.max_cost is not None and plan.estimated_cost > send.max_cost:
        return (f"max_cost: the send is estimated at {plan.estimated_cost:g} points, over the limit of "
                f"{send.max_cost:g}; nothing was sent")
    if send.check_credit and plan.chunks:
        from airflow_provider_every8d.protocol.build import credit_request

        remaining = plan.cost_to_send
        balance = call(credit_request())
        log.info("EVERY8D balance %.2f points; this send is estimated at %g points", balance, remaining)
        if remaining > balance:
            return (f"check_credit: the send is estimated at {remaining:g} points but the balance is "
                    f"{balance:g}; nothing was sent")
    return None
