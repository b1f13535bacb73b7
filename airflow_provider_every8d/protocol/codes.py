"""Every code EVERY8D is known to give, in one table: delivery statuses (2.2, 2.3 and the 2.2 spec's
appendix, SMS and MMS together), push-only codes (999) and the refusal codes a request can be answered
with (``-CODE[,text]``). Each code has a short English meaning beside the vendor's own text (empty where
the vendor's text is not known to us), and the outcome a waiting task gives it.

:mod:`.status` classifies with it, :class:`~.errors.Every8dApiError` names a refusal with it, and
``docs/status-codes-and-pricing.md`` shows it (a test keeps the page equal to this table).
Standard library only, and nothing of the package: the errors module imports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

OutcomeName = Literal["pending", "delivered", "failed", "cancelled"]
UNKNOWN_MEANING = "unknown code"
_FIELD = "seen in the field, undocumented"


@dataclass(frozen=True)
class Code:
    """One vendor code. ``source`` says where it is documented (spec section, or "field")."""

    code: int
    outcome: OutcomeName
    meaning: str
    vendor_text: str
    source: str


CODES: tuple[Code, ...] = (
    Code(0, "pending", "at the carrier, being delivered", "訊息已成功傳送給電信端，電信基地台與受話方手機溝通中",
         "2.2"),
    Code(100, "delivered", "delivered", "成功送達手機", "2.2"),
    Code(101, "failed", "handset off, no signal or storage full", "受話方手機關機/訊號不良/簡訊功能異常", "2.2"),
    Code(102, "failed", "network or equipment failure", "網路系統/基地台設備異常", "2.2"),
    Code(103, "failed", "number unassigned or inactive", "受話方手機門號為空號或停用中", "2.2"),
    Code(104, "failed", "number on the carrier's blacklist", "受話方手機門號為電信黑名單", "2.2"),
    Code(105, "failed", "handset fault, or a keyword blocked by the carrier", "受話方手機設備問題/手機出現未預期錯誤",
         "2.2, 2.2 appendix"),
    Code(106, "failed", "carrier system error, or a keyword blocked by the platform", "系統傳送時發生非預期錯誤",
         "2.2, 2.2 appendix"),
    Code(107, "failed", "handset off, no signal or SMS fault", "受話方手機關機/訊號不良/簡訊功能異常",
         "2.2 (2.1 only)"),
    Code(300, "pending", "booked, waiting for its send time", "預約簡訊", "2.2, 2.3"),
    Code(301, "failed", "not sent: no credit", "", "2.2 appendix"),
    Code(303, "cancelled", "booking cancelled", "取消預約", "2.2, 2.3"),
    Code(500, "failed", "international number, international SMS not enabled",
         "表該門號為國際門號，請至系統設定開啟國際簡訊發送功能", "2.2"),
    Code(700, "delivered", "sent (MMS)", "已發送", "2.3"),
    Code(888, "failed", "test mode: not sent", "", "older documents"),
    Code(999, "delivered", "a reply from the recipient", "回覆簡訊", "2.1 push, 2.2 appendix"),
    Code(-1, "failed", "parameter error", "參數錯誤", "2.2"),
    Code(-2, "failed", "wrong account or password", "API 帳號或密碼錯誤", "2.2"),
    Code(-3, "failed", "wrong number, or on the blacklist", "受話方手機號碼錯誤或是簡訊黑名單", "2.2"),
    Code(-4, "failed", "booked time more than 24 hours past", "訊息預計發送時間已逾期 24 小時以上", "2.2"),
    Code(-5, "failed", "message too long", "Short Message 內容長度超過限制", "2.2"),
    Code(-6, "failed", "bad send time format", "DT(預計發送時間)格式錯誤", "2.2"),
    Code(-8, "failed", "bad number format", "", "2.2 appendix"),
    Code(-10, "failed", "handset cannot receive MMS", "", "2.2 appendix"),
    Code(-24, "failed", _FIELD, "", "field"),
    Code(-28, "failed", "bad SendTime format", "", "2.2 (1.5)"),
    Code(-41, "failed", _FIELD, "", "field"),
    Code(-98, "failed", "every number was filtered as a duplicate of the last 24 hours", "沒有可發送成功的門號", "1.3"),
    Code(-99, "failed", "unexpected error on the platform; contact the vendor", "主機端發生不明錯誤，請與廠商窗口聯繫",
         "1.1-1.4"),
    Code(-100, "failed", _FIELD, "", "field"),
    Code(-101, "failed", _FIELD, "", "field"),
    Code(-300, "failed", _FIELD, "", "field"),
    Code(-303, "failed", _FIELD, "", "field"),
    Code(-304, "failed", _FIELD, "", "field"),
    Code(-305, "failed", _FIELD, "", "field"),
    Code(-306, "failed", "bad phone number", "手機格式不符", "field"),
    Code(-314, "failed", _FIELD, "", "field"),
)
BY_CODE: dict[int, Code] = {entry.code: entry for entry in CODES}


def meaning(code: int) -> str:
    """The short English meaning of a code, ``"unknown code"`` when the table lacks it."""
    entry = BY_CODE.get(code)
    return entry.meaning if entry else UNKNOWN_MEANING


def describe_status(code: int) -> str:
    """``"103 number unassigned or inactive"``: the code and its meaning, for summaries and logs."""
    return f"{code} {meaning(code)}"


def outcome_name(code: int) -> OutcomeName | None:
    """The table's outcome; every negative code not in it is a failure; other unknown codes give None."""
    entry = BY_CODE.get(code)
    if entry is not None:
        return entry.outcome
    return "failed" if code < 0 else None
