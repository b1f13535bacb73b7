"""A send, chunk by chunk, through a given ``call(request)``: the ledger written before and after each
request, every failure turned into an :class:`Outcome` whose verdict says whether a retry is safe.

A retry is safe when the ledger persists (a store was given) or every request goes through the duplicate
filter (``deduplicate``); otherwise, once any chunk was accepted, a failure is final, so that a new try does
not send it all again. Outcomes a retry cannot change (over ``max_cost``, too little credit, ``unsent > 0``)
are final everywhere.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from airflow_provider_every8d.protocol.errors import (
    Every8dApiError,
    Every8dResponseError,
    Every8dTransportError,
    Every8dValidationError,
)
from airflow_provider_every8d.protocol.privacy import masked_list
from airflow_provider_every8d.sending.guard import money_refusal
from airflow_provider_every8d.sending.ledger import LEDGER_KEY, Ledger, Store, UnreadableLedger
from airflow_provider_every8d.sending.outcome import ChunkResult, Outcome, Verdict, failed
from airflow_provider_every8d.sending.plan import CannotRecheck, Chunk, Send, make_plan, narrow_recheck

Call = Callable[[Any], Any]
"""``call(request)``: sends one :class:`~airflow_provider_every8d.protocol.request.ApiRequest` and returns
its parsed answer, raising the protocol's errors (e.g. ``Every8dHook.call``)."""

NO_LEDGER_WARNING = (
    "task_state_store is not available (it needs Airflow 3.3 or later): a retry of this task cannot know what "
    "an earlier try sent. Failures after the first accepted chunk therefore fail the task without retrying, "
    "unless deduplicate=True (the platform's 24-hour duplicate filter) makes a retry safe."
)
_log = logging.getLogger(__name__)


def run(send: Send, call: Call, *, store: Store | None, ledger_key: str = LEDGER_KEY,
        log: logging.Logger | Any = _log) -> Outcome:
    """Send ``send`` once per recipient across tries; never raises for a failed send, returns its outcome.

    :param store: where the ledger lives across tries (Airflow 3.3's ``task_state_store``); None keeps it
        for this try only (and logs :data:`NO_LEDGER_WARNING`).
    :param ledger_key: the store key; another user of the engine picks its own (e.g. ``"every8d_hitl"``).
    :raises Every8dValidationError: bad input or connection settings, before anything is sent.

    Used outside the send operators, e.g. to text a question once::

        send = Send(phone_recipients(numbers), lambda items, recheck: sms_request(text, items,
                    deduplicate=recheck), can_recheck=True)
        outcome = run(send, hook.call, store=context.get("task_state_store"), ledger_key="every8d_hitl")
        raise_for(outcome)  # operators/_verdict.py: DONE returns, RETRY/FINAL raise the right exception
    """
    try:
        ledger = Ledger(store, key=ledger_key)
    except UnreadableLedger as error:
        return failed(Verdict.FINAL, str(error))
    if store is None:
        log.warning(NO_LEDGER_WARNING)
    retry_safe = ledger.persistent or send.deduplicate
    try:
        plan = make_plan(send, ledger)
    except CannotRecheck as error:
        return failed(Verdict.FINAL, str(error), retry_safe=retry_safe)
    refusal = money_refusal(send, plan, call, log)
    if refusal:
        return failed(Verdict.FINAL, refusal, retry_safe=retry_safe)
    log.info("EVERY8D send: %d recipients, %d already accepted by an earlier try; %d chunk(s) to send, "
             "estimated %g points", len(send.recipients), plan.already_accepted, len(plan.chunks),
             plan.cost_to_send)
    return _Sending(send, ledger, call, log).through(plan.chunks)


