"""The sync transport's POST: requests' own pool, proxies, TLS checks and connect retries, without the rest of
its per-request machinery.

``Session.post`` spends about 0.35 ms of CPU a request around the exchange itself (a status scan's page is
about 1 ms; benchmarks/profiles/status_scan_cprofile.txt): it merges the session's settings into a
Request, prepares it, wraps urllib3's answer in a Response (headers copied, cookies looked for), looks
for a redirect to describe and reads the body in 10 KB pieces. :meth:`Every8dAdapter.post` sends the same
request for a plain session through requests' own ``HTTPAdapter.send`` (so the pool, the proxy and
NO_PROXY choice, the TLS settings, the connect retries and the exceptions for each failure are
requests'), keeps urllib3's answer and reads it whole. What it does not do, it leaves to ``Session.post``:
a session with auth, hooks, cookies, params or ``trust_env``, a URL with credentials in it, and an answer
that is a redirect or sets a cookie (requests' own tail describes those).
"""

from __future__ import annotations

from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.cookies import RequestsCookieJar, extract_cookies_to_jar
from requests.models import CONTENT_CHUNK_SIZE, REDIRECT_STATI, PreparedRequest
from requests.structures import CaseInsensitiveDict
from requests.utils import check_header_validity, get_auth_from_url
from urllib3.exceptions import DecodeError, ProtocolError, ReadTimeoutError, SSLError

_COOKIE_HEADERS = ("set-cookie", "set-cookie2")
_KEPT_HEADER_SETS = 8


class _Lean(PreparedRequest):
    """A request sent by :meth:`Every8dAdapter.post`: its answer stays urllib3's (no Response built)."""


class Every8dAdapter(HTTPAdapter):
    """requests' ``HTTPAdapter`` (mounted by the client for http:// and https://) with :meth:`post`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._new_caches()

    def _new_caches(self) -> None:
        self._urls: dict[str, str] = {}
        self._merged: dict[tuple[object, ...], CaseInsensitiveDict[str]] = {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        """A copied or unpickled adapter (requests keeps only ``__attrs__``) gets empty caches, not none."""
        super().__setstate__(state)  # type: ignore[misc]  # requests defines it; its stubs do not
        self._new_caches()

    def build_response(self, req: PreparedRequest, resp: Any) -> requests.Response:
        if isinstance(req, _Lean):
            return resp  # type: ignore[no-any-return]  # post() reads urllib3's answer itself
        return super().build_response(req, resp)

    def post(self, session: requests.Session, url: str, *, body: bytes, headers: dict[str, str],
             timeout: float) -> tuple[int, bytes] | None:
        """``session.post(url, data=body, headers=headers, timeout=timeout, allow_redirects=False)`` as
        (status, content), the same bytes on the wire; None, before anything is sent, where the session or
        the URL needs requests' whole way (the caller then takes it). Raises what ``session.post`` raises."""
        if session.trust_env or session.auth is not None or session.params or session.cookies \
                or any(session.hooks.values()) or session.get_adapter(url) is not self:
            return None
        request = _Lean()
        request.method, request.url, request.body = "POST", self._prepared_url(url), body or None
        if request.url is None:
            return None
        request.headers = self._headers(session, headers).copy()
        request.headers["Content-Length"] = str(len(body))
        proxies = {scheme: proxy for scheme, proxy in session.proxies.items() if proxy is not None}
        verify: Any = session.verify
        answer: Any = self.send(request, timeout=timeout, verify=verify,
                                cert=session.cert, proxies=proxies)
        if answer.status in REDIRECT_STATI and "location" in answer.headers:
            return self._redirect(session, request, answer,
                                  {"timeout": timeout, "proxies": proxies, "verify": verify, "cert": session.cert})
        if any(name in answer.headers for name in _COOKIE_HEADERS):
            extract_cookies_to_jar(session.cookies, request, answer)
        return answer.status, _content(answer)

    def _headers(self, session: requests.Session, headers: dict[str, str]) -> CaseInsensitiveDict[str]:
        """The session's headers with ``headers`` over them, checked, as ``prepare`` gives them (kept for
        the next request with the same ones: a bearer token changes them only at a renewal)."""
        key = (*session.headers.items(), None, *headers.items())
        found = self._merged.get(key)
        if found is None:
            merged: CaseInsensitiveDict[Any] = CaseInsensitiveDict(session.headers)
            merged.update(headers)
            found = CaseInsensitiveDict()
            for name, value in merged.items():
                if value is not None:
                    check_header_validity((name, value))
                    found[name] = value
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
