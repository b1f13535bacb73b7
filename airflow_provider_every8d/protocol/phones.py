"""Phone numbers: validation, the form sent on the wire, and masking for logs.

Taiwan mobiles are accepted as ``0900000678``, ``+886900000678`` or ``886900000678`` (separators such as
spaces, dashes, dots and brackets are stripped) and sent as ``0900000678``; the status report gives them
back as ``+886900000678``, so :func:`canonical` maps both to one key. Any other ``+`` number is
international (E.164: 8 to 15 digits), sent as ``+<digits>`` and priced three times.
"""

# No ``from __future__ import annotations`` here: a NamedTuple compiles each annotation given as a string
# (about 20 µs a field at import); these are evaluated once, as objects.
import re
import sys
from collections.abc import Sequence
from typing import NamedTuple

from airflow_provider_every8d.protocol.errors import Every8dValidationError
from airflow_provider_every8d.protocol.privacy import mask

_Rules = tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]
_RULES: _Rules | None = None
"""Separators, Taiwan local, Taiwan international, international: compiled by :func:`_rules` on the first
number that is not in wire form (a send of ``09xxxxxxxx`` numbers never needs them)."""
_LOCAL_LIST = re.compile(r"09[0-9]{8}(?:,09[0-9]{8})*" + ("+" if sys.version_info >= (3, 11) else ""))
"""Numbers already in wire form (``09`` and eight ASCII digits), comma-joined: the bulk send's fast path.
Possessive from Python 3.11: the same matches (each number starts at a comma, so giving one back can never
help) without a backtracking point kept per number, in half the time."""


def _rules() -> _Rules:
    global _RULES
    if _RULES is None:
        _RULES = (re.compile(r"[\s\-().]"), re.compile(r"09\d{8}"), re.compile(r"(?:\+|00)?8869\d{8}"),
                  re.compile(r"(?:\+|00)([1-9]\d{7,14})"))
    return _RULES


class Phone(NamedTuple):
    """A validated recipient number. ``wire`` is what is sent; ``international`` drives pricing.
    A NamedTuple rather than a frozen dataclass: one is made per recipient of a bulk send."""

    wire: str
    international: bool

    def __str__(self) -> str:
        return self.wire


class CheckedLocalNumbers(list[str]):
    """Taiwan mobiles already in wire form (``09`` and eight ASCII digits), each once, checked as a whole
    (:func:`~.build.wire_recipients`): a send's numbers are checked once, before its first request, and the
    chunks cut from them (:func:`~.build.chunked` keeps the type) are not checked again when each chunk's
    request is built. Only the builders make one."""

    __slots__ = ()


def parse_phone(value: object, field: str = "recipient") -> Phone:
    """Validate one number; raise :class:`Every8dValidationError` naming ``field`` when it is not one.
    A :class:`Phone` is already valid and is returned as it is."""
    if isinstance(value, Phone):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        raise Every8dValidationError(field, f"{value!r} is an int; give phone numbers as strings "
                                     "(an int loses the leading 0)")
    if not isinstance(value, str):
        raise Every8dValidationError(field, f"expected a phone number string, got {type(value).__name__}")
    separators, taiwan_local, taiwan_intl, other_intl = _RULES or _rules()
    text = separators.sub("", value)
    if not text:
        raise Every8dValidationError(field, "empty phone number")
    if taiwan_local.fullmatch(text):
        return Phone(text, international=False)
    if taiwan_intl.fullmatch(text):
        return Phone("0" + text[-9:], international=False)
    match = other_intl.fullmatch(text)
    if match and not match.group(1).startswith("886"):
        return Phone("+" + match.group(1), international=True)
    raise Every8dValidationError(field, f"{mask(value)!r}: not a phone number (Taiwan mobile 09xxxxxxxx or "
                                 "+8869xxxxxxxx, or international +<country code><number>)")


def joined_local_numbers(items: Sequence[object]) -> str | None:
    """The items joined by commas when every one is a ``str`` already in wire form (``09`` and eight ASCII
    digits, nothing else), else None. One join and one regex match for a whole chunk instead of a
    validation per number; anything else (separators, ``+886``, international, non-strings) returns None
    and goes through :func:`parse_phone` number by number, which accepts a superset of what passes here."""
    try:
        joined = ",".join(items)  # type: ignore[arg-type]  # TypeError when an item is no str: the slow path
    except TypeError:
        return None
    if joined.count(",") != len(items) - 1 or not _LOCAL_LIST.fullmatch(joined):
        return None  # an item holding a comma is one bad item, not two numbers
    return joined


def canonical(number: str) -> str:
    """One key per number whatever its form (``+886900000678`` and ``0900000678`` give the same)."""
    separators, _, taiwan_intl, _ = _RULES or _rules()
    text = separators.sub("", number)
    if taiwan_intl.fullmatch(text):
        return "0" + text[-9:]
    if text.startswith("00"):
        return "+" + text[2:]
    return text
