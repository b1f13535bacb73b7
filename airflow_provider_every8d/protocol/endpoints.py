"""Endpoints of the HTTP API 2.1 (and the two names API 2.2 adds) and the base URL they hang from."""

from __future__ import annotations

import enum
import ipaddress
from urllib.parse import urlsplit, urlunsplit

from airflow_provider_every8d.protocol.errors import Every8dValidationError

DEFAULT_HOST = "https://oms.every8d.com"
API_ROOT = "/API21/HTTP/"


class Endpoint(enum.Enum):
    """One endpoint: spec section, path after ``/API21/HTTP/``, and whether a repeat is harmless."""

    SEND_SMS = ("1.1", "sendSMS.ashx", False)
    SEND_MMS = ("1.2", "MMS/sendMMS.ashx", False)
    SEND_SMS_FILTERED = ("1.3", "sendSMS4FilterMessage.ashx", False)
    SEND_SMS_WITH_MSG_ID = ("1.4", "sendSMSWithMsgID.ashx", False)
    SEND_PARAM_SMS = ("1.5", "SendParamSMS.ashx", False)
    SEND_PARAM = ("1.5", "SendParam.ashx", False)
    """1.5 as API 2.2 names it (:func:`protocol.api22.for_api` picks it on a 2.2 connection)."""
    DELIVERY_STATUS = ("2.2", "getDeliveryStatus.ashx", True)
    MMS_DELIVERY_STATUS = ("2.3", "MMS/getDeliveryStatus.ashx", True)
    REPLIES = ("2.4", "getReplyMessage.ashx", True)
    CREDIT = ("3.1", "getCredit.ashx", True)
    ERASE_BOOKING = ("3.2", "eraseBooking.ashx", False)
    ERASE_MMS_BOOKING = ("3.3", "MMS/eraseBooking.ashx", False)
    CONNECTION_HANDLER = ("token", "ConnectionHandler.ashx", True)
    """API 2.2's bearer tokens (get, check, close: :mod:`protocol.tokens`); a repeat only makes a token."""

    def __init__(self, section: str, path: str, idempotent: bool) -> None:
        self.section = section
        self.path = path
        self.idempotent = idempotent

    @property
    def https_only(self) -> bool:
        """MMS (1.2, 2.3, 3.3): the spec offers it over HTTPS only."""
        return self.path.startswith("MMS/")

    def url(self, base_url: str) -> str:
        """The endpoint's URL under ``base_url``. An MMS endpoint under an ``http://`` base URL raises
        :class:`Every8dValidationError` (before anything is sent), except on a loopback host (an emulator)."""
        if self.https_only and not _secure_or_loopback(base_url):
            raise Every8dValidationError("host", f"MMS ({self.section}) needs HTTPS: the platform offers it over "
                                         f"https:// only, and the connection's host is {_origin(base_url)}")
        return base_url + API_ROOT + self.path


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}"


def _secure_or_loopback(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "https":
        return True
    host = (parts.hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def base_url(host: str | None, port: int | None = None) -> str:
    """The base URL from a connection's host (scheme and optional path prefix) and optional port.

    Empty host means ``https://oms.every8d.com``. A port may be in the URL or in ``port``; both is fine
    when they agree. Credentials and query strings are refused: the password never goes into a URL.
    """
    text = (host or "").strip()
    if not text:
        text = DEFAULT_HOST
    if "://" not in text:
        raise Every8dValidationError("host", f"{text!r} has no scheme; use e.g. https://{text}")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        raise Every8dValidationError("host", f"scheme {parts.scheme!r} is not http or https")
    if not parts.hostname:
        raise Every8dValidationError("host", f"{text!r} has no host name")
    if parts.username or parts.password:
        raise Every8dValidationError("host", "credentials in the URL are not allowed; use login and password")
    if parts.query or parts.fragment:
        raise Every8dValidationError("host", "a query string or fragment in the host URL is not allowed")
    try:
        url_port = parts.port
    except ValueError:
        raise Every8dValidationError("host", f"{text!r} has an invalid port") from None
    if port and url_port and int(port) != url_port:
        raise Every8dValidationError("port", f"{port} contradicts the port {url_port} in host {text!r}")
    netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    chosen = url_port or (int(port) if port else None)
    if chosen:
        netloc = f"{netloc}:{chosen}"
    path = parts.path.rstrip("/")
    if path.upper().endswith("/API21/HTTP"):
        path = path[: -len("/API21/HTTP")]
    return urlunsplit((parts.scheme, netloc, path, "", ""))
