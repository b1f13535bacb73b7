"""Answer bodies exactly as the wire carries them (docs/wire-decisions.md, "Answers").

Kept apart from the client's parsers on purpose. Number formats:

- CREDIT (send answers, 3.1) and REFUNDED (3.2/3.3): two decimals, ``1230.00``.
- COST in send answers and CHARGE in pushes: a plain number, ``4`` or ``4.5`` (no trailing zeros).
- COST in status rows: one decimal at least, ``1.0`` (as the spec's example).
- Multi-line answers (2.2-2.4) join lines with CRLF, no trailing line end; single-line answers
  carry no line end (the ``crlf`` fault adds one).
- Refusals in the style the emulator's ``refusal_style`` mode picks (see ``modes``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

CRLF = "\r\n"


def plain_number(value: float) -> str:
    """``4.0`` -> ``4``, ``4.5`` -> ``4.5``, ``0.25`` -> ``0.25``."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0")


def credit_text(value: float) -> str:
    """``%.2f``: ``1230.00``."""
    return f"{value:.2f}"


def row_cost(value: float) -> str:
    """Status-row COST: ``1.0``, ``4.0``, ``4.5``."""
    text = plain_number(value)
    return text if "." in text else text + ".0"


def error(code: int, text: str, style: str = "comma", *, send: bool = False, batch_id: str = "") -> str:
    """A refusal: ``-CODE,text`` (``-CODE`` alone when there is no text), or another ``refusal_style``;
    ``send`` says the endpoint is a send (the ``send_shape`` styles write its five fields)."""
    if style == "comma_space" and text:
        return f"{code}, {text}"
    if style == "space" and text:
        return f"{code} {text}"
    if style == "bare":
        return str(code)
    if style == "decimal" or (style.startswith("send_shape") and not send):
        return credit_text(code)
    if style == "send_shape":
        return f"{credit_text(code)},0,0,0,"
    if style == "send_shape_id":
        return f"{credit_text(code)},0,0,0,{batch_id}"
    return f"{code},{text}" if text else str(code)


def send_answer(credit: float, sent: int, cost: float, unsent: int, batch_id: str, *extra: str) -> str:
    """``CREDIT,SENT,COST,UNSENT,BATCH_ID[,extra...]`` (1.3 adds FAIL_MOBILE, 1.4 MSGID)."""
    fields = [credit_text(credit), str(sent), plain_number(cost), str(unsent), batch_id, *extra]
    return ",".join(fields)


def json_answer(ok: bool, status: str, message: str, style: str = "standard") -> str:
    """The 1.5 envelope: ``{"Result": true, "Status": "0", "Msg": "..."}``; ``style`` ``"string_result"``
    writes ``"Result": "true"``, ``"lower_keys"`` ``{"result": "True", "status": ..., "msg": ...}``."""
    if style == "string_result":
        return json.dumps({"Result": "true" if ok else "false", "Status": status, "Msg": message}, ensure_ascii=False)
    if style == "lower_keys":
        return json.dumps({"result": str(ok), "status": status, "msg": message}, ensure_ascii=False)
    return json.dumps({"Result": ok, "Status": status, "Msg": message}, ensure_ascii=False)


def _cell(value: str, flatten_tabs: bool) -> str:
    """A line end inside a value would end the row, so CR and LF become spaces; TABs too when flattening
    (mode ``free_text="flatten"``). Every other character goes out as it is."""
    value = value.replace("\r", " ").replace("\n", " ")
    return value.replace("\t", " ") if flatten_tabs else value


def table(total: int, rows: Iterable[Sequence[str]], *, flatten_tabs: bool = False) -> str:
    """First line the total row count (all pages), then TAB-separated rows, CRLF line ends."""
    lines = [str(total)]
    lines.extend("\t".join(_cell(cell, flatten_tabs) for cell in row) for row in rows)
    return CRLF.join(lines)


def erase_answer(deleted: int, refunded: float) -> str:
    """``DELETED,REFUNDED`` (``2,2.00``); empty when nothing was booked under that batch."""
    return f"{deleted},{credit_text(refunded)}" if deleted else ""
