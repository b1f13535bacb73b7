"""Every8dHITLTrigger: wait for whichever comes first, an SMS answer, an answer in the UI/REST API, or the
timeout, for a Human-in-the-loop request that :mod:`airflow_provider_every8d.operators.hitl` texted.

Each turn reads the HITL record (a cheap call to the Airflow API) every ``record_interval`` seconds and the
question's replies (2.4, every page) every ``poll_interval`` seconds:

- the record has a response (someone answered in Required Actions or through ``PATCH .../hitlDetails``):
  end with it, as Airflow's own ``HITLTrigger`` does. On Airflow 3.3 that PATCH resumes a deferred task by
  itself; this read is the fallback (and the path on 3.1 and 3.2).
- a reply from an allowed number chooses options (:mod:`airflow_provider_every8d.protocol.hitl`): ask the
  API server's check endpoint (``POST <[api] base_url>/every8d/hitl/<ti_id>/check``,
  :mod:`airflow_provider_every8d.plugins.hitl_check`) to record it, which names the masked number as
  ``responded_by``, then end with what the record holds. When that endpoint cannot be reached or does not
  record it (no plugin, no base URL, an error), write the answer through the Execution API instead, which
  records nobody as ``responded_by`` (said once in the log), then end with it. Either way, if the record
  was answered in the meantime, the record wins and the SMS answer is logged as ignored.
- the timeout passed: the defaults are written as the response, or, with no defaults, a timeout error
  event (``HITLOperator.execute_complete`` raises ``HITLTimeoutError``), exactly as ``HITLTrigger`` does.

Reading replies never ends the wait by failing: a transient failure is logged and retried later
(``failure_pause``), and a refusal by the platform (a wrong password, say) stops the SMS side only, so an
answer in the UI or the timeout still resolves the request. A failed read or write of the HITL record (the
Airflow API) is tried again at the next turn; ``MAX_CONSECUTIVE_FAILURES`` in a row fail the trigger.
Replies that do not answer are logged with the masked number and a reason, never their text at INFO.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_every8d.constants import DEFAULT_CONN_ID, HITL_TRIGGER_CLASSPATH, WRONG_CREDENTIALS
from airflow_provider_every8d.protocol.hitl import (
    CHECK_PATH,
    CHECK_WAIT,
    RESPONDER_ID_PREFIX,
    CheckOutcome,
    params_values,
)
from airflow_provider_every8d.protocol.waits import MAX_CONSECUTIVE_FAILURES, MIN_PAUSE, failure_pause

CLASSPATH = HITL_TRIGGER_CLASSPATH
TIMEOUT_ERROR = "The timeout has passed, and the response has not yet been received."
CHECK_TIMEOUT = CHECK_WAIT
"""Seconds the trigger waits for the API server's check endpoint before writing the answer itself."""
_check_problems_logged: set[str] = set()


def _record_api() -> tuple[Callable[..., Any], Callable[..., Any]]:
    """``(read, write)`` of the HITL record through the Execution API.

    In the triggerer, Airflow's own ``get_hitl_detail_content_detail`` / ``update_hitl_detail_response``,
    which its supervisor forwards. ``dag.test()`` runs a trigger under the *task* supervisor, which in
    Airflow 3.3.2 forwards neither message ("Unhandled request"); there the same Execution API calls are
    made through that supervisor's in-process client."""
    from airflow.sdk.execution_time import hitl, task_runner

    client = getattr(getattr(task_runner.SUPERVISOR_COMMS, "supervisor", None), "client", None)
    if client is None:
        return hitl.get_hitl_detail_content_detail, hitl.update_hitl_detail_response
    return client.hitl.get_detail_response, client.hitl.update_response


def _check_url(ti_id: UUID) -> str:
    """The API server's check endpoint for ``ti_id``: below ``[api] base_url`` (the root of the UI link), or,
    when that is unset or a bare path, below the API server the workers reach for the Execution API
    (``[core] execution_api_server_url`` without ``/execution/``; Airflow's default ``localhost:8080``)."""
    from airflow.providers.common.compat.sdk import conf

    base = conf.get("api", "base_url", fallback="") or ""
    if not base or base.startswith("/"):
        execution = conf.get("core", "execution_api_server_url", fallback="") or ""
        base = execution.rstrip("/").removesuffix("/execution") if execution else f"http://localhost:8080{base}"
    return f"{base.rstrip('/')}/{CHECK_PATH.format(ti_id=ti_id)}"


async def _ask_api_server(ti_id: UUID) -> tuple[CheckOutcome | None, str]:
    """The check endpoint's outcome, or None and why it gave none (unreachable, no plugin, an error)."""
    import httpx

    from airflow_provider_every8d.transport.core import USER_AGENT

    try:  # Airflow's own API: the environment's proxy settings apply, as for its Execution API client
        async with httpx.AsyncClient(timeout=CHECK_TIMEOUT, follow_redirects=False) as http:
            response = await http.post(_check_url(ti_id), headers={"User-Agent": USER_AGENT})
    except httpx.HTTPError as error:
        return None, f"the API server could not be reached ({type(error).__name__})"
    try:
        return CheckOutcome(response.json()["outcome"]), f"HTTP {response.status_code}"
    except (ValueError, KeyError, TypeError):
        return None, f"HTTP {response.status_code} without an answer (is the provider installed in the API server?)"


