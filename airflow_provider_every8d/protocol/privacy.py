"""What may be shown of a number, a body or a secret: masking for logs and error texts.

Its own module because everything quotes text: errors, both transports, operators, the notifier and the
push receiver. It imports nothing of the package, so nothing can form an import circle through it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TypeVar
from urllib.parse import quote, quote_plus

_NUMBER_IN_TEXT = r"(?<![0-9A-Za-z\-])\+?\d{8,15}(?![0-9A-Za-z\-])"
"""A phone-like run in free text: ``+`` and 8 to 15 digits, not part of a longer token (a UUID's digits).
This and :data:`_ESCAPE_HEX` are pattern strings, compiled by ``re`` on first use: they serve error texts
and a secret found in a body, which a send that goes well never has."""
EXCERPT_LENGTH = 120
_SCAN_LENGTH = 1000
"""Characters of a body scanned for numbers before cutting, so a number at the cut is masked whole."""
SHOWN_RECIPIENTS = 3
"""Numbers a log line names before it says ``and N more``."""
SCRUBBED = "***"
_Text = TypeVar("_Text", str, bytes)
_ESCAPE_HEX = r"%[0-9A-Fa-f]{2}|\\\\u[0-9A-Fa-f]{4}"
"""A percent escape (``%2F``) or a JSON one (``\\u00fc``, as :func:`re.escape` writes it) in a pattern."""
_RAW_ESCAPE_HEX = re.compile(r"%[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4}")
"""The same escapes in a form as it is (one backslash)."""


def mask(number: str) -> str:
    """Mask a number for logs: ``0900000678`` -> ``0900***678``. Short strings are masked whole."""
    text = str(number)
    if len(text) < 7:
        return "***"
    return f"{text[:4]}***{text[-3:]}"


def mask_numbers(text: str) -> str:
    """``text`` with every phone-like run masked by :func:`mask` (``手機格式不符:0900000678`` ->
    ``手機格式不符:0900***678``); for text quoted in errors and logs, which must not carry numbers."""
    return re.sub(_NUMBER_IN_TEXT, lambda match: mask(match.group()), text)


def masked_list(numbers: Sequence[str], shown: int = SHOWN_RECIPIENTS) -> str:
    """``0900***001, 0900***002, 0900***003 and 4997 more`` for logs."""
    named = ", ".join(mask(number) for number in numbers[:shown])
    rest = len(numbers) - shown
    return f"{named} and {rest} more" if rest > 0 else named


def scrub(text: _Text, secrets: Iterable[str | None]) -> _Text:
    """``text`` (a body, a URL, an error's text; ``str`` or UTF-8 ``bytes``) with every secret replaced by
    ``***`` in every form the wire gives it: raw, form-encoded (``quote_plus``, and ``quote`` with or
    without ``/`` kept; percent escapes in either case), and JSON-escaped (``\\uXXXX`` in either case,
    ``\\/``). Any length counts, unlike Airflow's masker (5 characters and up). Answers without a secret
    cost a few substring searches; only a hit builds the pattern (cached per secret)."""
    found = [secret for secret in secrets if secret and _present(text, secret)]
    if not found:
        return text
    if isinstance(text, bytes):
        return _pattern(tuple(found), True).sub(SCRUBBED.encode(), text)
    return _pattern(tuple(found), False).sub(SCRUBBED, text)


def _present(text: str | bytes, secret: str) -> bool:
    """A cheap superset of a match: a form as it is, or case folded where its escapes hold letters (they
    match in either case); the body is folded only for such a form (a status page: about 20 µs).

    First, each ASCII letter and digit of the secret that every form keeps as it is (no encoding escapes
    them; only what sits in an escape, its ``u`` and hex digits, matches in either case), so a text lacking
    one holds no form. One character is a ``memchr`` pass (a 64 KB status page, which holds no letter: about 1 µs,
    where the forms' substring searches take 25-200 µs)."""
    as_bytes = isinstance(text, bytes)
    for char in _kept(secret, as_bytes):
        if char not in text:  # type: ignore[operator]  # both str or both bytes
            return False
    folded: str | bytes | None = None
    for exact, fold in _needles(secret, as_bytes):
        if exact in text:  # type: ignore[operator]  # both str or both bytes
            return True
        if fold is not None:
            folded = text.lower() if folded is None else folded
            if fold in folded:  # type: ignore[operator]
                return True
    return False


@lru_cache(maxsize=64)
def _kept(secret: str, as_bytes: bool) -> tuple[str | bytes, ...]:
    """The distinct ASCII letters and digits that every form of ``secret`` holds outside an escape (one
    written into the secret, ``%2F`` or ``\\u00AB``, matches in either case), letters first (a status page
    is all digits)."""
    outside = [set(_RAW_ESCAPE_HEX.sub("", form)) for form in secret_forms(secret)]
    kept = sorted({char for char in set.intersection(*outside) if char.isascii() and char.isalnum()},
                  key=str.isdigit)
    return tuple(char.encode() if as_bytes else char for char in kept)


@lru_cache(maxsize=64)
def _needles(secret: str, as_bytes: bool) -> tuple[tuple[str | bytes, str | bytes | None], ...]:
    """Each form of ``secret``: (itself, itself folded or None when no escape in it holds a letter)."""
    def encoded(form: str) -> str | bytes:
        return form.encode("utf-8", "surrogatepass") if as_bytes else form

    def has_letters(form: str) -> bool:
        return any(not escape.lstrip("%\\u").isdigit() for escape in _RAW_ESCAPE_HEX.findall(form))

    return tuple((encoded(form), encoded(form.lower()) if has_letters(form) else None)
                 for form in secret_forms(secret))


@lru_cache(maxsize=64)
def secret_forms(secret: str) -> tuple[str, ...]:
    """The secret as it appears in raw, form-encoded and JSON text, longest first (what :func:`scrub`
    looks for; the hook registers each with Airflow's secret masker, which knows only the raw form)."""
    encoded = {quote_plus(secret, safe=""), quote(secret, safe=""), quote(secret), quote_plus(secret)}
    escaped = {json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    escaped |= {form.replace("/", "\\/") for form in escaped}
    return tuple(sorted({secret, *encoded, *escaped}, key=len, reverse=True))


@lru_cache(maxsize=64)
def _pattern(secrets: tuple[str, ...], as_bytes: bool) -> re.Pattern:  # type: ignore[type-arg]
    forms = sorted({form for secret in secrets for form in secret_forms(secret)}, key=len, reverse=True)
    text = "|".join(re.sub(_ESCAPE_HEX, lambda m: f"(?i:{m.group()})", re.escape(form)) for form in forms)
    return re.compile(text.encode("utf-8", "surrogatepass") if as_bytes else text)


def excerpt(body: bytes | str, secret: str | None = None) -> str:
    """A short, printable excerpt of an answer for error messages: the password replaced by ``***`` in
    every encoding (:func:`scrub`), phone numbers masked, control characters shown as ``\\x0a``."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    text = scrub(text, [secret])
    text = text[:_SCAN_LENGTH]
    text = mask_numbers(text)[:EXCERPT_LENGTH]
    return "".join(ch if ch.isprintable() or ch == "\t" else f"\\x{ord(ch):02x}" for ch in text)