class _Sending:
    """One try's way through its chunks; ``accepted`` starts with what earlier tries had accepted."""

    def __init__(self, send: Send, ledger: Ledger, call: Call, log: logging.Logger | Any) -> None:
        self.send = send
        self.ledger = ledger
        self.call = call
        self.log = log
        self.accepted: list[ChunkResult] = self._earlier_results()

    @property
    def retry_safe(self) -> bool:
        return self.ledger.persistent or self.send.deduplicate

    def _earlier_results(self) -> list[ChunkResult]:
        """Chunks accepted by earlier tries, their filtered digests read back as the numbers of this send."""
        results = self.ledger.results
        if not any(result.filtered for result in results):
            return results
        numbers = {self.ledger.digest(r.number): r.number for r in self.send.recipients}
        return [ChunkResult(r.batch_id, r.sent, r.cost, r.unsent, r.credit,
                            tuple(numbers[d] for d in r.filtered if d in numbers)) for r in results]

    def _failed(self, verdict: Verdict, problem: str, cause: BaseException | None = None) -> Outcome:
        return failed(verdict, problem, self.accepted, retry_safe=self.retry_safe, cause=cause)

    def _so_far(self) -> str:
        ids = [result.batch_id for result in self.accepted if result.batch_id]
        if not ids:
            return "No chunk of this send was accepted so far."
        again = "are not sent again by a retry" if self.ledger.persistent else "would be sent again by a retry"
        return f"Chunks already accepted (batch ids {', '.join(ids)}) {again}."

    def through(self, chunks: tuple[Chunk, ...]) -> Outcome:
        for index, chunk in enumerate(chunks):
            label = f"chunk {index + 1} of {len(chunks)}"
            note = " through the duplicate filter (its answer was lost before)" if chunk.recheck else ""
            self.log.info("EVERY8D %s: %d recipients (%s), estimated %g points%s", label, len(chunk.keys),
                          masked_list(chunk.request.recipients), chunk.request.estimated_cost, note)
            result = self._one(chunk, label)
            if isinstance(result, Outcome):
                return result
            if result.unsent > 0:
                return self._failed(Verdict.FINAL, (
                    f"unsent: {result.unsent} of {len(chunk.keys)} messages of {label} were not sent because the "
                    f"account ran out of credit (balance {result.credit} points); later chunks were not tried. "
                    f"Top up the account and send the rest in a new run. {self._so_far()}"))
        return self._done()

    def _one(self, chunk: Chunk, label: str) -> ChunkResult | Outcome:
        """Send one chunk: its result, or the outcome of its failure."""
        nothing_yet = not self.accepted
        first_safe = Verdict.RETRY if self.retry_safe or nothing_yet else Verdict.FINAL
        had: tuple[str, ...] = ()
        if chunk.recheck and self.send.ask_filter is not None:  # API 2.2: ask first, send only the rest
            try:
                narrowed, had = narrow_recheck(self.send, chunk, self.call)
            except (Every8dTransportError, Every8dResponseError, Every8dApiError) as error:
                return self._failed(first_safe, f"{label}: asking the duplicate filter before the recheck "
                                    f"failed ({error}); nothing was sent. {self._so_far()}", error)
            if narrowed is None:
                return self._record(chunk, label, ChunkResult("", 0, 0.0, 0, None, had))
            chunk = narrowed
        try:
            entry = self.ledger.begin(chunk.keys)
        except Exception as error:  # the store failed: nothing of this chunk went out
            return self._failed(first_safe, f"{label} was not sent: the send ledger could not be written "
                                f"({error}). {self._so_far()}", error)
        try:
            answer = self.call(chunk.request)
        except Every8dTransportError as error:
            if error.may_have_reached_server:
                return self._lost(chunk, label, error)
            self.ledger.settle(entry)
            return self._failed(first_safe, f"{label} was not sent ({error}): it never reached EVERY8D. "
                                f"{self._so_far()}", error)
        except Every8dResponseError as error:
            return self._lost(chunk, label, error)
        except Every8dValidationError:  # raised before any I/O (e.g. the connection's settings)
            self.ledger.settle(entry)
            raise
        except Every8dApiError as error:
            self.ledger.settle(entry)
            return self._failed(first_safe, f"{label} was refused: {error}. {self._so_far()}", error)
        result = ChunkResult.of(answer)
        if had:
            result = ChunkResult(result.batch_id, result.sent, result.cost, result.unsent, result.credit,
                                 had + result.filtered)
        return self._accepted(entry, result, label)

    def _record(self, chunk: Chunk, label: str, result: ChunkResult) -> ChunkResult | Outcome:
        """A recheck chunk whose every recipient already had the text: accepted with nothing sent."""
        try:
            entry = self.ledger.begin(chunk.keys)
        except Exception as error:
            return self._failed(Verdict.FINAL, f"{label}: nobody needed it again, but the ledger could not be "
                                f"written ({error}). {self._so_far()}", error)
        return self._accepted(entry, result, label)

    def _accepted(self, entry: Any, result: ChunkResult, label: str) -> ChunkResult | Outcome:
        self.log.info("EVERY8D %s accepted: batch %s, sent %d, cost %g, unsent %d, filtered %d%s", label,
                      result.batch_id or "-", result.sent, result.cost, result.unsent, len(result.filtered),
                      f" ({masked_list(result.filtered, shown=10)})" if result.filtered else "")
        self.accepted.append(result)
        try:
            self.ledger.accept(entry, result)
        except Exception as error:
            return self._failed(Verdict.FINAL, f"{label} was accepted as batch {result.batch_id} but could not be "
                                f"recorded in task_state_store ({error}); not retrying, so it is not sent twice",
                                error)
        return result

    def _lost(self, chunk: Chunk, label: str, problem: Exception) -> Outcome:
        """The chunk may have been accepted; its answer was lost. With the ledger, a retry resends it through
        the duplicate filter (plain SMS only); without it, only ``deduplicate`` makes a retry safe."""
        retryable = self.send.can_recheck if self.ledger.persistent else self.retry_safe
        advice = ("A retry sends it through the 24-hour duplicate filter, so nobody gets it twice." if retryable
                  else "Not retried: a retry could text these recipients twice; check the EVERY8D portal, and "
                  "use deduplicate=True to make retries safe.")
        return self._failed(Verdict.RETRY if retryable else Verdict.FINAL, (
            f"{label} ({len(chunk.request.recipients)} recipients) may have been accepted by EVERY8D but its "
            f"answer was lost ({problem}); its batch id is unknown. {advice} {self._so_far()}"), problem)

    def _done(self) -> Outcome:
        """Every chunk accepted. ``credit`` is the last answer's balance, or asked for when that answer did not
        say (1.3's "everything was filtered") or nothing had to be sent."""
        unsent = sum(result.unsent for result in self.accepted)
        if unsent:  # an earlier try ran out of credit: those recipients are not known
            ids = ", ".join(result.batch_id for result in self.accepted if result.batch_id)
            return self._failed(Verdict.FINAL, (
                f"unsent: {unsent} messages of this send were not sent for lack of credit (the platform does "
                "not say to whom); the rest went out. Send to the missing recipients in a new run. Batches: "
                f"{ids}"))
        credit = self.accepted[-1].credit if self.accepted else None
        if credit is None:
            from airflow_provider_every8d.protocol.build import credit_request

            try:
                credit = float(self.call(credit_request()))
            except (Every8dTransportError, Every8dResponseError, Every8dApiError) as error:
                verdict = Verdict.RETRY if self.retry_safe else Verdict.FINAL
                return self._failed(verdict, f"the send succeeded but the balance could not be read ({error}). "
                                    f"{self._so_far()}", error)
        return Outcome(Verdict.DONE, tuple(self.accepted), credit, retry_safe=self.retry_safe)
