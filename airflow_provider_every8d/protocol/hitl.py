"""Human-in-the-loop by SMS: the question's text, and which reply answers it.

Pure: no Airflow, no I/O. The operator, its trigger and the notifier call it, so the text sent and the
replies accepted follow one set of rules.

The question::

    Deploy v2.3 to prod? 1 Approve, 2 Reject: reply with the number https://airflow.example/dags/...

It is fitted into ``limit`` characters: the options line and the link are never cut (a half link is
worse than none); the body goes first, then the subject is shortened with ``…``. When even the options
and the link do not fit, :class:`Every8dValidationError` names ``max_length`` before anything is sent.
Without a ``limit`` (the operators' default) it is :data:`DEFAULT_MAX_LENGTH`, grown to hold the options,
the link and :data:`AUTO_SUBJECT_ROOM` characters of the subject when a long link (a long base URL or run
id) needs it: the question goes out, costing a point more, rather than failing the task.

A reply answers when, after NFKC normalisation (full-width ``１`` is ``1``), trimming and ignoring case,
it is an option's 1-based number or its text; with ``multiple=True`` it may list several numbers separated
by commas or spaces (``1, 3``, ``1 3``, ``１、３``). Anything else is not an answer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from airflow_provider_every8d.protocol.errors import Every8dValidationError
from airflow_provider_every8d.protocol.phones import canonical
from airflow_provider_every8d.protocol.privacy import mask
from airflow_provider_every8d.protocol.reports import Reply

ELLIPSIS = "…"
DEFAULT_MAX_LENGTH = 201
"""Characters of the question by default: up to 3 points per recipient, room for a UI link."""
AUTO_SUBJECT_ROOM = 40
"""Characters kept for the subject when the default length grows to hold a long link."""
RESPONDER_ID_PREFIX = "every8d-sms:"
_SEPARATORS = re.compile(r"[\s,;、，]+")


@dataclass(frozen=True)
class Question:
    """What the SMS asks. ``link``: the request's page in the Airflow UI, or None when Airflow has no
    base URL."""

    subject: str
    options: Sequence[str]
    body: str | None = None
    link: str | None = None
    multiple: bool = False


def options_line(options: Sequence[str], multiple: bool = False) -> str:
    """``1 Approve, 2 Reject: reply with the number`` (``...the numbers, e.g. 1,3`` with ``multiple``)."""
    numbered = ", ".join(f"{number} {option}" for number, option in enumerate(options, start=1))
    if multiple:
        return f"{numbered}: reply with the numbers, e.g. 1,{min(len(options), 2)}"
    return f"{numbered}: reply with the number"


def _flat(text: str | None) -> str:
    """One line: SMS readers show newlines inconsistently, and Markdown breaks cost characters."""
    return " ".join((text or "").split())


def _cut(text: str, room: int) -> str:
    if len(text) <= room:
        return text
    return text[: room - 1].rstrip() + ELLIPSIS if room > 1 else ""


def question_text(question: Question, limit: int | None = None) -> str:
    """The SMS for ``question`` in at most ``limit`` characters (see the module's rules)."""
    fixed = options_line(question.options, question.multiple)
    if question.link:
        fixed = f"{fixed} {question.link}"
    return _fit(question, fixed, limit)


def notice_text(question: Question, limit: int | None = None) -> str:
    """The SMS that announces a request answered in the UI only (replies are not read)::

        Deploy v2.3? Approve / Reject. Answer in Airflow: https://airflow.example/...
    """
    fixed = " / ".join(question.options) + "."
    fixed = f"{fixed} Answer in Airflow: {question.link}" if question.link else f"{fixed} Answer in Airflow."
    return _fit(question, fixed, limit)


def _fit(question: Question, fixed: str, limit: int | None) -> str:
    """``subject body fixed`` in ``limit`` characters: ``fixed`` whole, the body cut first, then the subject;
    no limit: the default one, grown for a long ``fixed`` up to the longest SMS."""
    if limit is None:
        from airflow_provider_every8d.protocol.build import MAX_SMS_LENGTH

        limit = min(max(DEFAULT_MAX_LENGTH, len(fixed) + 1 + AUTO_SUBJECT_ROOM), MAX_SMS_LENGTH)
    if len(fixed) > limit:
        raise Every8dValidationError("max_length", f"{limit} characters cannot hold the options and the link "
                                     f"({len(fixed)} characters); raise max_length or shorten the options")
    room = limit - len(fixed) - 1  # the space before ``fixed``
    subject, body = _flat(question.subject), _flat(question.body)
    if room <= 0 or not subject:
        return fixed
    if len(subject) >= room:
        return f"{_cut(subject, room)} {fixed}"
    lead = subject
    body_room = room - len(subject) - 1
    if body and body_room >= 10:  # a body cut to a few characters says nothing
        lead = f"{subject} {_cut(body, body_room)}"
    return f"{lead} {fixed}"


def normalise(text: str) -> str:
    """A reply as it is compared: NFKC (full-width to ASCII), runs of spaces as one, trimmed, case folded."""
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def match_reply(text: str, options: Sequence[str], multiple: bool = False) -> list[str] | None:
    """The options ``text`` chooses (in the options' order), or None when it is not an answer."""
    wanted = normalise(text)
    if not wanted:
        return None
    by_text = {normalise(option): option for option in options}
    if wanted in by_text:
        return [by_text[wanted]]
    tokens = [token for token in _SEPARATORS.split(wanted) if token]
    if not multiple and len(tokens) != 1:
        return None
    chosen: set[str] = set()
    for token in tokens:
        if token.isdigit() and 1 <= int(token) <= len(options):
            chosen.add(options[int(token) - 1])
        elif multiple and token in by_text:
            chosen.add(by_text[token])
        else:
            return None
    return [option for option in options if option in chosen] or None


def params_values(params: Mapping[str, Any]) -> dict[str, Any]:
    """The values of an operator's serialized params: the ``params_input`` recorded with an SMS answer and
    with the timeout's defaults (nobody filled in a form)."""
    return {key: value["value"] if isinstance(value, dict) and "value" in value else value
            for key, value in params.items()}


CHECK_PATH = "every8d/hitl/{ti_id}/check"
"""The API server's "look for an SMS answer to this request now" endpoint (POST, below ``[api] base_url``;
see ``plugins/hitl_check.py``), called by the trigger when its poll found an answer."""
CHECK_WAIT = 10.0
"""Seconds the trigger waits for the check endpoint's answer before writing the answer itself."""
CHECK_BUDGET = 6.0
"""Seconds after which the check endpoint writes nothing (reading the replies took too long): well inside
:data:`CHECK_WAIT`, so the endpoint and a trigger that gave up on it never both write the record."""


class CheckOutcome(str, Enum):
    """What that endpoint answers, in the JSON body's ``outcome``."""

    RECORDED = "recorded"
    """The platform's reply list holds an answer: it is now the record's response, with who answered."""
    ANSWERED = "answered"
    """The record already had a response (first answer wins); nothing changed."""
    NOTHING = "nothing"
    """No reply in the platform's list answers the request (yet); nothing changed."""
    UNKNOWN = "unknown"
    """No task instance waits on an SMS-asked HITL request under that id."""
    BUSY = "busy"
    """Asked too often for this request, or too many checks at once; nothing was done."""


def responder(mobile: str) -> dict[str, str]:
    """Who answered, as Airflow's HITL user ``{"id", "name"}``: the masked number, never the full one."""
    masked = mask(canonical(mobile))
    return {"id": f"{RESPONDER_ID_PREFIX}{masked}", "name": f"{masked} (SMS)"}


@dataclass(frozen=True)
class Answer:
    """The reply taken as the answer."""

    chosen_options: list[str]
    mobile: str
    reply_time: str

    @property
    def responded_by(self) -> dict[str, str]:
        return responder(self.mobile)


@dataclass(frozen=True)
class Ignored:
    """A reply that did not answer, and why (for a log line: the number is masked, no text)."""

    masked_number: str
    reason: str
    characters: int


@dataclass(frozen=True)
class Verdict:
    """What a list of replies says: the first answer (or None) and the replies that did not count."""

    answer: Answer | None = None
    ignored: list[Ignored] = field(default_factory=list)


@dataclass(frozen=True)
class ReplyRules:
    """Which replies answer: from ``allowed`` numbers (canonical; empty means nobody), choosing options."""

    options: Sequence[str]
    allowed: frozenset[str]
    multiple: bool = False

    @classmethod
    def build(cls, options: Sequence[str], allowed_numbers: Iterable[str], multiple: bool = False) -> ReplyRules:
        return cls(list(options), frozenset(canonical(number) for number in allowed_numbers), multiple)

    def judge(self, replies: Iterable[Reply]) -> Verdict:
        """The first reply (by reply time, then arrival) from an allowed number that chooses options; every
        other reply is listed as ignored: not allowed, not an option, or after the answer."""
        answer: Answer | None = None
        ignored: list[Ignored] = []
        for reply in sorted(replies, key=lambda item: item.reply_time):
            masked, size = mask(canonical(reply.mobile)), len(reply.content)
            if canonical(reply.mobile) not in self.allowed:
                ignored.append(Ignored(masked, "not from an allowed number", size))
                continue
            chosen = match_reply(reply.content, self.options, self.multiple)
            if chosen is None:
                ignored.append(Ignored(masked, "not one of the options", size))
            elif answer is not None:
                ignored.append(Ignored(masked, "a second answer (the first one counts)", size))
            else:
                answer = Answer(chosen, canonical(reply.mobile), reply.reply_time)
        return Verdict(answer, ignored)
