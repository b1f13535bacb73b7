"""MMS (1.2): subject, text and image limits, and the request."""

from __future__ import annotations

import base64

from airflow_provider_every8d.protocol import parse
from airflow_provider_every8d.protocol.build import parse_recipients, validate_subject
from airflow_provider_every8d.protocol.endpoints import Endpoint
from airflow_provider_every8d.protocol.errors import Every8dValidationError
from airflow_provider_every8d.protocol.pricing import estimate_mms_cost
from airflow_provider_every8d.protocol.request import ApiRequest
from airflow_provider_every8d.protocol.times import format_send_time, validate_retry_time

MAX_MMS_TEXT = 4000
MAX_SUBJECT_WIDE = 15
MAX_SUBJECT_ASCII = 95
IMAGE_TYPES = ("jpg", "jpeg", "png")
_MAGIC = {"jpg": b"\xff\xd8\xff", "jpeg": b"\xff\xd8\xff", "png": b"\x89PNG\r\n\x1a\n"}


def attachment_type_from_name(name: str) -> str | None:
    """``photo.JPG`` -> ``jpg``; None when the name has no extension."""
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem else None


def validate_mms_subject(subject: object) -> str:
    """At most 15 characters when any is non-ASCII (Chinese), at most 95 when all are ASCII."""
    text = validate_subject(subject)
    if not text.strip():
        raise Every8dValidationError("subject", "an MMS needs a subject")
    limit = MAX_SUBJECT_ASCII if text.isascii() else MAX_SUBJECT_WIDE
    if len(text) > limit:
        kind = "ASCII" if text.isascii() else "containing Chinese or other non-ASCII characters"
        raise Every8dValidationError("subject", f"{len(text)} characters is over the limit of {limit} for a "
                                     f"subject {kind}")
    return text


def validate_image(attachment: object, attachment_type: object) -> tuple[bytes, str]:
    """The image bytes and their type (jpg/jpeg/png), checked against the file's own signature."""
    if not isinstance(attachment, (bytes, bytearray, memoryview)):
        raise Every8dValidationError("attachment", f"expected bytes, got {type(attachment).__name__}")
    data = bytes(attachment)
    if not data:
        raise Every8dValidationError("attachment", "empty image")
    kind = str(attachment_type or "").lower().lstrip(".")
    if kind not in IMAGE_TYPES:
        raise Every8dValidationError("attachment_type", f"{attachment_type!r} is not supported; MMS takes "
                                     "jpg, jpeg or png")
    if not data.startswith(_MAGIC[kind]):
        raise Every8dValidationError("attachment", f"the bytes are not a {kind} image")
    return data, kind


def mms_request(message: object, recipients: object, subject: object, attachment: object, *,
                attachment_type: object, send_time: object = None, retry_time: object = None) -> ApiRequest:
    """1.2. Taiwan numbers only; image plus text at most 300 KB; priced 3 points up to 50 KB, else 5."""
    text = "" if message is None else message
    if not isinstance(text, str):
        raise Every8dValidationError("message", f"expected text, got {type(text).__name__}")
    if len(text) > MAX_MMS_TEXT:
        raise Every8dValidationError("message", f"{len(text)} characters is over the MMS limit of "
                                     f"{MAX_MMS_TEXT}")
    title = validate_mms_subject(subject)
    image, kind = validate_image(attachment, attachment_type)
    phones = parse_recipients(recipients)
    for index, phone in enumerate(phones):
        if phone.international:
            raise Every8dValidationError(f"recipients[{index}]", "MMS cannot be sent to international numbers")
    cost = estimate_mms_cost(len(image) + len(text.encode("utf-8")), len(phones))
    retry = validate_retry_time(retry_time)  # omitted when not given: the platform's default is 1,440
    fields = (("SB", title), ("MSG", text), ("DEST", ",".join(p.wire for p in phones)),
              ("ST", format_send_time(send_time)), *((("RETRYTIME", retry),) if retry else ()),
              ("ATTACHMENT", base64.b64encode(image).decode("ascii")), ("TYPE", kind))
    return ApiRequest(Endpoint.SEND_MMS, fields,
                      parser=lambda body: parse.parse_send(body, Endpoint.SEND_MMS),
                      recipients=tuple(p.wire for p in phones), estimated_cost=cost)
