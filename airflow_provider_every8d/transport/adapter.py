"""The sync transport's POST: requests' own pool, proxies, TLS checks and connect retries, without the rest of
its per-request machinery.

``Session.post`` spends about 0.35 ms of CPU a request around the exchange itself (a status scan's page is
about 1 ms; benchmarks/profiles/status_scan_cprofile.txt): it merges the session's settings into a
Request, prepares it, wraps urllib3's answer in a Response (headers copied, cookies looked for), looks
for a redirect to describe and reads the body in 10 KB pieces. ``HTTPAdapter.send`` then chooses the
pool again for every request (the proxy for the URL, the pool key from the URL and the TLS settings, the
CA bundle looked for on disk, the path or the whole URL to ask for): about 0.1-0.2 ms more.

:meth:`Every8dAdapter.post` makes that choice for a plain session with requests' own methods
(``get_connection_with_tls_context``, ``cert_verify``, ``request_url``: the pool, the proxy and NO_PROXY
choice, the TLS settings are requests'), once per URL, TLS settings and proxies, kept until the adapter
is closed (``Session.close``); it calls the pool's ``urlopen`` as ``send`` calls it (the same arguments,
the same retries: connect retries only), turns urllib3's errors into the exceptions ``send`` raises,
keeps urllib3's answer and reads it whole. What it does not do, it leaves to ``Session.post``: a session
with auth, hooks, cookies, params or ``trust_env``, a URL with credentials in it, and an answer that is a
redirect or sets a cookie (requests' own tail describes those).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import requests
from requests.adapters import HTTPAdapter
from requests.cookies import RequestsCookieJar, extract_cookies_to_jar
from requests.exceptions import InvalidURL
from requests.models import CONTENT_CHUNK_SIZE, REDIRECT_STATI, PreparedRequest
from requests.structures import CaseInsensitiveDict
from requests.utils import check_header_validity, get_auth_from_url
from urllib3 import exceptions as urllib3_errors
from urllib3.exceptions import DecodeError, LocationValueError, ProtocolError, ReadTimeoutError, SSLError
from urllib3.util import Timeout

_COOKIE_HEADERS = ("set-cookie", "set-cookie2")
_KEPT_HEADER_SETS = 8
_KEPT_ROUTES = 8


class _Lean(PreparedRequest):
    """A request sent by :meth:`Every8dAdapter.post`: its answer stays urllib3's (no Response built)."""


class _Route(NamedTuple):
    """Where ``HTTPAdapter.send`` would send a request: urllib3's pool, and what to ask it for (the path,
    or the whole URL through an HTTP proxy)."""

    pool: Any
    target: str


