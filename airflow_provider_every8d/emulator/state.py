"""The emulator's memory: accounts, batches, messages, replies and the clock they progress on.

Status changes are computed lazily: ``Store.refresh()`` moves every pending message to where the
clock says it should be, and every read (HTTP or Python) calls it first. A message's timeline is
fixed when it is accepted, so results do not depend on how often anyone polls. Times in history,
RECEIVED_TIME and push RT are the scheduled moments, not the moment someone happened to look.

All mutation happens under ``Store.lock`` (one re-entrant lock for the whole emulator).
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from . import rules
from .formatting import plain_number
from .modes import Modes


class Clock:
    """Real time plus an adjustable offset, so tests can jump ahead instead of sleeping."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> datetime:
        """The emulator's current time, aware, in Taiwan time."""
        return datetime.fromtimestamp(time.time() + self.offset, rules.TAIPEI)

    def advance(self, seconds: float) -> None:
        """Move the clock forward (or back, with a negative value)."""
        self.offset += seconds


@dataclass
class Account:
    """One UID/PWD pair with its balance and the per-account options the real platform has."""

    uid: str
    password: str = field(repr=False)
    credit: float = 1000.0
    status_columns: int = 6
    """5 (old accounts: no RECEIVED_TIME) or 6 columns in 2.2 status rows."""
    international: bool = False
    """Whether international SMS is enabled; when not, such recipients get status 500, unpaid."""
    user_no: str = ""
    batch_ids: str = "uuid"
    """``"uuid"`` or ``"short"``: the 13-digit numeric batch ids older accounts get."""


@dataclass
class MessageRecord:
    """One recipient of one batch. ``mobile`` is E.164 (``+886900000678``)."""

    batch_id: str
    uid: str
    endpoint: str
    kind: str
    """``"sms"`` or ``"mms"``."""
    mobile: str
    text: str
    """The text the recipient gets (param SMS: after substitution)."""
    subject: str
    accepted_at: datetime
    send_time: datetime
    """When it leaves (booked time, or acceptance time for an immediate send)."""
    booked: bool
    retry_time: int
    msgid: str = ""
    mr: str = ""
    name: str = ""
    email: str = ""
    cost: float = 0.0
    status: int = 0
    received_time: datetime | None = None
    history: tuple[tuple[datetime, int], ...] = ()
    deliver_at: datetime | None = None
    final_status: int | None = None
    reply_at: datetime | None = None
    reply_text: str = "Y"
    """What the recipient replies at ``reply_at`` (``Y`` for numbers ending in 998, or a scripted text)."""
    reply_pushed: bool = True
    """Whether that reply goes out as a STATUS=999 push too (``reply_after(..., push=False)``: as if lost)."""


@dataclass(frozen=True)
class Reply:
    """A recipient's answer to a batch (2.4 rows and STATUS=999 pushes)."""

    batch_id: str
    mobile: str
    content: str
    name: str
    time: datetime


@dataclass
class Batch:
    """One accepted send request."""

    batch_id: str
    uid: str
    endpoint: str
    kind: str
    created: datetime
    messages: list[MessageRecord] = field(default_factory=list)


ReportListener = Callable[[dict[str, str]], None]


