"""The retry decision shared by both transports: queries retry on transient failures, sends never."""

from __future__ import annotations

import pytest

from airflow_provider_every8d.protocol import build
from airflow_provider_every8d.protocol.errors import Every8dTransportError
from airflow_provider_every8d.protocol.retry import retry_pause

QUERY = build.credit_request()
SEND = build.sms_request("hi", "0900000001")
ERASE = build.erase_booking_request("b-1")
TIMEOUT = Every8dTransportError("ReadTimeout")
HTTP_503 = Every8dTransportError("HTTP 503", status_code=503)
HTTP_404 = Every8dTransportError("HTTP 404", status_code=404)


@pytest.mark.parametrize(("request_", "error", "attempt", "pause"), [
    (QUERY, TIMEOUT, 1, 0.5), (QUERY, HTTP_503, 2, 1.0), (QUERY, HTTP_503, 3, None), (QUERY, HTTP_404, 1, None),
    (SEND, TIMEOUT, 1, None), (SEND, HTTP_503, 1, None), (ERASE, TIMEOUT, 1, None),
])
def test_retry_pause(request_, error, attempt, pause):
    assert retry_pause(request_, error, attempt) == pause
