"""EVERY8D operators: send SMS (1.1, 1.3, 1.4), MMS (1.2), parameterised SMS (1.5); erase a booking (3.2, 3.3).

Every send operator validates all its input and builds every request before the first one is sent, splits
the recipients into chunks of ``chunk_size`` (one request and one batch each), and returns
``{"batch_ids", "sent", "cost", "unsent", "credit", "filtered"}``. Read docs/sending-once.md for what a
retry does on each Airflow version.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import BaseOperator

from airflow_provider_every8d.constants import DEFAULT_CONN_ID
from airflow_provider_every8d.operators._base import Every8dSendOperatorBase

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from airflow_provider_every8d.operators.delivery_report import (
        Every8dDeliveryReportOperator as Every8dDeliveryReportOperator,
    )
    from airflow_provider_every8d.protocol.request import ApiRequest
    from airflow_provider_every8d.sending.plan import Recipient

__all__ = [
    "Every8dEraseBookingOperator",
    "Every8dSendMmsOperator",
    "Every8dSendParamSmsOperator",
    "Every8dSendSmsOperator",
]


class Every8dSendSmsOperator(Every8dSendOperatorBase):
    """Send one SMS text to many recipients.

    :param message: the text (1-2,000 characters; 70 characters cost 1 point per recipient).
    :param recipients: one number, a comma-separated string, or a list (e.g. an upstream task's XCom).
    :param subject: a label shown in the EVERY8D portal, not sent to the phone.
    :param send_time: book the send: an aware datetime, an ISO time with offset, or ``yyyyMMddHHmmss``
        (Taiwan time). A naive datetime is refused.
    :param retry_time: minutes the platform keeps trying an unreachable phone (default 1,440).
    :param deduplicate: use the 24-hour duplicate filter (1.3): the platform drops a number that got the
        same text in the last 24 hours; dropped numbers are listed in ``filtered``.
    :param msg_id: your own id for the message (1.4): 1-20 digits, exactly one recipient.
    :param event_id: an interactive-reply activity (API 2.2; ``-1``: the account's default): the platform
        appends a 17-character reply link to the text, priced in the estimate.
    """

    template_fields: Sequence[str] = ("message", "recipients", "subject", "send_time", "retry_time", "msg_id",
                                      "event_id", "every8d_conn_id")

    def __init__(self, *, message: str, recipients: str | Sequence[str], subject: str = "",
                 send_time: Any = None, retry_time: Any = None, deduplicate: bool = False,
                 msg_id: str | int | None = None, event_id: str | int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.event_id = event_id
        self.message = message
        self.recipients = recipients
        self.subject = subject
        self.send_time = send_time
        self.retry_time = retry_time
        self.deduplicate = deduplicate
        self.msg_id = msg_id

    @property
    def deduplicate_sends(self) -> bool:
        return bool(self.deduplicate)

    @property
    def can_recheck(self) -> bool:
        return self.msg_id is None or self.msg_id == ""

    def validated_recipients(self) -> Sequence[Recipient]:
        from airflow_provider_every8d.sending import phone_recipients

        return phone_recipients(self.recipients)

    def filter_question(self) -> Any:
        from airflow_provider_every8d.protocol import api22

        return api22.duplicates_request if self._api_version == "2.2" and self.can_recheck else None

    def build_chunk(self, items: list[Any], recheck: bool) -> ApiRequest:
        from airflow_provider_every8d.protocol import api22, build

        request = build.sms_request(self.message, items, self.subject, self.send_time, retry_time=self.retry_time,
                                    deduplicate=self.deduplicate or recheck, msg_id=self.msg_id)
        return api22.event_request(request, self.event_id, self._api_version)


def read_attachment(attachment: Any, attachment_type: str | None) -> tuple[bytes, str | None]:
    """Image bytes and type from bytes, a local path (str or Path) or an ``ObjectStoragePath``.

    The type comes from the file name when not given; bytes need ``attachment_type``.
    """
    from airflow_provider_every8d.protocol.errors import Every8dValidationError
    from airflow_provider_every8d.protocol.mms import attachment_type_from_name

    if isinstance(attachment, (bytes, bytearray, memoryview)):
        if not attachment_type:
            raise Every8dValidationError("attachment_type", "required when attachment is bytes (jpg, jpeg or png)")
        return bytes(attachment), attachment_type
    if isinstance(attachment, str):
        attachment = Path(attachment)
    read_bytes = getattr(attachment, "read_bytes", None)
    name = getattr(attachment, "name", None)
    if read_bytes is None or not isinstance(name, str):
        raise Every8dValidationError("attachment", f"expected bytes, a path or an ObjectStoragePath, got "
                                     f"{type(attachment).__name__}")
    try:
        data = read_bytes()
    except OSError as error:
        raise Every8dValidationError("attachment", f"cannot read {attachment}: {error.strerror or error}") \
            from None
    return data, attachment_type or attachment_type_from_name(name)


class Every8dSendMmsOperator(Every8dSendOperatorBase):
    """Send an MMS (a jpg/jpeg/png image with a subject and text) to Taiwan numbers.

    :param message: the text (at most 4,000 characters; may be empty).
    :param recipients: one number, a comma-separated string, or a list.
    :param subject: required; at most 15 characters with any Chinese character, 95 in plain ASCII.
    :param attachment: the image: bytes, a local path, or an ``ObjectStoragePath``; image plus text at most
        300 KB (3 points per recipient up to 50 KB, 5 above).
    :param attachment_type: ``jpg``, ``jpeg`` or ``png``; taken from the file name when not given.
    :param send_time: book the send (as for SMS). :param retry_time: as for SMS.
    """

    template_fields: Sequence[str] = ("message", "recipients", "subject", "attachment", "attachment_type",
                                      "send_time", "retry_time", "every8d_conn_id")
    mms = True

    def __init__(self, *, message: str, recipients: str | Sequence[str], subject: str, attachment: Any,
                 attachment_type: str | None = None, send_time: Any = None, retry_time: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.message = message
        self.recipients = recipients
        self.subject = subject
        self.attachment = attachment
        self.attachment_type = attachment_type
        self.send_time = send_time
        self.retry_time = retry_time
        self._image: tuple[bytes, str | None] = (b"", None)

    def validated_recipients(self) -> Sequence[Recipient]:
        from airflow_provider_every8d.sending import phone_recipients

        self._image = read_attachment(self.attachment, self.attachment_type)
        return phone_recipients(self.recipients)

    def build_chunk(self, items: list[Any], recheck: bool) -> ApiRequest:
        from airflow_provider_every8d.protocol import mms

        image, kind = self._image
        return mms.mms_request(self.message, items, self.subject, image, attachment_type=kind,
                               send_time=self.send_time, retry_time=self.retry_time)


class Every8dSendParamSmsOperator(Every8dSendOperatorBase):
    """Send parameterised or personalised SMS (1.5): one text per recipient.

    :param recipients: a list of dicts (e.g. an upstream task's XCom), each with ``mobile`` and optionally
        ``name``, ``email``, ``send_time``, ``mr``, and ``params`` (at most 5 strings, no ``|``; with
        ``message``) or ``content`` (the whole text; without ``message``).
    :param message: a template with ``%field1%`` .. ``%field5%``; leave out for personalised ``content``.
    :param subject: a label shown in the EVERY8D portal. :param retry_time: as for SMS.
    :param event_id: an interactive-reply activity (API 2.2), as for SMS.
    """

    template_fields: Sequence[str] = ("recipients", "message", "subject", "retry_time", "event_id",
                                      "every8d_conn_id")

    def __init__(self, *, recipients: Sequence[dict[str, Any]], message: str | None = None, subject: str = "",
                 retry_time: Any = None, event_id: str | int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.event_id = event_id
        self.recipients = recipients
        self.message = message
        self.subject = subject
        self.retry_time = retry_time

    def validated_recipients(self) -> Sequence[Recipient]:
        """Validated as a whole (duplicates across chunks included); a recipient's ledger key is its number,
        send time and params or content, since one number may get several different messages."""
        from airflow_provider_every8d.protocol import param_sms
        from airflow_provider_every8d.sending import Recipient

        return [Recipient(recipient.key, recipient.entry["Mobile"], recipient)
                for recipient in param_sms.validate_recipients(self.recipients, self.message)]

    def build_chunk(self, items: list[Any], recheck: bool) -> ApiRequest:
        from airflow_provider_every8d.protocol import api22, param_sms

        request = param_sms.request_for(items, self.message, self.subject, self.retry_time)
        return api22.event_request(request, self.event_id, self._api_version)


class Every8dEraseBookingOperator(BaseOperator):
    """Cancel booked messages (3.2; 3.3 with ``mms=True``) and report ``{"deleted", "refunded"}``.

    :param batch_id: a batch id, a list of them (or comma-separated), or a send operator's XCom dict; every
        batch is erased and the counts are added. A batch with nothing booked counts 0.
    :param mms: the batches are MMS. :param every8d_conn_id: the EVERY8D connection.
    """

    template_fields: Sequence[str] = ("batch_id", "every8d_conn_id")
    ui_color = "#f6c1a1"

    def __init__(self, *, batch_id: Any, mms: bool = False, every8d_conn_id: str = DEFAULT_CONN_ID,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.batch_id = batch_id
        self.mms = mms
        self.every8d_conn_id = every8d_conn_id

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_every8d.hooks.every8d import Every8dHook
        from airflow_provider_every8d.protocol.batch_ids import batch_id_list

        batch_ids = batch_id_list(self.batch_id)
        hook = Every8dHook(every8d_conn_id=self.every8d_conn_id)
        deleted, refunded = 0, 0.0
        try:
            for batch_id in batch_ids:
                result = hook.erase_booking(batch_id, mms=self.mms)
                self.log.info("EVERY8D erased batch %s: %d booked messages deleted, %g points refunded",
                              batch_id, result.deleted, result.refunded)
                deleted += result.deleted
                refunded += result.refunded
        finally:
            hook.close()
        return {"deleted": deleted, "refunded": float(refunded)}


def __getattr__(name: str) -> Any:
    """``Every8dDeliveryReportOperator`` (operators/delivery_report.py), importable from here too, loaded when
    first asked for: a DAG file or a task that sends does not create the report operator and its writers."""
    if name == "Every8dDeliveryReportOperator":
        from airflow_provider_every8d.operators.delivery_report import Every8dDeliveryReportOperator

        return Every8dDeliveryReportOperator
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
