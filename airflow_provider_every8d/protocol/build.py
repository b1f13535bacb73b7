"""Request builders: typed, validated inputs -> :class:`ApiRequest`. Everything is checked here, before
any byte is sent, and every error names the argument and the problem."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any, TypeVar

from airflow_provider_every8d.protocol import parse
from airflow_provider_every8d.protocol.endpoints import Endpoint
from airflow_provider_every8d.protocol.errors import Every8dValidationError
from airflow_provider_every8d.protocol.models import BATCH_ID_RE
from airflow_provider_every8d.protocol.phones import CheckedLocalNumbers, Phone, joined_local_numbers, parse_phone
from airflow_provider_every8d.protocol.pricing import sms_cost
from airflow_provider_every8d.protocol.request import ApiRequest
from airflow_provider_every8d.protocol.times import format_send_time, validate_retry_time

_T = TypeVar("_T")
MAX_SMS_LENGTH = 2000
"""The platform splits long SMS without a stated limit; we stop at 2,000 characters (seven parts) so a
runaway template cannot send a book to every recipient."""
MSG_ID_DIGITS = 20


def parse_recipients(value: object, field: str = "recipients") -> list[Phone]:
    """One number, a comma-separated string, or a sequence of numbers -> unique validated numbers.

    A number given twice is sent once: the same SMS twice to one person is never what a DAG author wants.
    """
    if isinstance(value, str):
        items: list[object] = [part for part in value.split(",") if part.strip()]
    elif isinstance(value, (list, tuple)) or (isinstance(value, Iterable) and not isinstance(value, (bytes, dict))):
        items = list(value)
    else:
        raise Every8dValidationError(field, f"expected a number, a comma-separated string or a list, got "
                                     f"{type(value).__name__}")
    if not items:
        raise Every8dValidationError(field, "no recipients")
    try:
        phones = [parse_phone(item) for item in items]
    except Every8dValidationError:  # name the item: found again, the label is built only on failure
        for index, item in enumerate(items):
            parse_phone(item, f"{field}[{index}]")
        raise
    return list(dict.fromkeys(phones))


def wire_recipients(value: object, field: str = "recipients") -> tuple[list[str], int]:
    """:func:`parse_recipients` as wire numbers (each once, in order) and how many are international: what a
    send needs. A list of numbers already in wire form (``09xxxxxxxx``) is checked by one join and one match
    (:func:`~.phones.joined_local_numbers`), without an object per number, and comes back as
    :class:`~.phones.CheckedLocalNumbers`, which is not checked again; anything else number by number."""
    if type(value) is CheckedLocalNumbers:
        return value, 0
    if isinstance(value, (list, tuple)) and value and joined_local_numbers(value) is not None:
        unique = len(set(value)) == len(value)  # a set is half the cost of dict.fromkeys, and the usual case
        return CheckedLocalNumbers(value if unique else dict.fromkeys(value)), 0
    phones = parse_recipients(value, field)
    return [phone.wire for phone in phones], sum(1 for phone in phones if phone.international)


def validate_message(message: object, field: str = "message", limit: int = MAX_SMS_LENGTH) -> str:
    if not isinstance(message, str):
        raise Every8dValidationError(field, f"expected text, got {type(message).__name__}")
    if not message.strip():
        raise Every8dValidationError(field, "empty message")
    if len(message) > limit:
        raise Every8dValidationError(field, f"{len(message)} characters is over the limit of {limit}")
    return message


def validate_subject(subject: object, field: str = "subject") -> str:
    if subject is None:
        return ""
    if not isinstance(subject, str):
        raise Every8dValidationError(field, f"expected text, got {type(subject).__name__}")
    return subject


def validate_batch_id(batch_id: object, field: str = "batch_id") -> str:
    if not isinstance(batch_id, str) or not BATCH_ID_RE.fullmatch(batch_id.strip()):
        raise Every8dValidationError(field, f"{batch_id!r} is not a batch id (as returned by a send)")
    return batch_id.strip()


def normalize_msg_id(msg_id: object, field: str = "msg_id") -> str:
    """MSGID (1.4): 1-20 digits, sent zero-padded to 20."""
    text = str(msg_id).strip() if isinstance(msg_id, (str, int)) and not isinstance(msg_id, bool) else None
    if text is None or not text.isdigit() or not text.isascii():
        raise Every8dValidationError(field, f"{msg_id!r} must be 1 to 20 digits")
    if len(text) > MSG_ID_DIGITS:
        raise Every8dValidationError(field, f"{len(text)} digits is more than {MSG_ID_DIGITS}")
    return text.zfill(MSG_ID_DIGITS)


def _sms_fields(message: str, numbers: Sequence[str], subject: str, *, send_time: object,
                retry_time: object) -> tuple[tuple[str, str], ...]:
    retry = validate_retry_time(retry_time)  # omitted when not given: the platform's default is 1,440
    return (("SB", subject), ("MSG", message), ("DEST", ",".join(numbers)),
            ("ST", format_send_time(send_time)), *((("RETRYTIME", retry),) if retry else ()))


def sms_request(message: object, recipients: object, subject: object = "", send_time: object = None, *,
                retry_time: object = None, deduplicate: bool = False, msg_id: object = None) -> ApiRequest:
    """1.1 (default), 1.3 (``deduplicate=True``) or 1.4 (``msg_id`` given; exactly one recipient)."""
    text = validate_message(message)
    numbers, international = wire_recipients(recipients)
    fields = _sms_fields(text, numbers, validate_subject(subject), send_time=send_time, retry_time=retry_time)
    if msg_id is not None and msg_id != "":
        if deduplicate:
            raise Every8dValidationError("msg_id", "cannot be combined with deduplicate=True (the platform "
                                         "has no endpoint for both)")
        if len(numbers) != 1:
            raise Every8dValidationError("recipients", f"a send with msg_id takes exactly one recipient, "
                                         f"got {len(numbers)}")
        fields += (("MSGID", normalize_msg_id(msg_id)),)
        endpoint = Endpoint.SEND_SMS_WITH_MSG_ID
    else:
        endpoint = Endpoint.SEND_SMS_FILTERED if deduplicate else Endpoint.SEND_SMS
    return ApiRequest(endpoint, fields, parser=partial(parse.parse_send, endpoint=endpoint),
                      recipients=tuple(numbers), estimated_cost=sms_cost(text, len(numbers), international))


def delivery_status_request(batch_id: object, page: int = 1, *, mms: bool = False,
                            counts_only: bool = False) -> ApiRequest:
    """2.2 (or 2.3 with ``mms=True``): one page (1-based) of 1,000 rows; ``counts_only`` parses it into
    counts per status code (see :class:`StatusPage`)."""
    endpoint = Endpoint.MMS_DELIVERY_STATUS if mms else Endpoint.DELIVERY_STATUS
    fields: tuple[tuple[str, str], ...] = (("BID", validate_batch_id(batch_id)), ("PNO", _page(page)))
    if not mms:
        fields += (("RESPFORMAT", "0"),)
    return ApiRequest(endpoint, fields, parser=partial(parse.parse_status_page, endpoint=endpoint, page=page,
                                                             counts_only=counts_only))


def replies_request(batch_id: object, page: int = 1) -> ApiRequest:
    """2.4: one page (1-based) of 10 replies."""
    fields = (("BID", validate_batch_id(batch_id)), ("PNO", _page(page)))
    return ApiRequest(Endpoint.REPLIES, fields, parser=partial(parse.parse_reply_page, page=page))


def credit_request() -> ApiRequest:
    """3.1: the balance in points."""
    return ApiRequest(Endpoint.CREDIT, parser=parse.parse_credit)


def erase_booking_request(batch_id: object, *, mms: bool = False) -> ApiRequest:
    """3.2 (or 3.3 with ``mms=True``): cancel what is still booked under ``batch_id``."""
    endpoint = Endpoint.ERASE_MMS_BOOKING if mms else Endpoint.ERASE_BOOKING
    return ApiRequest(endpoint, (("BID", validate_batch_id(batch_id)),),
                      parser=partial(parse.parse_erase, endpoint=endpoint))


def _page(page: object) -> str:
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise Every8dValidationError("page", f"{page!r} must be a whole number from 1")
    return str(page)


def chunked(items: Sequence[_T], size: int) -> list[list[_T]]:
    """Split recipients into requests of at most ``size`` (the vendor advises 500-2,000); the chunks of
    :class:`~.phones.CheckedLocalNumbers` are too."""
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise Every8dValidationError("chunk_size", f"{size!r} must be a positive whole number")
    kind: type[list[Any]] = CheckedLocalNumbers if type(items) is CheckedLocalNumbers else list
    return [kind(items[start:start + size]) for start in range(0, len(items), size)]
