"""The sync transport's own HTTP/1.1 POST on kept-alive sockets, standard library only (the direct way).

Why: requests and urllib3 spend about 0.3-0.5 ms of CPU a request in their own layers, and a status
scan's page is read in about 0.3 ms (benchmarks/RESULTS.md); importing them is most of a first send's
CPU. The EVERY8D API needs little of HTTP: one origin, POST with a form body, an answer read whole. So a
client whose connection goes straight to the server (no proxy: :func:`transport.core.proxies_for` gives
none) talks HTTP/1.1 itself here; the way through a proxy, a netrc entry and a caller's own
``requests.Session`` stay requests' (:mod:`transport.sync`).

The answer is read by :mod:`transport.http11` (framing, encodings, limits; tests/integration/transport/
test_wire.py holds it to requests' outcome for each answer, test_framings.py to each of the emulator's
framings). A connection is kept for the next request unless the answer says ``Connection: close``, is
HTTP/1.0 without keep-alive, or ended at the server's close; an idle one the server has closed is not
reused.

Failures are :class:`WireError`, named as requests names the same failure (``kind``: the error's text
stays the same whichever way a client takes), with ``never_connected``: True only when nothing was sent
(the connection or its TLS handshake failed), the one case a send may be retried. Connection failures
are retried here ``connect_retries`` times (pauses 0, 0.4, 0.8 ... s, as urllib3's ``Retry`` pauses);
a certificate refusal is not. Cookies are not kept (the API sets none; a session that needs them is
requests' way).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import select
import socket
import ssl
import threading
import time
from typing import NamedTuple
from urllib.parse import quote, urlsplit

from airflow_provider_every8d.transport.core import environment_ca_bundle
from airflow_provider_every8d.transport.http11 import WireError, read_answer, request_head

log = logging.getLogger("airflow_provider_every8d.transport")
KEPT_IDLE = 4
"""Idle connections kept per origin (requests keeps 4 too); the oldest beyond it is closed."""
SEND_IDLE_LIMIT = 15.0
"""Seconds a connection may have been idle and still carry a send (not idempotent): a firewall or load
balancer that drops an idle connection without a word makes a send written on it end as "may have reached
the server"; a query on such a connection is simply retried."""

__all__ = ["Origin", "WireError", "WirePool", "ca_bundle", "origin_of", "tls_context"]
_URL_SAFE = "!#$%&'()*+,/:;=?@[]~"
"""Kept as they are in a target (requests' ``requote_uri``: reserved and unreserved, and ``%``)."""


class Origin(NamedTuple):
    """Where a URL's requests go (scheme, host, port) and what is asked there (the path and query)."""

    scheme: str
    host: str
    port: int
    host_header: str
    target: str


def origin_of(url: str) -> Origin:
    """``url`` split once; a URL with credentials, or not http(s), is refused (requests' way takes those)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise WireError("InvalidURL", never_connected=True, detail="not a plain http(s) URL")
    default = 443 if parts.scheme == "https" else 80
    try:
        port = parts.port or default
    except ValueError:
        raise WireError("InvalidURL", never_connected=True, detail="bad port") from None
    host = parts.hostname
    try:
        if not host.isascii():  # as urllib3 prepares it for requests: IDNA 2008 (the idna package) label by
            import idna  # label, not the codec's IDNA 2003, which turns "straße.de" into another host, "strasse.de"

            name = parts.netloc.rsplit(":", 1)[0]  # in its own case: a label's last "Σ" lowers to "ς"
            host = ".".join(idna.encode(label.lower(), strict=True, std3_rules=True).decode("ascii")
                            if not label.isascii() else label.lower() for label in name.split("."))
        elif ":" not in host:
            host.encode("idna")  # an empty or too long label: refused here, not as a bare error at connect
    except UnicodeError:  # idna.IDNAError is one
        raise WireError("InvalidURL", never_connected=True, detail="a host name IDNA cannot encode") from None
    shown = f"[{host}]" if ":" in host else host
    host_header = shown if port == default else f"{shown}:{port}"
    target = quote((parts.path or "/") + (f"?{parts.query}" if parts.query else ""), safe=_URL_SAFE)
    return Origin(parts.scheme, host, port, host_header, target)


def ca_bundle(verify: bool | str) -> bool | str:
    """What requests verifies with for ``verify``: True is REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE or
    certifi's bundle (its own default); a path or False stays as it is."""
    if verify is True:
        import certifi

        return environment_ca_bundle() or certifi.where()
    return verify


