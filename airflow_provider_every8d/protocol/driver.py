"""The sans-I/O driver both transports run: the retry loop, paging and the delivery summary, written once.

A driver is a generator of *steps*. The transport performs each step and sends its outcome back in:

- an :class:`~airflow_provider_every8d.protocol.request.ApiRequest`: POST it; send back the answer's body
  (``bytes``) or the :class:`Every8dTransportError` the exchange ended with (returned, not raised);
- a :class:`Pause`: sleep that long (``time.sleep`` or ``asyncio.sleep``), send back None;
- an :class:`Emit`: hand its items to the caller (rows, pages, the result), send back None.

So the sync (requests) and the async (httpx) transports differ only in how they open the socket and
sleep; which answer is retried, which page comes next and how a summary is counted are decided here.
"""

# No ``from __future__ import annotations`` here: a NamedTuple compiles each annotation given as a string
# (about 20 µs a field at import); these are evaluated once, as objects.
from collections.abc import Callable, Generator, Iterable, Sequence
from functools import partial
from typing import Any, NamedTuple

from airflow_provider_every8d.protocol.errors import Every8dTransportError
from airflow_provider_every8d.protocol.request import ApiRequest
from airflow_provider_every8d.protocol.retry import QUERY_ATTEMPTS, retry_pause


class Pause(NamedTuple):  # NamedTuple, not a frozen dataclass: a tenth of the cost to create at import
    """Wait ``seconds`` before trying ``request`` again after ``problem`` (the retry warning's words)."""

    seconds: float
    request: ApiRequest
    problem: str


class Emit(NamedTuple):
    """Items for the caller: a page's rows, a page, or the one result of a call or summary."""

    items: Iterable[Any]


Step = ApiRequest | Pause | Emit
Answer = bytes | Every8dTransportError | None
"""What the transport sends back: the body or the transport error for a request, None after the rest."""
Steps = Generator[Step, Answer, Any]
MakeRequest = Callable[[int], ApiRequest]


def call(request: ApiRequest, attempts: int = QUERY_ATTEMPTS) -> Steps:
    """Send ``request``, retrying as :func:`protocol.retry.retry_pause` allows; returns the parsed answer."""
    attempt = 1
    while True:
        answer = yield request
        if not isinstance(answer, Every8dTransportError):
            assert answer is not None, "a request step needs the answer's body"
            return request.parse(answer)
        pause = retry_pause(request, answer, attempt, attempts)
        if pause is None:
            raise answer
        yield Pause(pause, request, answer.problem)
        attempt += 1


def pages(make_request: MakeRequest, attempts: int,
          on_page: Callable[[Any], Iterable[Any] | None]) -> Steps:
    """Read every page of a paged query (``make_request(page)``; the first always, it may be empty) and
    emit what ``on_page(page_result)`` gives for each (nothing for None)."""
    from airflow_provider_every8d.protocol.paging import next_page  # a send reads no page

    page, fetched = 1, 0
    while True:
        result = yield from call(make_request(page), attempts)
        items = on_page(result)
        if items is not None:
            yield Emit(items)
        fetched += result.size
        following = next_page(page, result.size, fetched, result.total)
        if following is None:
            return
        page = following


def each_page(make_request: MakeRequest, attempts: int = QUERY_ATTEMPTS) -> Steps:
    """Emits every page result."""
    return pages(make_request, attempts, lambda result: (result,))


def each_row(make_request: MakeRequest, attempts: int = QUERY_ATTEMPTS) -> Steps:
    """Emits every row, page after page (one page in memory)."""
    return pages(make_request, attempts, lambda result: result.rows)


def delivery_summary(batch_ids: Sequence[str], *, mms: bool = False, attempts: int = QUERY_ATTEMPTS) -> Steps:
    """Every page of every batch, counted without building row objects (2.2 / 2.3, ``counts_only``); emits
    the :class:`DeliverySummary` (a batch without rows keeps it incomplete)."""
    from airflow_provider_every8d.protocol import build  # a send needs neither
    from airflow_provider_every8d.protocol.summary import DeliverySummary

    summary = DeliverySummary(mms=mms)
    for batch_id in batch_ids:
        def count(result: Any, batch_id: str = batch_id) -> None:
            summary.add_counts(result.counts or {}, batch_id=batch_id)

        yield from pages(partial(build.delivery_status_request, batch_id, mms=mms, counts_only=True), attempts,
                         count)
    yield Emit((summary,))


def result(steps: Steps) -> Steps:
    """``steps`` with its return value emitted as the last item (what ``call()`` hands back)."""
    value = yield from steps
    yield Emit((value,))


def advance(steps: Steps, answer: Answer) -> Step | None:
    """The next step after ``answer`` (None to start), or None when the driver is done."""
    try:
        return steps.send(answer)
    except StopIteration:
        return None
