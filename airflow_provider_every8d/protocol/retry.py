"""The retry decision both transports follow (the sockets differ, the policy must not).

Connection failures are retried below this, by the HTTP library's connect-only retries: such a request
never reached the server. Here: a query (status, replies, credit) is tried again after a timeout, a
dropped connection or an HTTP 5xx, with a doubling pause; a send or an erasure never is, because it may
already have taken effect.
"""

from __future__ import annotations

from airflow_provider_every8d.protocol.errors import Every8dTransportError
from airflow_provider_every8d.protocol.request import ApiRequest

QUERY_ATTEMPTS = 3
QUERY_BACKOFF = 0.5


def retry_pause(request: ApiRequest, error: Every8dTransportError, attempt: int,
                attempts: int = QUERY_ATTEMPTS) -> float | None:
    """Seconds to wait before trying ``request`` again after ``error`` on try ``attempt``; None: give up."""
    if not request.idempotent or attempt >= attempts:
        return None
    if error.status_code is not None and error.status_code < 500:
        return None
    return QUERY_BACKOFF * 2 ** (attempt - 1)