def _utcnow() -> datetime:
    from airflow.sdk.timezone import utcnow

    return utcnow()


class Every8dHITLTrigger(BaseTrigger):
    """See the module. ``params``: the operator's serialized params (their values are the response's
    ``params_input`` for an SMS answer and for the defaults). ``allowed_numbers``: whose replies count."""

    def __init__(self, *, ti_id: UUID | str, batch_ids: Sequence[str], options: Sequence[str],
                 allowed_numbers: Sequence[str], multiple: bool = False, defaults: Sequence[str] | None = None,
                 params: dict[str, Any] | None = None, timeout_datetime: datetime | None = None,
                 every8d_conn_id: str = DEFAULT_CONN_ID, poll_interval: float = 30.0,
                 record_interval: float = 5.0) -> None:
        super().__init__()
        if not poll_interval > 0 or not record_interval > 0:
            raise ValueError("poll_interval and record_interval must be positive numbers of seconds")
        self.ti_id = ti_id if isinstance(ti_id, UUID) else UUID(str(ti_id))
        self.batch_ids = [str(batch_id) for batch_id in batch_ids]
        self.options = list(options)
        self.allowed_numbers = list(allowed_numbers)
        self.multiple = bool(multiple)
        self.defaults = list(defaults) if defaults is not None else None
        self.params = dict(params or {})
        self.timeout_datetime = timeout_datetime
        self.every8d_conn_id = every8d_conn_id
        self.poll_interval = float(poll_interval)
        self.record_interval = float(record_interval)
        self._ignored_logged = 0
        self._sms_side = bool(self.batch_ids)
        self._next_poll = 0.0
        self._failures = 0
        self._record_failures = 0

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (CLASSPATH, {
            "ti_id": self.ti_id, "batch_ids": self.batch_ids, "options": self.options,
            "allowed_numbers": self.allowed_numbers, "multiple": self.multiple, "defaults": self.defaults,
            "params": self.params, "timeout_datetime": self.timeout_datetime,
            "every8d_conn_id": self.every8d_conn_id, "poll_interval": self.poll_interval,
            "record_interval": self.record_interval,
        })

    # -- the HITL record ---------------------------------------------------------------------------
    def _params_input(self) -> dict[str, Any]:
        """The params' values (what Airflow records with the timeout's defaults, too)."""
        return params_values(self.params)

    async def _recorded(self) -> TriggerEvent | None:
        """The response already in the record (UI, REST API, or an earlier run of this trigger), if any."""
        from asgiref.sync import sync_to_async

        record = await sync_to_async(_record_api()[0])(ti_id=self.ti_id)
        if not (record.response_received and record.chosen_options):
            return None
        user = record.responded_by_user
        responded_by = {"id": user.id, "name": user.name} if user is not None else None
        chosen = list(record.chosen_options)
        if responded_by is not None and str(responded_by["id"]).startswith(RESPONDER_ID_PREFIX):
            self.log.info("[HITL] answered by SMS from %s (recorded by the API server): %s", responded_by["name"],
                          chosen)
        else:
            self.log.info("[HITL] answered in Airflow by %s: %s", responded_by["name"] if responded_by else
                          "nobody named (the timeout's default, or an SMS answer recorded without the number)",
                          chosen)
        return TriggerEvent({"chosen_options": chosen, "params_input": record.params_input or {},
                             "responded_at": record.responded_at, "responded_by_user": responded_by,
                             "timedout": False})

    async def _write(self, chosen_options: list[str]) -> Any:
        from asgiref.sync import sync_to_async

        return await sync_to_async(_record_api()[1])(
            ti_id=self.ti_id, chosen_options=chosen_options, params_input=self._params_input())

    async def _timed_out(self) -> TriggerEvent:
        recorded = await self._recorded()
        if recorded is not None:
            return recorded
        if self.defaults is None:
            return TriggerEvent({"error": TIMEOUT_ERROR, "error_type": "timeout"})
        record = await self._write(self.defaults)
        self.log.info("[HITL] timeout reached before any answer; the default %s applies", self.defaults)
        return TriggerEvent({"chosen_options": self.defaults, "params_input": self._params_input(),
                             "responded_at": record.responded_at, "responded_by_user": None, "timedout": True})

    async def _recorded_by_api_server(self) -> TriggerEvent | None:
        """The record as the API server's check endpoint left it, when that endpoint recorded the answer (or
        found the record answered); None when the trigger must write the answer itself."""
        outcome, why = await _ask_api_server(self.ti_id)
        if outcome in (CheckOutcome.RECORDED, CheckOutcome.ANSWERED):
            return await self._recorded()
        reason = why if outcome is None else f"it answered {outcome.value!r} ({why})"
        if reason not in _check_problems_logged:
            _check_problems_logged.add(reason)
            self.log.warning("[HITL] the API server's SMS answer check did not record the answer: %s; the answer "
                             "is written through the Execution API, without the number as responded_by "
                             "(logged once per reason)", reason)
        return None

    async def _answered_by_sms(self, answer: Any) -> TriggerEvent:
        """Record an SMS answer as the response (by the API server, else here); the record wins if it was
        answered first."""
        recorded = await self._recorded_by_api_server()
        if recorded is not None:
            return recorded
        who = answer.responded_by
        try:
            record = await self._write(answer.chosen_options)
        except Exception as error:
            recorded = await self._recorded()
            if recorded is None:
                raise
            self.log.info("[HITL] SMS answer from %s ignored: the request was answered first (%s)", who["name"],
                          type(error).__name__)
            return recorded
        self.log.info("[HITL] answered by SMS from %s: %s", who["name"], answer.chosen_options)
        return TriggerEvent({"chosen_options": answer.chosen_options, "params_input": self._params_input(),
                             "responded_at": record.responded_at, "responded_by_user": who, "timedout": False,
                             "sms_reply_time": answer.reply_time})

    # -- the replies -------------------------------------------------------------------------------
    async def _read_replies(self, client: Any, rules: Any) -> Any:
        replies = [reply for batch_id in self.batch_ids async for reply in client.iter_replies(batch_id)]
        verdict = rules.judge(replies)
        for item in verdict.ignored[self._ignored_logged:]:
            self.log.info("[HITL] reply from %s ignored: %s (%d characters)", item.masked_number, item.reason,
                          item.characters)
        self._ignored_logged = len(verdict.ignored)
        return verdict

    async def _poll(self, client: Any, rules: Any) -> Any:
        """The SMS answer, if a due poll of the replies finds one; failures only delay the next poll."""
        from airflow_provider_every8d.protocol.errors import Every8dApiError

        if not self._sms_side or time.monotonic() < self._next_poll:
            return None
        try:
            verdict = await self._read_replies(client, rules)
        except Every8dApiError as error:
            self._sms_side = False
            if error.code == WRONG_CREDENTIALS:  # the next wait reads the connection again
                from airflow_provider_every8d.transport.aio import forget_lookup

                forget_lookup(self.every8d_conn_id)
            self.log.error("[HITL] EVERY8D refused the reply query (%s); SMS answers are no longer read, answer "
                           "in the Airflow UI", error)
            return None
        except Exception as error:  # transient: HTTP, timeout, an unparsable page
            self._failures += 1
            self._next_poll = time.monotonic() + failure_pause(self.poll_interval, self._failures)
            self.log.warning("[HITL] reading replies failed (%s); trying again later", str(error) or
                             type(error).__name__)
            return None
        self._failures, self._next_poll = 0, time.monotonic() + self.poll_interval
        return verdict.answer

    async def _turn(self, client: Any, rules: Any) -> TriggerEvent | None:
        """One look at the deadline, the record and (when due) the replies: the event to end with, or None.
        A failed read or write of the record is tried again next turn, up to MAX_CONSECUTIVE_FAILURES."""
        try:
            if self.timeout_datetime is not None and self.timeout_datetime <= _utcnow():
                event: TriggerEvent | None = await self._timed_out()
            else:
                event = await self._recorded()
                answer = await self._poll(client, rules) if event is None else None
                if answer is not None:
                    self._next_poll = time.monotonic()  # a failed write below finds the answer again at once
                    event = await self._answered_by_sms(answer)
        except Exception as error:
            self._record_failures += 1
            if self._record_failures >= MAX_CONSECUTIVE_FAILURES:
                raise
            self.log.warning("[HITL] the HITL record could not be read or written (%s); trying again",
                             str(error) or type(error).__name__)
            return None
        self._record_failures = 0
        return event

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from airflow_provider_every8d.hooks.every8d import Every8dHook
        from airflow_provider_every8d.protocol.hitl import ReplyRules
        from airflow_provider_every8d.transport.aio import reused_client

        rules = ReplyRules.build(self.options, self.allowed_numbers, self.multiple)
        self._sms_side, self._next_poll = bool(self.batch_ids), time.monotonic()
        look_up = Every8dHook(every8d_conn_id=self.every8d_conn_id).aget_client  # shared with the other waits
        async with await reused_client(self.every8d_conn_id, look_up) as client:
            while True:
                event = await self._turn(client, rules)
                if event is not None:
                    yield event
                    return
                await asyncio.sleep(self._pause(self._next_poll if self._sms_side else None))

    def _pause(self, next_poll: float | None) -> float:
        """Until the next thing to do: a record read, a reply poll, or the timeout."""
        pause = self.record_interval
        if next_poll is not None:
            pause = min(pause, next_poll - time.monotonic())
        if self.timeout_datetime is not None:
            pause = min(pause, (self.timeout_datetime - _utcnow()).total_seconds())
        return max(MIN_PAUSE, pause)
