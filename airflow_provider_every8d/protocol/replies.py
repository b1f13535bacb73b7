"""Which replies a reply sensor (or its trigger) waits for: from whom, and saying what.

Shared by the poke path and the trigger so both accept exactly the same replies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from airflow_provider_every8d.protocol.build import parse_recipients
from airflow_provider_every8d.protocol.errors import Every8dValidationError
from airflow_provider_every8d.protocol.phones import canonical
from airflow_provider_every8d.protocol.reports import Reply


@dataclass(frozen=True)
class ReplyFilter:
    """``from_numbers``: canonical numbers (any spelling accepted, see :func:`protocol.phones.canonical`);
    empty means anyone. ``pattern``: a case-insensitive regular expression searched in the reply's stripped
    content (anchor it, ``^y(es)?$``, to accept exactly "Y"/"yes"); None means any content."""

    from_numbers: frozenset[str] = frozenset()
    pattern: str | None = None

    @classmethod
    def build(cls, from_numbers: str | Sequence[str] | None = None, pattern: str | None = None) -> ReplyFilter:
        """Validate the sensor's arguments; Every8dValidationError naming the field."""
        numbers: frozenset[str] = frozenset()
        if from_numbers:
            numbers = frozenset(canonical(phone.wire) for phone in parse_recipients(from_numbers, "from_numbers"))
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as error:
                raise Every8dValidationError("pattern", f"{pattern!r} is not a regular expression: {error}") \
                    from None
        return cls(numbers, pattern or None)

    def matches(self, reply: Reply) -> bool:
        if self.from_numbers and canonical(reply.mobile) not in self.from_numbers:
            return False
        return self.pattern is None or re.search(self.pattern, reply.content.strip(), re.IGNORECASE) is not None

    def select(self, replies: Iterable[Reply]) -> list[dict[str, Any]]:
        """The matching replies as XCom dicts ``{name, mobile, content, reply_time}``."""
        return [reply_dict(reply) for reply in replies if self.matches(reply)]


def reply_dict(reply: Reply) -> dict[str, Any]:
    """One reply as the reply sensor's XCom item (the poke path and the trigger return the same shape)."""
    return {"name": reply.name, "mobile": reply.mobile, "content": reply.content, "reply_time": reply.reply_time}