class Store:
    """Accounts, batches and replies, plus the timeline logic that advances them."""

    def __init__(self, clock: Clock, delivery_seconds: float, jitter: bool) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.delivery_seconds = delivery_seconds
        self.jitter = jitter
        self.accounts: dict[str, Account] = {}
        self.batches: dict[str, Batch] = {}
        self.messages: list[MessageRecord] = []
        self.replies: list[Reply] = []
        self.on_report: ReportListener | None = None
        self.modes = Modes()
        self._next_short_id = 1
        self._pending: list[tuple[datetime, int, MessageRecord]] = []
        """Messages with something still to happen, as a heap by when: a refresh touches only the due ones
        (a scan of every pending message cost 50 ms per request at 100,000; benchmarks/RESULTS.md)."""
        self._order = itertools.count()
        self._sent_texts: dict[tuple[str, str, str], list[datetime]] = {}
        self._next_mr = 1
        self.scripted_replies: dict[str, tuple[str, float, bool]] = {}
        """E.164 number -> (text, seconds after delivery, pushed): how that number answers each SMS it gets."""

    def clear(self) -> None:
        """Forget every batch, message and reply (accounts are the caller's business)."""
        with self.lock:
            self.batches.clear()
            self.messages.clear()
            self.replies.clear()
            self._pending.clear()
            self._sent_texts.clear()
            self._next_mr = 1
            self.scripted_replies.clear()

    # --- creation -------------------------------------------------------------------------
    def new_batch_id(self, account: Account) -> str:
        """A UUID, or for an account with ``batch_ids="short"`` a 13-digit number."""
        if account.batch_ids == "short":
            self._next_short_id += 1
            return f"{self.clock.now():%Y%m%d}{self._next_short_id:05d}"
        return str(uuid.uuid4())

    def new_batch(self, batch_id: str, uid: str, endpoint: str, kind: str) -> Batch:
        batch = Batch(batch_id, uid, endpoint, kind, self.clock.now())
        self.batches[batch_id] = batch
        return batch

    def add_message(self, batch: Batch, message: MessageRecord, international_blocked: bool) -> None:
        """Register an accepted recipient and plan its timeline from the rules' outcome table."""
        if not message.mr:
            message.mr = str(self._next_mr)
            self._next_mr += 1
        batch.messages.append(message)
        self.messages.append(message)
        key = (message.uid, message.mobile, message.text)
        self._sent_texts.setdefault(key, []).append(message.accepted_at)
        if international_blocked:
            self._set(message, rules.STATUS_INTERNATIONAL_DISABLED, message.accepted_at)
            return
        if message.kind == "sms":
            outcome = rules.outcome_for(message.mobile)
            if outcome != rules.OUTCOME_NEVER:
                factor = rules.jitter_factor(message.mobile) if self.jitter else 1.0
                message.deliver_at = message.send_time + timedelta(seconds=self.delivery_seconds * factor)
                message.final_status = rules.STATUS_DELIVERED if outcome == rules.OUTCOME_REPLY else int(outcome)
                if outcome == rules.OUTCOME_REPLY:
                    message.reply_at = message.deliver_at + timedelta(seconds=self.delivery_seconds)
                script = self.scripted_replies.get(message.mobile)
                if script is not None and message.final_status == rules.STATUS_DELIVERED:
                    message.reply_text = script[0]
                    message.reply_at = message.deliver_at + timedelta(seconds=script[1])
                    message.reply_pushed = script[2]
        if message.booked:
            self._set(message, rules.STATUS_BOOKED, message.accepted_at)
        elif message.kind == "mms":
            self._set(message, rules.mms_final(message.mobile), message.send_time)
            return
        else:
            self._set(message, rules.STATUS_AT_CARRIER, message.send_time)
        self._schedule(message)

    def recently_sent(self, uid: str, mobile: str, text: str, now: datetime) -> bool:
        """Whether this account sent this exact text to this number in the last 24 hours (1.3)."""
        since = now - timedelta(hours=24)
        return any(since <= at <= now for at in self._sent_texts.get((uid, mobile, text), ()))

    def add_reply(self, reply: Reply, push: bool = True) -> None:
        self.replies.append(reply)
        if push:
            self._report_reply(reply)

    # --- progress -------------------------------------------------------------------------
    def refresh(self) -> None:
        """Bring every pending message whose next change is due up to the clock's present."""
        with self.lock:
            now = self.clock.now()
            due: list[MessageRecord] = []
            while self._pending and self._pending[0][0] <= now:
                due.append(heapq.heappop(self._pending)[2])
            for message in due:
                self._progress(message, now)
                self._schedule(message)

    def _schedule(self, message: MessageRecord) -> None:
        at = self._next_change(message)
        if at is not None:
            heapq.heappush(self._pending, (at, next(self._order), message))

    @staticmethod
    def _next_change(message: MessageRecord) -> datetime | None:
        """When ``_progress`` next moves this message, or None when nothing more will happen to it."""
        if message.status == rules.STATUS_BOOKED:
            return message.send_time
        if message.status == rules.STATUS_AT_CARRIER and message.deliver_at is not None:
            return message.deliver_at
        return message.reply_at

    def _progress(self, message: MessageRecord, now: datetime) -> None:
        if message.status == rules.STATUS_BOOKED and now >= message.send_time:
            if message.kind == "mms":
                self._set(message, rules.mms_final(message.mobile), message.send_time)
                return
            self._set(message, rules.STATUS_AT_CARRIER, message.send_time)
        if (
            message.status == rules.STATUS_AT_CARRIER
            and message.deliver_at is not None
            and message.final_status is not None
            and now >= message.deliver_at
        ):
            message.received_time = message.deliver_at
            self._set(message, message.final_status, message.deliver_at)
        if message.reply_at is not None and message.status == rules.STATUS_DELIVERED and now >= message.reply_at:
            at = message.reply_at
            message.reply_at = None
            self.add_reply(Reply(message.batch_id, message.mobile, message.reply_text, message.name, at),
                           push=message.reply_pushed)

    def cancel(self, message: MessageRecord) -> None:
        """Erase a booking (3.2/3.3): status 303, no delivery, no reply. The caller refunds."""
        message.deliver_at = None
        message.reply_at = None
        sent = self._sent_texts.get((message.uid, message.mobile, message.text), [])
        if message.accepted_at in sent:
            sent.remove(message.accepted_at)  # never sent, so the 24-hour filter must not count it
        self._set(message, rules.STATUS_CANCELLED, self.clock.now())
        # It stays in the heap until its old due time, when _progress finds nothing to do and drops it.

    def _set(self, message: MessageRecord, status: int, at: datetime) -> None:
        message.status = status
        message.history = (*message.history, (at, status))
        terminal = rules.TERMINAL_MMS if message.kind == "mms" else rules.TERMINAL_SMS
        if status in terminal:
            self._report(message, status, at)

    # --- delivery-report push events ------------------------------------------------------
    def _report(self, message: MessageRecord, status: int, at: datetime, content: str = "") -> None:
        if self.on_report is None:
            return
        account = self.accounts.get(message.uid)
        dotnet = self.modes.push_style == "dotnet"
        moment = rules.dotnet_time if dotnet else rules.compact_time
        report = {
            "BatchID": message.batch_id,
            "RM": message.mobile,
            "RT": moment(at),
            "STATUS": str(status),
            "SM": content,
            "MR": message.mr,
            "USERID": message.uid,
            "UserNo": account.user_no if account else "",
            "ST": moment(message.send_time),
            "SUBJECT": message.subject,
            "CHARGE": plain_number(message.cost),
            "MSGID": message.msgid.zfill(24) if dotnet and message.msgid else message.msgid,
        }
        if dotnet:  # the 2.2 spec's extra push fields
            report.update({"NAME": message.name, "SOURCE": "API", "TYPE": message.kind.upper()})
        self.on_report(report)

    def _report_reply(self, reply: Reply) -> None:
        batch = self.batches.get(reply.batch_id)
        source = next((m for m in batch.messages if m.mobile == reply.mobile), None) if batch else None
        if source is not None:
            self._report(source, rules.STATUS_REPLY, reply.time, reply.content)
