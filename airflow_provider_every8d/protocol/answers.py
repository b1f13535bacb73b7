"""What every answer shares: decoding, the refusal rule, numbers and counts (used by :mod:`.parse` and
:mod:`.pages`).

A refusal is any answer whose first field is a negative number: ``-2``, ``-306,手機格式不符:0912``,
``-99, text`` (a space after the comma), ``-99 text`` (a space, no comma), ``-99.00`` and the send
shape ``-99.00,0,0,0,`` (a negative CREDIT: "the send failed"). A refusal may come in Big5 (cp950),
a .NET server's default on zh-TW: it is still a refusal, never "unparsable".
"""

from __future__ import annotations

import math
import re

from airflow_provider_every8d.protocol.endpoints import Endpoint
from airflow_provider_every8d.protocol.errors import Every8dApiError, Every8dResponseError
from airflow_provider_every8d.protocol.privacy import excerpt

_REFUSAL_RE = re.compile(r"-(\d{1,9})(\.\d*)?(?:[,\s]\s*(.*))?", re.DOTALL)
_SEND_TAIL = r"[\d.]*,[\d.]*,[\d.]*,?[0-9A-Za-z_\-]*,?"
"""What follows a negative CREDIT in the send shape (``-99.00,0,0,0,`` or ``...,0,<batch id>``): no text. A
pattern string, compiled by ``re`` on first use (a refusal of that shape)."""
_NUMBER_RE = re.compile(r"-?\d+(?:\.\d+)?")
_INT_RE = re.compile(r"\d+")
_BOM = b"\xef\xbb\xbf"
STRIPPED = " \t\r\n"
"""What is stripped around an answer: ASCII white space only (a reply text may end in any character)."""


def refusal(text: str) -> tuple[int, str] | None:
    """``(code, text)`` when ``text`` is a refusal (its first field a negative number), else None."""
    match = _REFUSAL_RE.fullmatch(text)
    if match is None or int(match.group(1)) == 0:
        return None
    rest = (match.group(3) or "").strip()
    if match.group(2) is not None and re.fullmatch(_SEND_TAIL, rest):
        rest = ""  # ``-99.00,0,0,0,<id>``: the other fields of the send answer are not a message
    return -int(match.group(1)), rest


def raise_for_error(text: str, endpoint: Endpoint) -> None:
    """Raise :class:`Every8dApiError` when ``text`` is a refusal."""
    found = refusal(text)
    if found is not None:
        raise Every8dApiError(found[0], found[1], endpoint.path)


def decode(body: bytes, endpoint: Endpoint) -> str:
    """The text of an answer: UTF-8 (BOM removed), ASCII white space around it stripped.

    A body that is not UTF-8 is read as Big5 (cp950) to find a refusal in it; anything else that is
    not UTF-8 is a response error. An HTML page is a response error."""
    try:  # "utf-8-sig" as its codec does it, without the codec's lookup (an import, 0.3 ms, on first use)
        text = (body[3:] if body[:3] == _BOM else body).decode("utf-8")
    except UnicodeDecodeError:
        raise_for_error(body.decode("cp950", "replace").strip(STRIPPED), endpoint)
        raise Every8dResponseError("not UTF-8", excerpt(body), endpoint.path) from None
    text = text.strip(STRIPPED)
    if text[:1] == "<":
        raise Every8dResponseError("an HTML page, not an API answer", excerpt(text), endpoint.path)
    return text


def number(value: str, what: str, text: str, endpoint: Endpoint) -> float:
    value = value.strip()
    if not _NUMBER_RE.fullmatch(value):
        raise Every8dResponseError(f"{what} {value[:20]!r} is not a number", excerpt(text), endpoint.path)
    result = float(value)
    if not math.isfinite(result):  # pragma: no cover - the regex admits only finite numbers
        raise Every8dResponseError(f"{what} is not finite", excerpt(text), endpoint.path)
    return result


def count(value: str, what: str, text: str, endpoint: Endpoint) -> int:
    value = value.strip()
    if not _INT_RE.fullmatch(value) or len(value) > 12:
        raise Every8dResponseError(f"{what} {value[:20]!r} is not a count", excerpt(text), endpoint.path)
    return int(value)