class Every8dAdapter(HTTPAdapter):
    """requests' ``HTTPAdapter`` (mounted by the client for http:// and https://) with :meth:`post`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._new_caches()

    def _new_caches(self) -> None:
        self._urls: dict[str, str] = {}
        self._merged: dict[tuple[object, ...], dict[str, str]] = {}
        self._routes: dict[tuple[object, ...], _Route] = {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        """A copied or unpickled adapter (requests keeps only ``__attrs__``) gets empty caches, not none."""
        super().__setstate__(state)  # type: ignore[misc]  # requests defines it; its stubs do not
        self._new_caches()

    def close(self) -> None:
        """requests' ``close`` (urllib3 forgets its pools), and no route kept from before."""
        self._routes.clear()
        super().close()

    def build_response(self, req: PreparedRequest, resp: Any) -> requests.Response:
        if isinstance(req, _Lean):
            return resp  # type: ignore[no-any-return]  # post() reads urllib3's answer itself
        return super().build_response(req, resp)

    def post(self, session: requests.Session, url: str, *, body: bytes, headers: dict[str, str],
             timeout: float) -> tuple[int, bytes] | None:
        """``session.post(url, data=body, headers=headers, timeout=timeout, allow_redirects=False)`` as
        (status, content), the same bytes on the wire; None, before anything is sent, where the session or
        the URL needs requests' whole way (the caller then takes it), or where requests is older than
        2.32.2 (no ``get_connection_with_tls_context``). Raises what ``session.post`` raises."""
        if session.trust_env or session.auth is not None or session.params or session.cookies \
                or any(session.hooks.values()) or session.get_adapter(url) is not self \
                or not hasattr(self, "get_connection_with_tls_context"):
            return None
        request = _Lean()
        request.method, request.url, request.body = "POST", self._prepared_url(url), body or None
        if request.url is None:
            return None
        wire = {**self._headers(session, headers), "Content-Length": str(len(body))}
        proxies = {scheme: proxy for scheme, proxy in session.proxies.items() if proxy is not None}
        sent_with = {"timeout": timeout, "proxies": proxies, "verify": session.verify, "cert": session.cert}
        route = self._route(request, sent_with)
        try:  # HTTPAdapter.send's call (preload_content=False: _content reads it, as requests would)
            answer: Any = route.pool.urlopen(
                method="POST", url=route.target, body=request.body, headers=wire, redirect=False,
                assert_same_host=False, preload_content=False, decode_content=False, retries=self.max_retries,
                timeout=Timeout(connect=timeout, read=timeout), chunked=False)
        except (OSError, urllib3_errors.HTTPError) as error:  # every error send() turns into requests' own
            mapped = _as_requests_error(error, request)
            if mapped is error:
                raise
            raise mapped from error
        redirect = answer.status in REDIRECT_STATI and "location" in answer.headers
        if redirect or any(name in answer.headers for name in _COOKIE_HEADERS):
            request.headers = CaseInsensitiveDict(wire)  # what requests' cookie and redirect code read
            if redirect:
                return self._redirect(session, request, answer, sent_with)
            extract_cookies_to_jar(session.cookies, request, answer)
        return answer.status, _content(answer)

    def _route(self, request: PreparedRequest, sent_with: dict[str, Any]) -> _Route:
        """``HTTPAdapter.send``'s choice of pool and target for ``request`` (requests' own methods), kept
        for the next request to the same URL with the same TLS settings and proxies until :meth:`close`
        (or urllib3 closes that pool)."""
        verify, cert, proxies = sent_with["verify"], sent_with["cert"], sent_with["proxies"]
        key = (request.url, verify, str(cert), *proxies.items())
        route = self._routes.get(key)
        if route is not None and route.pool.pool is not None:
            return route
        try:
            pool = self.get_connection_with_tls_context(request, verify, proxies=proxies, cert=cert)
        except LocationValueError as error:
            raise InvalidURL(error, request=request) from error
        self.cert_verify(pool, str(request.url), verify, cert)
        route = _Route(pool, self.request_url(request, proxies))
        if len(self._routes) >= _KEPT_ROUTES:
            self._routes.clear()
        self._routes[key] = route
        return route

    def _headers(self, session: requests.Session, headers: dict[str, str]) -> dict[str, str]:
        """The session's headers with ``headers`` over them, checked, as ``prepare`` gives them (kept for
        the next request with the same ones: a bearer token changes them only at a renewal)."""
        key = (*session.headers.items(), None, *headers.items())
        found = self._merged.get(key)
        if found is None:
            merged: CaseInsensitiveDict[Any] = CaseInsensitiveDict(session.headers)
            merged.update(headers)
            for name, value in merged.items():
                if value is not None:
                    check_header_validity((name, value))
            # a Content-Length among them keeps its place, as prepare() sets it: post() gives its value
            found = {"Content-Length" if name.lower() == "content-length" else name: value
                     for name, value in merged.items() if value is not None}
            if len(self._merged) >= _KEPT_HEADER_SETS:
                self._merged.clear()
            self._merged[key] = found
        return found

    def _prepared_url(self, url: str) -> str | None:
        """``url`` as requests prepares it (IDNA host, quoting), once per URL; None when it carries
        credentials (requests would send them as basic auth)."""
        prepared = self._urls.get(url)
        if prepared is None:
            if any(get_auth_from_url(url)):
                return None
            probe = PreparedRequest()
            probe.prepare_url(url, None)
            prepared = self._urls[url] = str(probe.url)
        return prepared

    def _redirect(self, session: requests.Session, request: PreparedRequest, answer: Any,
                  sent_with: dict[str, Any]) -> tuple[int, bytes]:
        """A redirect answer as ``Session.send`` ends it when it does not follow: the Response, its cookies,
        the next request described (which may raise), then the body."""
        response = super().build_response(request, answer)
        request._cookies = RequestsCookieJar()  # type: ignore[attr-defined]  # prepare()'s: the session's (empty)
        extract_cookies_to_jar(session.cookies, request, answer)
        next(session.resolve_redirects(response, request, yield_requests=True, stream=False, **sent_with), None)
        return response.status_code, response.content


def _content(answer: Any) -> bytes:
    """The whole body, decoded as ``Response.content`` decodes it, with its exceptions for each failure: in
    one read when its length is known (``stream`` reads 10 KB at a time, the same bytes and errors), piece
    by piece when chunked (urllib3's chunk reader is the one that names a bad chunk a ProtocolError)."""
    try:
        if not answer.chunked:
            return answer.read(decode_content=True) or b""  # type: ignore[no-any-return]
        return b"".join(answer.stream(CONTENT_CHUNK_SIZE, decode_content=True))
    except ProtocolError as error:
        raise requests.exceptions.ChunkedEncodingError(error) from error
    except DecodeError as error:
        raise requests.exceptions.ContentDecodingError(error) from error
    except ReadTimeoutError as error:
        raise requests.exceptions.ConnectionError(error) from error
    except SSLError as error:
        raise requests.exceptions.SSLError(error) from error


def _as_requests_error(error: Exception, request: PreparedRequest) -> Exception:
    """The exception ``HTTPAdapter.send`` raises for what urllib3's ``urlopen`` raised (the same order of
    checks, requests 2.32 to 2.34): the transport judges "never connected" from its type and cause."""
    exc = requests.exceptions
    if isinstance(error, (ProtocolError, OSError)):
        return exc.ConnectionError(error, request=request)
    if isinstance(error, urllib3_errors.MaxRetryError):
        reason = error.reason
        if isinstance(reason, urllib3_errors.ConnectTimeoutError) \
                and not isinstance(reason, urllib3_errors.NewConnectionError):
            return exc.ConnectTimeout(error, request=request)
        if isinstance(reason, urllib3_errors.ResponseError):
            return exc.RetryError(error, request=request)
        if isinstance(reason, urllib3_errors.ProxyError):
            return exc.ProxyError(error, request=request)
        if isinstance(reason, SSLError):
            return exc.SSLError(error, request=request)
        return exc.ConnectionError(error, request=request)
    if isinstance(error, urllib3_errors.ClosedPoolError):
        return exc.ConnectionError(error, request=request)
    if isinstance(error, urllib3_errors.ProxyError):
        return exc.ProxyError(error)
    if isinstance(error, SSLError):
        return exc.SSLError(error, request=request)
    if isinstance(error, ReadTimeoutError):
        return exc.ReadTimeout(error, request=request)
    if isinstance(error, urllib3_errors.InvalidHeader):
        return exc.InvalidHeader(error, request=request)
    return error
