"""Every8dNotifier: an SMS when a task fails (or succeeds, retries, misses a deadline).

Use it as a callback: ``on_failure_callback=Every8dNotifier(recipients="0900000001")``. On Airflow 3 it
is also awaitable, so a Deadline Alert can run it in the triggerer:
``AsyncCallback(Every8dNotifier, kwargs={"recipients": [...]})``. See docs/notifier.md.

Every8dHITLNotifier (a subclass, for a standard HITL operator's ``notifiers=``) texts the HITL request:
``HITLOperator(..., notifiers=[Every8dHITLNotifier(recipients="0900000021")])`` sends::

    Deploy v2.3 to prod? Approve / Reject. Answer in Airflow: https://airflow.example/dags/.../required_actions

Answers then go through the Airflow UI (or the REST API): replies to this SMS are not read. To take the
answer by SMS reply as well, use :class:`~airflow_provider_every8d.operators.hitl.Every8dHITLOperator`.
The link is there when Airflow knows its base URL (``[api] base_url``). The text is fitted into
``max_length`` (the body is cut first, the options and the link never), and sent through the platform's
24-hour duplicate filter (1.3), so a retried HITL task does not text the same request twice. Importable
everywhere; it only works as a notifier of a HITL operator (Airflow 3.1+). See docs/human-in-the-loop.md.

This module is imported by DAG files: it imports the hook and the protocol only when a message is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import BaseNotifier

from airflow_provider_every8d.constants import DEFAULT_CONN_ID

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from airflow_provider_every8d.protocol.models import SendResult
    from airflow_provider_every8d.protocol.request import ApiRequest

ONE_SMS = 70
"""Characters in one SMS that contains Chinese (UCS-2): one point per recipient."""
HITL_MAX_LENGTH = 201
"""Characters of a HITL request's SMS by default (up to 3 points per recipient): room for the UI link."""


def _is_template(value: object) -> bool:
    if isinstance(value, str):
        return "{{" in value or "{%" in value
    if isinstance(value, (list, tuple)):
        return any(_is_template(item) for item in value)
    return False


class Every8dNotifier(BaseNotifier):
    """Send an SMS through EVERY8D from an Airflow callback.

    :param recipients: one number, a comma-separated string, or a list (templated). Checked when the
        notifier is created unless it is a template, and always before anything is sent.
    :param message: the text (templated). None (the default) composes one from the context: DAG, task,
        event (``failed``...), try, run id and the log URL when Airflow knows it, shortened to fit
        ``max_length`` (see :mod:`airflow_provider_every8d.notifications.alert_text`).
    :param subject: a subject kept by EVERY8D for your records; recipients do not see it (templated).
    :param max_length: the longest text sent, in characters. Default 70: one SMS, one point per recipient.
        A fixed ``message`` longer than this is an error when the notifier is created; a templated one
        that renders longer is cut (with ``…``) and a warning, because an alert that is not sent helps
        no one. Up to 333 characters is still one (long) SMS of up to 5 points per recipient.
    :param event_id: an interactive-reply activity (API 2.2; ``-1``: the account's default): the platform
        appends a 17-character reply link to the text (so recipients can answer the alert).
    :param every8d_conn_id: the ``every8d`` connection (templated).

    Sending is not retried: a failure is logged and raised (Airflow logs it as a failed callback).
    """

    template_fields: Sequence[str] = ("message", "recipients", "subject", "every8d_conn_id")

    def __init__(
        self,
        *,
        recipients: str | Sequence[str],
        message: str | None = None,
        subject: str = "",
        max_length: int = ONE_SMS,
        every8d_conn_id: str = DEFAULT_CONN_ID,
        event_id: str | int | None = None,
        context: Context | None = None,
    ) -> None:
        # Airflow 3 passes ``context`` when a Deadline Alert's AsyncCallback builds the notifier.
        if context is None:
            super().__init__()
        else:  # pragma: no cover - Airflow 3 only (2.11's BaseNotifier takes no context)
            super().__init__(context=context)  # type: ignore[call-arg]
        self.recipients = recipients
        self.message = message
        self.subject = subject
        self.max_length = max_length
        self.every8d_conn_id = every8d_conn_id
        self.event_id = event_id
        self._api_version = "2.1"
        self._validate(rendered=False)

    def render_template_fields(self, context: Context, jinja_env: Any = None) -> None:
        """Render the templated fields; a ``message`` template that fails (an undefined variable, say
        ``{{ ds }}`` in a manual run on Airflow 3) falls back to the default text, so a template mistake
        never swallows the alert. A failing ``recipients`` template still raises: nobody to text."""
        try:
            super().render_template_fields(context, jinja_env)
        except Exception as error:
            if not _is_template(self.message):
                raise
            self.log.warning("Every8dNotifier: the message template failed to render (%s); sending the default "
                             "alert text instead", error)
            self.message = None
            super().render_template_fields(context, jinja_env)

    # -- validation -----------------------------------------------------------------------------
    def _validate(self, *, rendered: bool) -> None:
        """Check arguments before anything is sent; errors name the field (Every8dValidationError)."""
        from airflow_provider_every8d.protocol import build
        from airflow_provider_every8d.protocol.errors import Every8dValidationError

        limit = self.max_length
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= build.MAX_SMS_LENGTH:
            raise Every8dValidationError("max_length", f"{limit!r} must be a whole number from 1 to "
                                         f"{build.MAX_SMS_LENGTH}")
        if not isinstance(self.every8d_conn_id, str) or not self.every8d_conn_id.strip():
            raise Every8dValidationError("every8d_conn_id", "empty connection id")
        if rendered or not _is_template(self.recipients):
            build.parse_recipients(self.recipients)
        build.validate_subject(self.subject)
        if self.message is not None and (rendered or not _is_template(self.message)):
            build.validate_message(self.message)
            if not rendered and len(self.message) > limit:
                raise Every8dValidationError("message", f"{len(self.message)} characters is over max_length="
                                             f"{limit}; shorten it or raise max_length (more points per SMS)")

    def _text(self, context: Context) -> str:
        """The rendered message fitted to ``max_length``, or the default text from the context."""
        from airflow_provider_every8d.notifications.alert_text import ELLIPSIS, default_message

        if self.message is None:
            return default_message(context, self.max_length)
        if len(self.message) > self.max_length:
            self.log.warning("Every8dNotifier: the rendered message has %d characters, over max_length=%d; "
                             "sending the first %d", len(self.message), self.max_length, self.max_length)
            return self.message[: self.max_length - 1] + ELLIPSIS
        return self.message

    def _request(self, context: Context) -> ApiRequest:
        """Validate the rendered fields and build the 1.1 request (nothing is sent here)."""
        from airflow_provider_every8d.protocol import api22, build

        self._validate(rendered=True)
        request = build.sms_request(self._text(context), self.recipients, self.subject or "")
        return api22.event_request(request, self.event_id, self._api_version)

    def _sent(self, result: SendResult, request: ApiRequest) -> None:
        """Log the accepted send (numbers masked, no text at INFO); raise if the platform kept some back."""
        from airflow.providers.common.compat.sdk import AirflowException

        from airflow_provider_every8d.protocol.privacy import mask

        if result.unsent > 0:
            raise AirflowException(f"Every8dNotifier: {result.unsent} of {len(request.recipients)} alert SMS were "
                                   f"not sent: the account has too little credit (balance {result.credit} points)")
        self.log.info("Every8dNotifier: SMS accepted for %s (batch %s, %s point(s))",
                      ", ".join(mask(str(p)) for p in request.recipients), result.batch_id, result.cost)
        self.log.debug("Every8dNotifier: message was %r", request.message)

    # -- sending --------------------------------------------------------------------------------
    def notify(self, context: Context) -> None:
        """Send the SMS (sync; task callbacks). Raises on any failure; nothing is retried."""
        from airflow_provider_every8d.hooks.every8d import Every8dHook

        hook = Every8dHook(every8d_conn_id=self.every8d_conn_id)
        try:
            self._api_version = hook.settings.api_version
            request = self._request(context)
            self._sent(hook.call(request), request)
        finally:
            hook.close()

    async def async_notify(self, context: Context) -> None:
        """Send the SMS (async, httpx; Deadline Alerts in the triggerer). Failures are logged and raised."""
        from airflow_provider_every8d.hooks.every8d import Every8dHook

        try:
            self._validate(rendered=True)
            client = await Every8dHook(every8d_conn_id=self.every8d_conn_id).aget_client()
            try:
                self._api_version = client.settings.api_version
                request = self._request(context)
                result = await client.call(request)
            finally:
                await client.aclose()
        except Exception as error:
            # Airflow 3's __await__ logs only errors raised before the coroutine starts; log the rest here.
            self.log.error("Failed to send notification (async): %s", error)
            raise
        self._sent(result, request)


