"""Human-in-the-loop asked by SMS, answered by SMS reply or in the Airflow UI (Airflow 3.1+).

``Every8dHITLOperator`` is Airflow's ``HITLOperator`` (same arguments, same record, same Required Actions
page) that also texts the question to ``recipients``::

    Deploy v2.3? 1 Approve, 2 Reject: reply with the number https://airflow.example/dags/.../required_actions

then waits in the triggerer (:class:`~airflow_provider_every8d.triggers.hitl.Every8dHITLTrigger`) for
whichever comes first: a reply from an allowed number that chooses options, an answer in the UI or REST
API, or ``response_timeout`` (then ``defaults``, as HITL does). An SMS answer is written into the HITL
record as the response, with the masked number as who answered (by the API server's push receiver or
answer check; docs/human-in-the-loop.md says when it cannot be). ``Every8dApprovalOperator`` is the same
on ``ApprovalOperator`` (Approve continues, Reject skips downstream or, with ``fail_on_reject``, fails).
See docs/human-in-the-loop.md.

Send once, through the send-once engine (:mod:`airflow_provider_every8d.sending`, ledger key
:data:`QUESTION_KEY`): the question is texted by the first try only. ``task_state_store`` (Airflow 3.3)
remembers the batch; a retry reuses it and texts nobody. A try whose send answer was lost (it may have gone
out) sends again through the platform's 24-hour duplicate filter, so nobody gets it twice. On 3.1 and 3.2,
which have no store, every retry sends through that filter.

On Airflow 2.11 and 3.0 importing this module raises ImportError: HITL needs Airflow 3.1 and the standard
provider. The rest of the package works there.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

try:
    from airflow.providers.standard.operators.hitl import ApprovalOperator, HITLOperator
except Exception as error:  # ImportError, or the standard provider's "needs Airflow 3.1+" exception
    raise ImportError(
        "airflow_provider_every8d.operators.hitl needs Airflow 3.1 or later and the standard provider "
        "(apache-airflow-providers-standard), where Human-in-the-loop lives; the rest of "
        f"airflow-provider-every8d works without it ({type(error).__name__}: {error})") from error

from airflow_provider_every8d.constants import DEFAULT_CONN_ID, DEFAULT_POLL_INTERVAL

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

QUESTION_KEY = "every8d_hitl_question"
"""task_state_store key of the question's send ledger (:mod:`airflow_provider_every8d.sending`): delete it
to make the next try text the question again."""
SMS_FIELDS = ("recipients", "allowed_numbers", "sms_subject", "every8d_conn_id")
START_FROM_TRIGGER_PROBLEM = (
    "the HITL operators cannot start in the triggerer: before waiting they write the HITL record and text the "
    "question once (its ledger in task_state_store), and Airflow 3.3's triggerer lets a trigger do neither "
    "(its trigger runner accepts no CreateHITLDetailPayload and no SetTaskStateStore); the task defers after "
    "a few seconds on a worker and waits in the triggerer without a worker slot (docs/human-in-the-loop.md)")
"""Why ``start_from_trigger=True`` is refused when the DAG is parsed, rather than ignored."""


def _is_template(value: object) -> bool:
    if isinstance(value, str):
        return "{{" in value or "{%" in value
    return isinstance(value, (list, tuple)) and any(_is_template(item) for item in value)


class _AskedBySms:
    """What the two operators add to their HITL base: the SMS question and the trigger that reads replies.

    :param recipients: who is texted: one number, a comma-separated string or a list (templated).
    :param allowed_numbers: whose replies count (templated); default: the recipients.
    :param sms_subject: EVERY8D's subject label of the send (recipients do not see it; templated).
    :param max_length: the longest question, in characters (default: 201, up to 3 points per recipient, grown
        when a long UI link needs it, see :func:`~airflow_provider_every8d.protocol.hitl.question_text`);
        the body is cut first, then the subject; the options and the UI link are never cut.
    :param poll_interval: seconds between two reads of the replies (the HITL record is read every 5 s).
    :param every8d_conn_id: the ``every8d`` connection (templated).
    :param start_from_trigger: refused (:data:`START_FROM_TRIGGER_PROBLEM`): the question is asked from a
        worker, then the wait runs in the triggerer.
    """

    options: list[str]
    subject: str
    body: str | None
    multiple: bool
    defaults: list[str] | None
    response_timeout: Any
    notifiers: Sequence[Any]
    assigned_users: Any
    hitl_summary_extra: dict[str, Any]
    log: Any
    if TYPE_CHECKING:  # provided by HITLOperator and BaseOperator
        serialized_params: dict[str, Any]

        def generate_link_to_ui(self, *, task_instance: Any) -> str: ...

        def defer(self, *, trigger: Any, method_name: str) -> None: ...

    def __init__(self, *, recipients: str | Sequence[str], allowed_numbers: str | Sequence[str] | None = None,
                 sms_subject: str = "", max_length: int | None = None,
                 poll_interval: float = DEFAULT_POLL_INTERVAL, every8d_conn_id: str = DEFAULT_CONN_ID,
                 start_from_trigger: bool = False, **kwargs: Any) -> None:
        if start_from_trigger:
            from airflow_provider_every8d.protocol.errors import Every8dValidationError

            raise Every8dValidationError("start_from_trigger", START_FROM_TRIGGER_PROBLEM)
        super().__init__(**kwargs)
        self.recipients = recipients
        self.allowed_numbers = allowed_numbers
        self.sms_subject = sms_subject
        self.max_length = max_length
        self.poll_interval = poll_interval
        self.every8d_conn_id = every8d_conn_id
        self._validate(rendered=False)

    def _validate(self, *, rendered: bool) -> None:
        """Errors name the field (Every8dValidationError), before anything is sent."""
        from airflow_provider_every8d.protocol.build import MAX_SMS_LENGTH, parse_recipients, validate_subject
        from airflow_provider_every8d.protocol.errors import Every8dValidationError

        limit = self.max_length
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)
                                  or not 1 <= limit <= MAX_SMS_LENGTH):
            raise Every8dValidationError("max_length", f"{limit!r} must be a whole number from 1 to {MAX_SMS_LENGTH}")
        if isinstance(self.poll_interval, bool) or not isinstance(self.poll_interval, (int, float)) \
                or not self.poll_interval > 0:
            raise Every8dValidationError("poll_interval", f"{self.poll_interval!r} must be a positive number of "
                                         "seconds")
        for name in ("recipients", "allowed_numbers"):
            value = getattr(self, name)
            if value is not None and (rendered or not _is_template(value)):
                parse_recipients(value, name)
        validate_subject(self.sms_subject, "sms_subject")

    # -- execute -----------------------------------------------------------------------------------
    def execute(self, context: Context) -> None:
        """Write the HITL record, run the notifiers, text the question (once), then defer to the trigger."""
        from airflow.sdk.execution_time.hitl import upsert_hitl_detail
        from airflow.sdk.timezone import utcnow

        from airflow_provider_every8d.protocol.build import parse_recipients
        from airflow_provider_every8d.triggers.hitl import Every8dHITLTrigger

        self._validate(rendered=True)
        ti = context["task_instance"]
        upsert_hitl_detail(ti_id=ti.id, options=self.options, subject=self.subject, body=self.body,
                           defaults=self.defaults, multiple=self.multiple, params=self.serialized_params,
                           assigned_users=self.assigned_users)
        timeout_datetime = utcnow() + self.response_timeout if self.response_timeout else None
        self.hitl_summary_extra["timeout_datetime"] = timeout_datetime.isoformat() if timeout_datetime else None
        for notifier in self.notifiers:
            notifier(context)
        batch_ids = self._text_question(context)
        allowed = self.allowed_numbers if self.allowed_numbers is not None else self.recipients
        self.defer(
            trigger=Every8dHITLTrigger(
                ti_id=ti.id, batch_ids=batch_ids, options=self.options, multiple=self.multiple,
                allowed_numbers=[phone.wire for phone in parse_recipients(allowed, "allowed_numbers")],
                defaults=self.defaults, params=self.serialized_params, timeout_datetime=timeout_datetime,
                every8d_conn_id=self.every8d_conn_id, poll_interval=float(self.poll_interval)),
            method_name="execute_complete",
        )

    def question(self, context: Context) -> str:
        """The SMS text: subject, body (cut to fit), numbered options and the UI link when Airflow has a
        base URL (``[api] base_url``)."""
        from airflow_provider_every8d.protocol.hitl import Question, question_text

        try:
            link: str | None = self.generate_link_to_ui(task_instance=context["task_instance"])
        except ValueError:
            link = None
        return question_text(Question(self.subject, self.options, self.body, link, self.multiple), self.max_length)

    def _text_question(self, context: Context) -> list[str]:
        """Send the question through the send-once engine (its ledger under :data:`QUESTION_KEY`); the batch
        ids whose replies answer (an earlier try's, when it already went out)."""
        from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

        from airflow_provider_every8d.hooks.every8d import Every8dHook
        from airflow_provider_every8d.protocol.build import sms_request
        from airflow_provider_every8d.sending import Send, Verdict, phone_recipients, run

        text, subject = self.question(context), self.sms_subject
        store = context.get("task_state_store")
        try_number = getattr(context["task_instance"], "try_number", 1) or 1
        send = Send(phone_recipients(self.recipients),
                    lambda numbers, recheck: sms_request(text, numbers, subject, deduplicate=recheck),
                    can_recheck=True, deduplicate=store is None and try_number > 1)
        self.log.debug("EVERY8D: question text %r", text)
        hook = Every8dHook(every8d_conn_id=self.every8d_conn_id)
        try:
            outcome = run(send, hook.call, store=store, ledger_key=QUESTION_KEY, log=self.log)
        finally:
            hook.close()
        if outcome.verdict is not Verdict.DONE:
            error = AirflowException if outcome.verdict is Verdict.RETRY else AirflowFailException
            raise error(f"EVERY8D: the question was not sent: {outcome.problem}") from outcome.cause
        if not outcome.batch_ids:
            self.log.warning("EVERY8D: the duplicate filter dropped every recipient (an earlier try texted them) "
                             "and that batch id is unknown: SMS answers cannot be read; answer in the Airflow UI")
        return outcome.batch_ids


class Every8dHITLOperator(_AskedBySms, HITLOperator):  # type: ignore[misc]
    """Airflow's ``HITLOperator``, asked by SMS too: see the module and :class:`_AskedBySms` for the SMS
    arguments; ``subject``, ``options``, ``body``, ``defaults``, ``multiple``, ``params``,
    ``assigned_users``, ``response_timeout`` and ``notifiers`` are HITLOperator's."""

    template_fields: Collection[str] = (*HITLOperator.template_fields, *SMS_FIELDS)
    ui_color = "#fdf3e8"

    def __init__(self, **kwargs: Any) -> None:  # its own, so Airflow's metaclass wraps this class's init
        super().__init__(**kwargs)


class Every8dApprovalOperator(_AskedBySms, ApprovalOperator):  # type: ignore[misc]
    """Airflow's ``ApprovalOperator`` (options ``Approve`` and ``Reject``), asked by SMS too: reply ``1`` (or
    ``approve``) to approve, ``2`` to reject."""

    template_fields: Collection[str] = (*ApprovalOperator.template_fields, *SMS_FIELDS)
    ui_color = "#fdf3e8"

    def __init__(self, **kwargs: Any) -> None:  # its own, so Airflow's metaclass wraps this class's init
        super().__init__(**kwargs)


__all__ = ["Every8dApprovalOperator", "Every8dHITLOperator"]
