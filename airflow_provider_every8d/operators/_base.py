"""The base of the send operators: options, the execute flow, and the optional wait for delivery.

A subclass only says who its recipients are (:meth:`Every8dSendOperatorBase.validated_recipients`) and how a
chunk of them becomes a request (:meth:`~Every8dSendOperatorBase.build_chunk`); the send itself (plan, money
guard, ledger, totals) is the engine's (:mod:`airflow_provider_every8d.sending`), and its verdict becomes an
exception in ``operators/_verdict.py``.
Heavy imports (hook, protocol, client) happen inside methods: DAG files import this module on every parse.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowFailException, BaseOperator, conf

from airflow_provider_every8d.constants import DEFAULT_CHUNK_SIZE, DEFAULT_CONN_ID

if TYPE_CHECKING:
    from collections.abc import Sequence

    from airflow.providers.common.compat.sdk import Context

    from airflow_provider_every8d.hooks.every8d import Every8dHook
    from airflow_provider_every8d.protocol.request import ApiRequest
    from airflow_provider_every8d.sending.plan import Recipient

SEND_RESULT_KEY = "every8d_send_result"
"""XCom key of the send result while the operator waits deferred for delivery."""


def _option_error(field: str, problem: str) -> Exception:
    from airflow_provider_every8d.protocol.errors import Every8dValidationError

    return Every8dValidationError(field, problem)


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class Every8dSendOperatorBase(BaseOperator):
    """Shared options of every send operator.

    :param chunk_size: recipients per request (each request is one batch); default 1,000.
    :param max_cost: refuse the send, before any request, when its estimated cost in points is higher.
    :param check_credit: ask for the balance first and refuse a send that costs more than it.
    :param wait_for_delivery: after sending, wait until every message is final; the XCom then has
        ``"delivery"`` (the delivery sensor's counts).
    :param deferrable: wait in the triggerer instead of on the worker (with ``wait_for_delivery``).
    :param poll_interval: seconds between status checks while waiting.
    :param fail_on_undelivered: fail the task when any message failed (with ``wait_for_delivery``).
    :param min_delivery_rate: fail the task when the delivered share (0-1) is lower.
    :param dry_run: send nothing: validate, price, check the credit (with ``check_credit``) and, for SMS on
        an API 2.2 connection, ask the 24-hour duplicate filter who would be dropped; the XCom has the same
        keys with ``sent`` 0, the would-be cost, the would-be-dropped numbers in ``filtered`` and
        ``"dry_run": true``.
    :param every8d_conn_id: the EVERY8D connection.
    """

    ui_color = "#f6e3a1"
    mms = False
    """Whether the status of the sent batches is read from the MMS endpoint (2.3)."""

    def render_template(self, content: Any, context: Any, jinja_env: Any = None,
                        seen_oids: set[int] | None = None) -> Any:
        """A list of plain numbers, and a plain string, are kept as they are: Airflow compiles every string of
        a templated field (or list) with Jinja, about 0.15 ms each (15 s of CPU for 100,000 literal
        recipients; some 0.4 ms of every send for the message and the connection id), to render it to
        itself."""
        if jinja_env is not None and not self.template_ext:
            if content.__class__ is str and renders_to_itself((content,), jinja_env):
                return content
            if content.__class__ in (list, tuple) and renders_to_itself(content, jinja_env):
                return content.__class__(content)
        return super().render_template(content, context, jinja_env, seen_oids)

    def _set_xcomargs_dependencies(self) -> None:
        """Upstream tasks from XComArgs in the templated fields, as Airflow sets them once the operator is
        built (Airflow 2.11 calls it ``set_xcomargs_dependencies``). Airflow walks every element of a list
        (about 0.4 µs a number: 40 ms of every parse of a DAG file with 100,000 literal recipients); a list
        of plain strings holds no XComArg, so it is not walked. Anything else is walked as Airflow walks it."""
        from airflow.providers.common.compat.sdk import XComArg

        for name in self.template_fields:
            value = getattr(self, name, None)
            if value is not None and not _plain_strings(value):
                XComArg.apply_upstream_relationship(self, value)

    set_xcomargs_dependencies = _set_xcomargs_dependencies

    def __init__(
        self,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        max_cost: float | None = None,
        check_credit: bool = False,
        wait_for_delivery: bool = False,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        poll_interval: float = 30,
        fail_on_undelivered: bool = False,
        min_delivery_rate: float | None = None,
        dry_run: bool = False,
        every8d_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
            raise _option_error("chunk_size", f"{chunk_size!r} must be a positive whole number")
        if max_cost is not None and (not _number(max_cost) or max_cost < 0):
            raise _option_error("max_cost", f"{max_cost!r} must be a number of points, 0 or more")
        if not _number(poll_interval) or poll_interval <= 0:
            raise _option_error("poll_interval", f"{poll_interval!r} must be a positive number of seconds")
        if min_delivery_rate is not None:
            from airflow_provider_every8d.protocol.summary import validate_min_delivery_rate

            min_delivery_rate = validate_min_delivery_rate(min_delivery_rate)
        self.chunk_size = chunk_size
        self.max_cost = max_cost
        self.check_credit = check_credit
        self.wait_for_delivery = wait_for_delivery
        self.deferrable = deferrable
        self.poll_interval = poll_interval
        self.fail_on_undelivered = fail_on_undelivered
        self.min_delivery_rate = min_delivery_rate
        self.send_nothing = dry_run  # not ``self.dry_run``: BaseOperator.dry_run() is Airflow's own method
        self.every8d_conn_id = every8d_conn_id
        self._api_version = "2.1"
        self._retry_safe = False

    @property
    def deduplicate_sends(self) -> bool:
        """True when the requests go through the platform's 24-hour duplicate filter (1.3)."""
        return False

    @property
    def can_recheck(self) -> bool:
        """True when a chunk whose answer was lost can be sent again through the duplicate filter (1.3):
        plain SMS only; MMS, MSGID and param SMS have no such check."""
        return False

    def validated_recipients(self) -> Sequence[Recipient]:
        """Every recipient, validated once; its ``key`` identifies it in the send-once ledger."""
        raise NotImplementedError

    def build_chunk(self, items: list[Any], recheck: bool) -> ApiRequest:
        """One chunk's request (validated); ``recheck`` sends it through the duplicate filter."""
        raise NotImplementedError

    def filter_question(self) -> Any:
        """The duplicate filter's dry run of a chunk's request, or None where the account or the kind of
        send has none (only SMS on API 2.2: ``protocol.api22.duplicates_request``)."""
        return None

    def get_hook(self) -> Every8dHook:
        from airflow_provider_every8d.hooks.every8d import Every8dHook

        return Every8dHook(every8d_conn_id=self.every8d_conn_id)

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_every8d import sending
        from airflow_provider_every8d.operators._verdict import raise_for

        hook = self.get_hook()
        self._api_version = hook.settings.api_version
        send = sending.Send(self.validated_recipients(), self.build_chunk, chunk_size=self.chunk_size,
                            can_recheck=self.can_recheck, deduplicate=self.deduplicate_sends,
                            max_cost=self.max_cost, check_credit=self.check_credit,
                            ask_filter=self.filter_question())
        try:
            if self.send_nothing:
                outcome = sending.dry_run(send, hook.call, store=context.get("task_state_store"), log=self.log)
                raise_for(outcome)
                return {**outcome.to_xcom(), "dry_run": True}
            outcome = sending.run(send, hook.call, store=context.get("task_state_store"), log=self.log)
            raise_for(outcome)
            self._retry_safe = outcome.retry_safe
            self.log.info("EVERY8D send done: %s", outcome.summary())
            result: dict[str, Any] = dict(outcome.to_xcom())
            return self._wait(context, hook, result) if self.wait_for_delivery else result
        finally:
            hook.close()

    def _wait_timeout(self) -> timedelta:
        """How long to wait for delivery: the messages' validity (RETRYTIME) plus an hour, as the sensor."""
        from airflow_provider_every8d.protocol.times import validate_retry_time
        from airflow_provider_every8d.protocol.waits import default_timeout

        minutes = validate_retry_time(getattr(self, "retry_time", None))
        return default_timeout(int(minutes) if minutes else None)

    def _wait(self, context: Context, hook: Every8dHook, result: dict[str, Any]) -> dict[str, Any]:
        from airflow_provider_every8d.operators._delivery import judge, poll_until_final
        from airflow_provider_every8d.protocol.summary import DeliverySummary

        if not result["batch_ids"]:
            return judge(result, DeliverySummary(mms=self.mms), fail_on_undelivered=self.fail_on_undelivered,
                         min_delivery_rate=self.min_delivery_rate, log=self.log)
        if self.deferrable:
            from airflow_provider_every8d.triggers.every8d import Every8dDeliveryStatusTrigger

            # Also kept as an XCom: resume kwargs are replaced by the event in some runners (dag.test()).
            context["ti"].xcom_push(key=SEND_RESULT_KEY, value={**result, "retry_safe": self._retry_safe})
            self.defer(
                trigger=Every8dDeliveryStatusTrigger(batch_ids=result["batch_ids"],
                                                     every8d_conn_id=self.every8d_conn_id, mms=self.mms,
                                                     poll_interval=self.poll_interval),
                method_name="execute_complete",
                kwargs={"send_result": {**result, "retry_safe": self._retry_safe}},
                timeout=self._wait_timeout(),
            )
        summary = poll_until_final(hook, result["batch_ids"], mms=self.mms, poll_interval=self.poll_interval,
                                   timeout=self._wait_timeout(), retry_safe=self._retry_safe, log=self.log)
        return judge(result, summary, fail_on_undelivered=self.fail_on_undelivered,
                     min_delivery_rate=self.min_delivery_rate, log=self.log)

    def _retry_safe_in(self, context: Context) -> bool:
        """Whether a retry of this task instance could not send again (ledger present, or the filter)."""
        return context.get("task_state_store") is not None or self.deduplicate_sends

    def resume_execution(self, next_method: str, next_kwargs: dict[str, Any] | None, context: Context) -> Any:
        """A deferred wait that ends in failure (timeout, a crashed trigger) comes back as ``__fail__``:
        fail without retry where a retry would send again."""
        try:
            return super().resume_execution(next_method, next_kwargs, context)
        except AirflowFailException:
            raise
        except Exception as error:
            if next_method != "__fail__":
                raise
            from airflow_provider_every8d.operators._verdict import after_send

            raise after_send(f"the send succeeded but waiting for delivery ended: {error}",
                             self._retry_safe_in(context)) from error

    def execute_complete(self, context: Context, event: dict[str, Any],
                         send_result: dict[str, Any] | None = None) -> dict[str, Any]:
        """Resume after the trigger: the send result plus the delivery counts, or a failure."""

        from airflow_provider_every8d.operators._delivery import judge
        from airflow_provider_every8d.operators._verdict import after_send
        from airflow_provider_every8d.protocol.summary import DeliverySummary

        if send_result is None:
            ti = context["ti"]
            send_result = ti.xcom_pull(task_ids=ti.task_id, key=SEND_RESULT_KEY, map_indexes=ti.map_index)
            if not isinstance(send_result, dict):
                raise after_send("resumed without the send result; the send itself succeeded, see the log of "
                                 "the deferred try for its batch ids", self._retry_safe_in(context))

        retry_safe = bool(send_result.pop("retry_safe", False))
        if event.get("status") != "success":
            raise after_send(f"the send succeeded (batches {', '.join(send_result['batch_ids'])}) but waiting "
                             f"for delivery failed: {event.get('message', event)}", retry_safe)
        summary = DeliverySummary.from_dict(event.get("summary") or {}, mms=self.mms)
        return judge(send_result, summary, fail_on_undelivered=self.fail_on_undelivered,
                     min_delivery_rate=self.min_delivery_rate, log=self.log)


def _plain_strings(value: object) -> bool:
    """A list or tuple of nothing but strings (one join tells, at C speed)."""
    if value.__class__ not in (list, tuple):
        return False
    try:
        "".join(value)  # type: ignore[arg-type]
    except TypeError:
        return False
    return True


def renders_to_itself(items: list[Any] | tuple[Any, ...], jinja_env: Any) -> bool:
    """True when Jinja renders every item to itself: all strings, no ``{`` (no template marker) and no line
    end (Jinja normalises them), in an environment with the default syntax that renders to strings (a
    native-types one turns ``"+886..."`` into an int: left to Airflow, as before)."""
    from jinja2.nativetypes import NativeEnvironment

    syntax = (jinja_env.block_start_string, jinja_env.variable_start_string, jinja_env.comment_start_string)
    if isinstance(jinja_env, NativeEnvironment) or syntax != ("{%", "{{", "{#") or \
            jinja_env.line_statement_prefix or jinja_env.line_comment_prefix:
        return False
    try:
        text = "".join(items)
    except TypeError:  # not all strings
        return False
    return "{" not in text and "\n" not in text and "\r" not in text
