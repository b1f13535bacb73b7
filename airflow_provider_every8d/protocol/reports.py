"""What the platform reports after a send: status rows and pages (2.2/2.3), replies (2.4) and the
delivery-report push (2.1). Status and reply rows are NamedTuples (cheap per row), pages and pushes frozen
dataclasses.

A module of its own, re-exported by :mod:`.models`: a send reads none of it, so its first one in a process
does not create these classes (about 2.5 ms at import on Python 3.11).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from airflow_provider_every8d.protocol.times import TAIPEI, parse_report_time, parse_wire_time

if TYPE_CHECKING:
    from airflow_provider_every8d.protocol.status import Outcome


class DeliveryRow(NamedTuple):
    """One message of a batch (2.2/2.3). Times are kept as the platform wrote them (Taiwan time);
    ``sent_at``/``received_at`` parse them on demand (parsing every row would dominate a status scan).
    ``mr`` (the platform's per-message reference) and ``real_cost`` (points actually charged) come only
    with API 2.2's JSON report (``RESPFORMAT=1``): ``""`` and None from a TAB report."""

    name: str
    mobile: str
    send_time: str
    cost: float
    status: int
    received_time: str = ""
    mr: str = ""
    real_cost: float | None = None

    @property
    def sent_at(self) -> datetime | None:
        return parse_report_time(self.send_time)

    @property
    def received_at(self) -> datetime | None:
        return parse_report_time(self.received_time)

    def outcome(self, mms: bool = False) -> Outcome:
        from airflow_provider_every8d.protocol.status import classify  # the code table: not needed to send

        return classify(self.status, mms)


@dataclass(frozen=True)
class StatusPage:
    """One page of a batch's status. ``total`` is the row count of the whole batch (all pages).

    Parsed with ``counts_only`` (what a sensor needs), ``rows`` is empty and ``counts`` holds the rows per
    status code of this page: no row object is built, which is most of a status scan's CPU.
    """

    total: int
    rows: tuple[DeliveryRow, ...]
    counts: dict[int, int] | None = None

    @property
    def size(self) -> int:
        """Rows on this page."""
        return sum(self.counts.values()) if self.counts is not None else len(self.rows)


class Reply(NamedTuple):
    """A reply from a recipient (2.4). ``reply_time`` as the platform wrote it (Taiwan time)."""

    name: str
    mobile: str
    content: str
    reply_time: str

    @property
    def replied_at(self) -> datetime | None:
        return parse_report_time(self.reply_time)


@dataclass(frozen=True)
class ReplyPage:
    """One page of replies to a batch (2.4). ``total`` is the reply count of the whole batch (all pages)."""

    total: int
    rows: tuple[Reply, ...]

    @property
    def size(self) -> int:
        """Rows on this page."""
        return len(self.rows)


@dataclass(frozen=True)
class DeliveryReport:
    """One delivery-report push (2.1): a status change, or a reply when ``status == 999``."""

    batch_id: str
    mobile: str
    status: int
    report_time: str = ""
    content: str = ""
    record_no: str = ""
    user_id: str = ""
    user_no: str = ""
    send_time: str = ""
    subject: str = ""
    charge: float | None = None
    msg_id: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_reply(self) -> bool:
        return self.status == 999

    @property
    def reported_at(self) -> datetime | None:
        """RT as Taiwan time (``yyyyMMddHHmmss``, or a .NET form such as ``2021/6/1 下午 02:25:55``)."""
        return push_time(self.report_time)

    @property
    def sent_at(self) -> datetime | None:
        """ST, read as :attr:`reported_at` is."""
        return push_time(self.send_time)


_DOTNET_TIME = re.compile(r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})\s+(上午|下午|AM|PM)?\s*(\d{1,2}):(\d{2})(?::(\d{2}))?"
                          r"\s*(上午|下午|AM|PM)?", re.IGNORECASE)


def push_time(text: str) -> datetime | None:
    """A push time (RT, ST) as Taiwan time: ``yyyyMMddHHmmss``, ``yyyy/M/d HH:mm:ss`` or the 12-hour form
    of a zh-TW .NET server (``2021/6/1 下午 02:25:55``); None when it is none of them."""
    compact = parse_wire_time(text)
    match = None if compact else _DOTNET_TIME.fullmatch(text.strip())
    if match is None:
        return compact
    year, month, day, before, hour, minute, second, after = match.groups()
    marker, clock = (before or after or "").upper(), int(hour)
    if marker in ("下午", "PM") and clock < 12:
        clock += 12
    elif marker in ("上午", "AM") and clock == 12:
        clock = 0
    try:
        return datetime(int(year), int(month), int(day), clock, int(minute), int(second or 0), tzinfo=TAIPEI)
    except ValueError:
        return None
