"""Status pages (2.2 / 2.3) and reply pages (2.4): a count line, then one TAB-separated row a line.

Rules (docs/wire-decisions.md, "Pages"):

- Lines end at ``\\n`` or ``\\r\\n`` only. Free text (NAME, reply CONTENT) may hold any other character,
  U+2028, form feed, ``\\x1c`` ... included, and a row with more TABs than columns keeps the extra text in
  its free-text column: the fixed columns are found from the row's ends.
- An empty body is "no rows yet" (total 0), as ``0`` is; a refusal (``-CODE``) raises
  :class:`Every8dApiError`.
- Count line vs rows: a page with fewer rows than the count implies was cut short, unless the shortfall
  is explained by international messages on the page (the platform splits a long international SMS
  into parts, and the count may count parts): each non-Taiwan row may stand for up to its COST in parts.
  A page after the first that holds no row ends the batch (the count was high), as the paging loop does.
- Errors give the row's line number and column count, never its content (names, numbers, texts).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from itertools import repeat

from airflow_provider_every8d.protocol.answers import count, decode, raise_for_error
from airflow_provider_every8d.protocol.endpoints import Endpoint
from airflow_provider_every8d.protocol.errors import Every8dResponseError
from airflow_provider_every8d.protocol.json_reports import parse_reply_json, parse_status_json
from airflow_provider_every8d.protocol.paging import REPLY_PAGE_SIZE, STATUS_PAGE_SIZE, expected_rows
from airflow_provider_every8d.protocol.reports import DeliveryRow, Reply, ReplyPage, StatusPage

_PHONE_RE = re.compile(r"\s*\+?\d{8,15}\s*")
_TAIWAN_PREFIXES = ("+886", "886", "09")
_TIME_LENGTH = 8
"""A RECEIVED_TIME has 8 characters or more; a shorter last column that reads as a status is STATUS."""
_SHORT_LAST = re.compile(rf"\t(?!\r\n)([^\t\n]{{1,{_TIME_LENGTH - 1}}})\n")
"""The short RECEIVED_TIMEs among a page's joined row ends (``\tRECEIVED_TIME\nNAME``), bare CR aside."""


def _lines(text: str, endpoint: Endpoint) -> tuple[int, list[str]]:
    """The total of the count line and the row lines (``\\n`` / ``\\r\\n`` ends only)."""
    raise_for_error(text, endpoint)
    if not text:
        return 0, []
    lines = text.split("\n")  # a CR before it stays on the row's last column: stripped where that is read
    first = lines[0].split("\t", 1)[0]
    return count(first, "row count", lines[0], endpoint), lines[1:]  # quote the count line, not the rows


def _plain_counts(rows: str) -> dict[int, int] | None:
    """Rows per status code of a page of 6-column rows as the platform writes them (no TAB in NAME, COST a
    plain decimal, STATUS an integer, RECEIVED_TIME no number), or of 5-column rows (old accounts, MMS: no
    TAB in NAME), found with a few C-level passes over the page (split, count, find) and no list of columns
    or object per row; None for anything else (blank or odd lines, rows of both shapes), which the row loop
    reads and checks row by row. STATUS and COST are read with ``int`` and ``float`` as the row loop reads
    them, once per distinct value; RECEIVED_TIME is judged as the row loop judges it (CR kept), only where
    it is short enough to be a status."""
    text = rows[:-1] if rows.endswith("\n") else rows  # a CR stays, as on the row loop's last column
    fields = text.split("\t")
    n = text.count("\n") + 1
    if not text:
        return None
    if len(fields) == 4 * n + 1 and n > 1:  # 4 TABs a row (one row of 5 is read as 6 with its TAB stripped)
        return _five_column_counts(fields)
    # 5 TABs a row, or 4 in the last: a page ending in an empty RECEIVED_TIME loses that TAB to the strip
    if len(fields) - 5 * n not in (0, 1):
        return None
    # fields[5i] (i >= 1) is "RECEIVED_TIME\nNAME": a newline in each of these n - 1 and n - 1 in all is
    # 5 TABs a row; where it is, is the length of that row's RECEIVED_TIME
    joints = fields[5:-1:5]
    shortest = min(map(str.find, joints, repeat("\n")), default=_TIME_LENGTH)
    if shortest < 0:
        return None
    if shortest < _TIME_LENGTH:
        for short in _SHORT_LAST.findall("\t" + "\t".join(joints)):
            if _is_status(short):
                return None
    last = fields[-1]
    if len(fields) > 5 * n and len(last) < _TIME_LENGTH and _is_status(last):
        return None
    return _tally(fields[4::5], fields[3::5])