def tls_context(verify: bool | str) -> ssl.SSLContext:
    """The TLS settings requests would use for ``verify`` (:func:`ca_bundle`): a path is a bundle (a
    file) or a folder of certificates; False checks nothing. TLS 1.2 at least, as urllib3 asks."""
    verify = ca_bundle(verify)
    if not verify:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        path = str(verify)
        if not os.path.exists(path):
            raise WireError("SSLError", never_connected=True, detail="the CA bundle (extra.verify, or "
                            "REQUESTS_CA_BUNDLE) does not exist")
        folder = os.path.isdir(path)
        context = ssl.create_default_context(cafile=None if folder else path, capath=path if folder else None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


class _Connection:
    __slots__ = ("idle_since", "reader", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.reader: io.BufferedReader = sock.makefile("rb")
        self.idle_since = 0.0

    def dropped(self) -> bool:
        """True when the server closed it or sent something unasked while it was idle, or sent bytes past
        the last answer (read with it into the buffer): those would be read as the next request's answer."""
        try:
            if hasattr(select, "poll"):  # no limit on the descriptor's number, unlike select()
                poller = select.poll()
                poller.register(self.sock, select.POLLIN)
                if poller.poll(0):
                    return True
            elif select.select([self.sock], [], [], 0)[0]:
                return True
            self.sock.settimeout(0)  # the buffer looked at without waiting (post() sets the timeout again)
            return bool(self.reader.peek(1))
        except ssl.SSLWantReadError:  # TLS: nothing buffered, nothing arrived
            return False
        except (OSError, ValueError):
            return True

    def close(self) -> None:
        for closing in (self.reader, self.sock):
            with contextlib.suppress(OSError):
                closing.close()


class WirePool:
    """Kept-alive connections for the origins of one client (any thread may use it; each connection is
    used by one request at a time)."""

    def __init__(self, *, verify: bool | str, connect_retries: int) -> None:
        self.verify = verify
        self.connect_retries = connect_retries
        self._tls: ssl.SSLContext | None = None
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._closes = 0
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, object]:
        """A copy (``copy.deepcopy``, pickle) keeps the settings and opens its own connections."""
        return {"verify": self.verify, "connect_retries": self.connect_retries}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__init__(verify=state["verify"], connect_retries=state["connect_retries"])  # type: ignore[misc,arg-type]

    def post(self, origin: Origin, *, headers: dict[str, str], body: bytes, timeout: float,
             idempotent: bool = True) -> tuple[int, bytes]:
        """POST ``body`` to ``origin`` with ``headers`` (Host and Content-Length are added); (status, body).
        Not ``idempotent`` (a send): on a connection idle for at most :data:`SEND_IDLE_LIMIT`, or a new one."""
        head = request_head(origin.target, origin.host_header, headers, len(body))
        closes = self._closes
        connection = self._take(origin, timeout, None if idempotent else SEND_IDLE_LIMIT)
        try:
            connection.sock.settimeout(timeout)
            connection.sock.sendall(head + body)
            status, content, keep = read_answer(connection.reader)
        except BaseException as error:
            connection.close()
            if isinstance(error, WireError):
                raise
            if isinstance(error, TimeoutError):
                raise WireError("ReadTimeout") from None
            if isinstance(error, ssl.SSLError):
                raise WireError("SSLError") from None
            if isinstance(error, OSError):
                raise WireError("ConnectionError", detail="the connection broke") from None
            raise
        surplus: list[_Connection] = []
        with self._lock:
            kept = keep and closes == self._closes  # not kept past a close() called while it was in use
            if kept:
                idle = self._idle.setdefault(origin[:3], [])
                connection.idle_since = time.monotonic()
                idle.append(connection)
                surplus, idle[:] = idle[:-KEPT_IDLE], idle[-KEPT_IDLE:]  # the oldest beyond KEPT_IDLE
        if not kept:
            connection.close()
        for extra in surplus:
            extra.close()
        return status, content

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
            self._closes += 1
        for connections in idle.values():
            for connection in connections:
                connection.close()

    def _take(self, origin: Origin, timeout: float, idle_limit: float | None) -> _Connection:
        """The newest idle connection still open (idle at most ``idle_limit`` s), else a new one."""
        oldest = None if idle_limit is None else time.monotonic() - idle_limit
        with self._lock:
            idle = self._idle.get(origin[:3], [])
            while idle:
                connection = idle.pop()
                if (oldest is None or connection.idle_since >= oldest) and not connection.dropped():
                    return connection
                connection.close()
        return self._open(origin, timeout)

    def _open(self, origin: Origin, timeout: float) -> _Connection:
        """A new connection, tried ``connect_retries`` more times when it cannot be opened."""
        for attempt in range(self.connect_retries + 1):
            try:
                return self._connect(origin, timeout)
            except WireError as error:
                if error.kind == "SSLError" or attempt == self.connect_retries:
                    raise
            time.sleep(0 if attempt == 0 else 0.2 * 2 ** attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _connect(self, origin: Origin, timeout: float) -> _Connection:
        try:
            sock = socket.create_connection((origin.host, origin.port), timeout)
        except TimeoutError:
            raise WireError("ConnectTimeout", never_connected=True) from None
        except OSError as error:  # refused, unreachable, a name that does not resolve (gaierror) ...
            raise WireError("ConnectionError", never_connected=True, detail=type(error).__name__) from None
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if origin.scheme == "https":
                if self._tls is None:
                    self._tls = tls_context(self.verify)
                    if not self.verify:
                        log.warning("EVERY8D: TLS certificates are not verified (extra.verify is false): "
                                    "anyone on the path can read the password")
                sock = self._tls.wrap_socket(sock, server_hostname=origin.host)
        except WireError:
            sock.close()
            raise
        except TimeoutError:
            sock.close()
            raise WireError("ConnectTimeout", never_connected=True) from None
        except OSError:  # ssl.SSLError (a refused certificate, a failed handshake) is an OSError
            sock.close()
            raise WireError("SSLError", never_connected=True) from None
        return _Connection(sock)
