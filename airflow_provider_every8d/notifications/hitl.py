"""Every8dHITLNotifier: text a standard HITL operator's request, for its ``notifiers=``.

``HITLOperator(..., notifiers=[Every8dHITLNotifier(recipients="0900000021")])`` texts::

    Deploy v2.3 to prod? Approve / Reject. Answer in Airflow: https://airflow.example/dags/.../required_actions

Answers then go through the Airflow UI (or the REST API): replies to this SMS are not read. To take the
answer by SMS reply as well, use :class:`~airflow_provider_every8d.operators.hitl.Every8dHITLOperator`.
The link is there when Airflow knows its base URL (``[api] base_url``). The text is fitted into
``max_length`` (the body is cut first, the options and the link never), and sent through the platform's
24-hour duplicate filter (1.3), so a retried HITL task does not text the same request twice.

Importable everywhere (it is re-exported by :mod:`airflow_provider_every8d.notifications.every8d`); it
only works as a notifier of a HITL operator (Airflow 3.1+).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_every8d.constants import DEFAULT_CONN_ID
from airflow_provider_every8d.notifications.every8d import Every8dNotifier

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from airflow_provider_every8d.protocol.request import ApiRequest

HITL_MAX_LENGTH = 201
"""Characters of the request's SMS by default (up to 3 points per recipient): room for the UI link."""


class Every8dHITLNotifier(Every8dNotifier):
    """Text the subject, the options and the UI link of the HITL request this notifier is attached to.

    :param recipients: one number, a comma-separated string, or a list (templated).
    :param sms_subject: EVERY8D's subject label of the send; recipients do not see it (templated).
    :param max_length: the longest text sent, in characters (default 201).
    :param every8d_conn_id: the ``every8d`` connection (templated).

    Sending is not retried by the notifier; a failure is raised (the HITL task fails before it waits).
    """

    template_fields: Sequence[str] = ("recipients", "subject", "every8d_conn_id")

    def __init__(self, *, recipients: str | Sequence[str], sms_subject: str = "", max_length: int = HITL_MAX_LENGTH,
                 every8d_conn_id: str = DEFAULT_CONN_ID, context: Context | None = None) -> None:
        super().__init__(recipients=recipients, subject=sms_subject, max_length=max_length,
                         every8d_conn_id=every8d_conn_id, context=context)

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
        return notice_text(question, self.max_length)

    def _request(self, context: Context) -> ApiRequest:
        from airflow_provider_every8d.protocol.build import sms_request

        self._validate(rendered=True)
        return sms_request(self._text(context), self.recipients, self.subject or "", deduplicate=True)


__all__ = ["Every8dHITLNotifier"]