def _five_column_counts(fields: list[str]) -> dict[int, int] | None:
    """:func:`_plain_counts` of rows holding 4 TABs in all (``fields``: the page split at TABs, 4n + 1 of
    them): fields[4i] (0 < i < n) is "STATUS\nNAME", and a newline in each of these n - 1 (n - 1 in all)
    is 4 TABs in every row, which the row loop reads as 5 columns whatever they hold."""
    joints = fields[4:-1:4]
    if min(map(str.find, joints, repeat("\n"))) < 0:
        return None
    statuses = "\n".join(joints).split("\n")[::2]  # STATUS, NAME, STATUS, NAME ...: one newline a joint
    statuses.append(fields[-1])
    return _tally(statuses, fields[3::4])


def _tally(statuses: list[str], costs: list[str]) -> dict[int, int] | None:
    """Rows per ``int(STATUS)``; None where a STATUS or a COST (``float(COST or 0)``) does not read, each
    distinct value read once, as the row loop reads every row's."""
    try:
        counts: dict[int, int] = {}
        for status, times in Counter(statuses).items():
            counts[int(status)] = counts.get(int(status), 0) + times
        for cost in set(costs):
            float(cost or 0)
    except ValueError:
        return None
    return counts


def _row_number(lines: list[str], line: str) -> int:
    """The 1-based number of a faulty row among the rows (the first equal line is as faulty), found only
    when raising so the row loops stay free of a counter."""
    return lines.index(line) + 1


def _is_status(value: str) -> bool:
    return value.strip().lstrip("-").isdigit()


def _columns(cols: list[str]) -> list[str] | None:
    """``NAME MOBILE SEND_TIME COST STATUS RECEIVED_TIME`` of a row with TABs inside NAME, or None.

    The last column is STATUS (a 5-column row) when it is a whole number, else RECEIVED_TIME (a time is
    never a whole number); every column before MOBILE belongs to NAME."""
    fixed = 4 if _is_status(cols[-1]) else 5
    if len(cols) <= fixed:
        return None
    name = "\t".join(cols[: len(cols) - fixed])
    tail = cols[len(cols) - fixed :]
    return [name, *tail] if fixed == 5 else [name, *tail, ""]


def _split_allowance(lines: list[str]) -> int:
    """SMS parts beyond one that the page's international rows can stand for (each: its COST - 1)."""
    extra = 0
    for line in lines:
        cols = line.split("\t")
        row = cols if len(cols) == 6 and not _is_status(cols[5]) else _columns(cols) if len(cols) >= 5 else None
        if row is None or row[1].strip().startswith(_TAIWAN_PREFIXES):
            continue
        try:
            extra += max(0, math.ceil(float(row[3] or 0)) - 1)
        except (ValueError, OverflowError):
            continue
    return extra


def _check_complete(found: int, page: int | None, total: int, lines: list[str], endpoint: Endpoint) -> None:
    """A page holding fewer rows than the total implies was cut short; losing rows silently is worse.
    The rows are not quoted (names, numbers, reply texts): the counts say what is wrong."""
    if page is None or (page > 1 and found == 0):
        return
    statuses = endpoint is not Endpoint.REPLIES
    expected = expected_rows(page, total, STATUS_PAGE_SIZE if statuses else REPLY_PAGE_SIZE)
    if found >= expected or (statuses and expected - found <= _split_allowance(lines)):
        return
    raise Every8dResponseError(f"page {page} holds {found} rows where the total of {total} implies {expected} "
                               "(answer cut short?)", "", endpoint.path)


