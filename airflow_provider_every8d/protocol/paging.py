"""Paging rule shared by the sync and async iterators (2.2 and 2.3: 1,000 rows a page; 2.4: 10)."""

from __future__ import annotations

STATUS_PAGE_SIZE = 1000
REPLY_PAGE_SIZE = 10
MAX_PAGES = 100_000
"""A guard against a server that keeps answering full pages forever (100 million rows)."""


def next_page(page: int, rows_on_page: int, fetched: int, total: int) -> int | None:
    """The page to ask for after ``page``, or None when the batch has been read whole.

    Reading stops when all ``total`` rows are in, when a page comes back empty (the batch shrank or
    the server's count is off), or at :data:`MAX_PAGES`.
    """
    if rows_on_page == 0 or fetched >= total or page >= MAX_PAGES:
        return None
    return page + 1


def expected_rows(page: int, total: int, page_size: int) -> int:
    """How many rows page ``page`` (1-based) must hold when the batch has ``total`` rows."""
    return max(0, min(page_size, total - (page - 1) * page_size))
