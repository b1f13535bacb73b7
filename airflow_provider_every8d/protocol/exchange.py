"""What both transports do around the socket, sans I/O: an HTTP answer -> the body or a transport error.

``transport.sync`` (requests) and ``transport.aio`` (httpx) only open the connection and hand the outcome
here, so a status code, a redirect or a failed connection means the same thing on both paths.
"""

from __future__ import annotations

from collections.abc import Iterable

from airflow_provider_every8d.protocol.errors import Every8dTransportError
from airflow_provider_every8d.protocol.privacy import excerpt, scrub


def check_response(status_code: int, body: bytes, endpoint: str, password: str | Iterable[str | None] | None
                   ) -> bytes:
    """The body of an HTTP 200 answer, with the password (or each of several secrets: the 2.2 token too)
    replaced by ``***`` in every encoding (:func:`privacy.scrub`): a server that echoes the request
    cannot put it into a parse error, an API error's text, an XCom or a trigger event. Anything else
    raises :class:`Every8dTransportError` with the status code and a short excerpt (secrets and phone
    numbers scrubbed).

    Redirects are answers too: the transports never follow one, since following re-sends the body (the
    password, and for a send the message) to wherever the ``Location`` points. A 3xx is therefore a
    failure that may have reached the server, like any other non-200.
    """
    secrets = [password] if password is None or isinstance(password, str) else list(password)
    if status_code == 200:
        return scrub(body, secrets)
    raise Every8dTransportError(f"HTTP {status_code}: {excerpt(scrub(body, secrets))}", status_code=status_code,
                                endpoint=endpoint)


def connection_failed(error: BaseException, never_connected: bool, endpoint: str) -> Every8dTransportError:
    """The transport error for an exchange that raised (``error`` from requests, httpx or transport.wire).

    ``never_connected`` is the transport's verdict that the request certainly did not reach the server
    (the connection could not be opened); only then may a send be retried. The message names the error
    type only: a library's text can quote the URL or the proxy's address with its credentials. An error
    with a ``kind`` (transport.wire's, whose ``detail`` never quotes the URL or an answer) is named by it.
    """
    kind, detail = getattr(error, "kind", None), getattr(error, "detail", "")
    named = f"{kind}, {detail}" if kind and detail else kind or type(error).__name__
    problem = named + (" (could not connect)" if never_connected else " (the request may have reached the server)")
    return Every8dTransportError(problem, may_have_reached_server=not never_connected, endpoint=endpoint)