def parse_status_page(body: bytes, endpoint: Endpoint = Endpoint.DELIVERY_STATUS,
                      page: int | None = None, counts_only: bool = False) -> StatusPage:
    """2.2 / 2.3: the row count of the batch, then ``NAME MOBILE SEND_TIME COST STATUS [RECEIVED_TIME]``.

    Rows of 5 columns (old accounts, and MMS) and 6 columns (new accounts) are both read; an empty NAME
    (the line starts with a TAB) is kept as ``""``. Blank lines are skipped; any other malformed row
    raises, since silently dropping a row is how older clients lost data. With ``counts_only`` every row
    is checked the same way but only its status is counted (``counts``).
    """
    text = decode(body, endpoint)
    if text[:1] == "{":  # API 2.2's RESPFORMAT=1; TAB stays the format of 2.1 and the fallback
        return parse_status_json(text, endpoint, page=page, counts_only=counts_only)
    head, _, rows_text = text.partition("\n")
    plain = _plain_counts(rows_text) if counts_only and rows_text else None
    if plain is not None:  # the same checks as below, without splitting the page into rows and columns
        raise_for_error(text, endpoint)
        total = count(head.split("\t", 1)[0], "row count", head, endpoint)
        found = sum(plain.values())
        if page is not None and found < expected_rows(page, total, STATUS_PAGE_SIZE):
            _check_complete(found, page, total, rows_text.split("\n"), endpoint)
        return StatusPage(total=total, rows=(), counts=plain)
    total, lines = _lines(text, endpoint)
    rows: list[DeliveryRow] = []
    counts: dict[int, int] = {}
    append = rows.append
    new_row = tuple.__new__  # DeliveryRow(...) without NamedTuple's Python-level __new__: ~0.2 µs a row
    for line in lines:  # the hot loop of a status scan (benchmarks/RESULTS.md): odd rows checked last
        cols = line.split("\t")
        if len(cols) == 5:
            cols.append("")
        elif len(cols) != 6 or (len(cols[5]) < _TIME_LENGTH and _is_status(cols[5])):
            if not line.strip():
                continue
            fixed = _columns(cols) if len(cols) >= 5 else None
            if fixed is None:
                raise Every8dResponseError(f"status row {_row_number(lines, line)} has {len(cols)} columns, "
                                           "not 5 or 6", "", endpoint.path)
            cols = fixed
        try:
            if counts_only:
                float(cols[3] or 0)
                status = int(cols[4])
                counts[status] = counts.get(status, 0) + 1
            else:
                append(new_row(DeliveryRow, (cols[0], cols[1].strip(), cols[2], float(cols[3] or 0),
                                             int(cols[4]), cols[5].rstrip("\r"), "", None)))
        except ValueError:
            if not line.strip():
                continue
            raise Every8dResponseError(f"status row {_row_number(lines, line)} has a non-numeric COST or STATUS",
                                       "", endpoint.path) from None
    found = sum(counts.values()) if counts_only else len(rows)
    _check_complete(found, page, total, lines, endpoint)
    return StatusPage(total=total, rows=(), counts=counts) if counts_only else StatusPage(total, tuple(rows))


def _reply(cols: list[str]) -> Reply:
    """``NAME MOBILE CONTENT SEND_TIME``; NAME and CONTENT are free text, so MOBILE is the first column
    after NAME's that looks like a number (else the second), and CONTENT everything up to the last."""
    index = next((i for i in range(1, len(cols) - 2) if _PHONE_RE.fullmatch(cols[i])), 1)
    return Reply("\t".join(cols[:index]), cols[index].strip(), "\t".join(cols[index + 1 : -1]), cols[-1].strip())


def parse_reply_page(body: bytes, page: int | None = None) -> ReplyPage:
    """2.4: the reply count, then ``NAME MOBILE CONTENT SEND_TIME``. TABs inside NAME or CONTENT are kept."""
    endpoint = Endpoint.REPLIES
    text = decode(body, endpoint)
    if text[:1] == "{":  # API 2.2's RESPFORMAT=1
        return parse_reply_json(text, page=page)
    total, lines = _lines(text, endpoint)
    rows = []
    for line in lines:
        if not line.strip():
            continue
        cols = line.split("\t")
        if len(cols) < 4:
            raise Every8dResponseError(f"reply row {_row_number(lines, line)} has {len(cols)} columns, not 4 or "
                                       "more", "", endpoint.path)
        rows.append(_reply(cols))
    _check_complete(len(rows), page, total, lines, endpoint)
    return ReplyPage(total=total, rows=tuple(rows))
