"""The delivery status table (spec 2.2 and 2.3) and what each code means for a waiting task.

Terminal codes: 100 delivered; 101-107 failed at the carrier; 303 cancelled (booking erased); 500 failed
(international sending not enabled); every negative code failed. 0 (at the carrier) and 300 (booked) are
still moving. For MMS (2.3): 700 sent is the final good state, 300 booked, 303 cancelled. Codes that the
table does not know (older documents mention 301 "no credit" and 888 "test mode") are reported as UNKNOWN:
never a crash, and treated as not final so a sensor does not succeed on a code nobody understands; the
sensor logs them.
"""

from __future__ import annotations

import enum


class Outcome(str, enum.Enum):
    """What a status code means for someone waiting on a batch."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"

    @property
    def terminal(self) -> bool:
        return self in (Outcome.DELIVERED, Outcome.FAILED, Outcome.CANCELLED)


SMS_STATUS_TEXT: dict[int, str] = {
    0: "at the carrier, being delivered",
    100: "delivered",
    101: "not delivered: handset off, no signal or SMS fault",
    102: "not delivered: carrier network fault",
    103: "not delivered: number empty or suspended",
    104: "not delivered: number on the carrier's blacklist",
    105: "not delivered: handset fault",
    106: "not delivered: carrier system error",
    107: "not delivered: handset off, no signal or SMS fault",
    300: "booked",
    303: "booking cancelled",
    500: "international number and international SMS not enabled",
    -1: "parameter error",
    -2: "wrong API account or password",
    -3: "wrong number or SMS blacklist",
    -4: "booked time more than 24 hours past",
    -5: "message too long",
    -6: "bad send time format",
}

MMS_STATUS_TEXT: dict[int, str] = {700: "sent", 300: "booked", 303: "booking cancelled"}

REPLY_STATUS = 999
"""The push (2.1) uses STATUS=999 for a reply from the recipient."""


def classify(code: int, mms: bool = False) -> Outcome:
    """The outcome of one status code; unknown codes give UNKNOWN, never an exception."""
    if mms:
        return {700: Outcome.DELIVERED, 300: Outcome.PENDING, 303: Outcome.CANCELLED}.get(code, Outcome.UNKNOWN)
    if code == 100:
        return Outcome.DELIVERED
    if 101 <= code <= 107 or code == 500 or code < 0:
        return Outcome.FAILED
    if code == 303:
        return Outcome.CANCELLED
    if code in (0, 300):
        return Outcome.PENDING
    return Outcome.UNKNOWN


def describe(code: int, mms: bool = False) -> str:
    """A short English description of a code, for logs and reports."""
    table = MMS_STATUS_TEXT if mms else SMS_STATUS_TEXT
    return table.get(code, "unknown status code")