send_every8d_notification = Every8dNotifier
"""Function-style alias, as other providers name theirs (``send_slack_notification``)."""


class Every8dHITLNotifier(Every8dNotifier):
    """Text the subject, the options and the UI link of the HITL request this notifier is attached to.

    :param recipients: one number, a comma-separated string, or a list (templated).
    :param sms_subject: EVERY8D's subject label of the send; recipients do not see it (templated).
    :param max_length: the longest text sent, in characters (default: 201, grown when a long UI link needs
        it, as for the HITL operators' question).
    :param every8d_conn_id: the ``every8d`` connection (templated).

    Sending is not retried by the notifier; a failure is raised (the HITL task fails before it waits).
    """

    template_fields: Sequence[str] = ("recipients", "subject", "every8d_conn_id")

    def __init__(self, *, recipients: str | Sequence[str], sms_subject: str = "", max_length: int | None = None,
                 every8d_conn_id: str = DEFAULT_CONN_ID, context: Context | None = None) -> None:
        super().__init__(recipients=recipients, subject=sms_subject,
                         max_length=HITL_MAX_LENGTH if max_length is None else max_length,
                         every8d_conn_id=every8d_conn_id, context=context)
        self.fixed_length = max_length is not None

    def _text(self, context: Context) -> str:
        from airflow_provider_every8d.protocol.errors import Every8dValidationError
        from airflow_provider_every8d.protocol.hitl import Question, notice_text

        task: Any = context.get("task")
        options = getattr(task, "options", None)
        if not options:
            raise Every8dValidationError("Every8dHITLNotifier", "not attached to a HITL operator (its task has "
                                         "no options); use Every8dNotifier for other callbacks")
        try:
            link: str | None = task.generate_link_to_ui(task_instance=context["task_instance"])
        except (ValueError, AttributeError, KeyError):
            link = None
        question = Question(str(task.subject), list(options), task.body, link, bool(task.multiple))
        return notice_text(question, self.max_length if self.fixed_length else None)

    def _request(self, context: Context) -> ApiRequest:
        from airflow_provider_every8d.protocol.build import sms_request

        self._validate(rendered=True)
        return sms_request(self._text(context), self.recipients, self.subject or "", deduplicate=True)


__all__ = ["Every8dHITLNotifier", "Every8dNotifier", "send_every8d_notification"]
