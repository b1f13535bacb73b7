"""What may be shown of a number, a body or a secret: masking for logs and error texts.

Its own module because everything quotes text: errors, both transports, operators, the notifier and the
push receiver. It imports nothing of the package, so nothing can form an import circle through it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_NUMBER_IN_TEXT = re.compile(r"(?<![0-9A-Za-z\-])\+?\d{8,15}(?![0-9A-Za-z\-])")
"""A phone-like run in free text: ``+`` and 8 to 15 digits, not part of a longer token (a UUID's digits)."""
EXCERPT_LENGTH = 120
_SCAN_LENGTH = 1000
"""Characters of a body scanned for numbers before cutting, so a number at the cut is masked whole."""
SHOWN_RECIPIENTS = 3
"""Numbers a log line names before it says ``and N more``."""


def mask(number: str) -> str:
    """Mask a number for logs: ``0912345678`` -> ``0912***678``. Short strings are masked whole."""
    text = str(number)
    if len(text) < 7:
        return "***"
    return f"{text[:4]}***{text[-3:]}"


def mask_numbers(text: str) -> str:
    """``text`` with every phone-like run masked by :func:`mask` (``手機格式不符:0912345678`` ->
    ``手機格式不符:0912***678``); for text quoted in errors and logs, which must not carry numbers."""
    return _NUMBER_IN_TEXT.sub(lambda match: mask(match.group()), text)


def masked_list(numbers: Sequence[str], shown: int = SHOWN_RECIPIENTS) -> str:
    """``0900***001, 0900***002, 0900***003 and 4997 more`` for logs."""
    named = ", ".join(mask(number) for number in numbers[:shown])
    rest = len(numbers) - shown
    return f"{named} and {rest} more" if rest > 0 else named


def excerpt(body: bytes | str, secret: str | None = None) -> str:
    """A short, printable excerpt of an answer for error messages: the password replaced by ``***``,
    phone numbers masked, control characters shown as ``\\x0a``."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if secret:
        text = text.replace(secret, "***")
    text = text[:_SCAN_LENGTH]
    text = mask_numbers(text)[:EXCERPT_LENGTH]
    return "".join(ch if ch.isprintable() or ch == "\t" else f"\\x{ord(ch):02x}" for ch in text)
