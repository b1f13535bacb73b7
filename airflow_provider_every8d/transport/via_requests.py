"""The sync transport's way through requests: a proxy, a netrc entry, or a caller's own ``requests.Session``.

A client whose connection goes straight to the server takes :mod:`transport.wire` instead (no requests
import at all); this module is loaded only when a client needs it. The session reads the environment
once (:func:`_read_environment_once`), and its POST is :class:`transport.adapter.Every8dAdapter`'s lean
one, which falls back to ``Session.post`` where the session needs requests' whole way.
"""

from __future__ import annotations

from collections.abc import Mapping

import requests
from urllib3.exceptions import NewConnectionError
from urllib3.util.retry import Retry

from airflow_provider_every8d.protocol.errors import Every8dTransportError
from airflow_provider_every8d.protocol.exchange import connection_failed
from airflow_provider_every8d.settings import ClientSettings
from airflow_provider_every8d.transport.adapter import Every8dAdapter
from airflow_provider_every8d.transport.core import USER_AGENT, environment_ca_bundle
from airflow_provider_every8d.transport.http11 import WireError


def _never_connected(error: requests.RequestException) -> bool:
    """True when the request certainly did not reach the server."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, NewConnectionError):
            return True
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            current = reason
            continue
        current = current.args[0] if current.args and isinstance(current.args[0], BaseException) else None
    return False


def _read_environment_once(session: requests.Session, settings: ClientSettings, way_out: Mapping[str, str]
                           ) -> None:
    """Apply the way out (``way_out``: :func:`transport.core.proxies_for`, the same for both transports),
    the CA bundle and the netrc entry to ``session`` once, then stop requests from re-reading the
    environment: with ``trust_env`` it scans ``os.environ`` twice per request (about 0.4 ms, a sixth of a
    status scan's CPU; benchmarks/RESULTS.md). REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE replace ``verify=True``.
    Changes to the environment after the client is built are not seen."""
    if settings.proxies:
        session.proxies.update(settings.proxies)
    if not session.trust_env:
        return
    session.proxies = dict(session.proxies) or dict(way_out)  # explicit ones replace it whole
    auth = requests.utils.get_netrc_auth(settings.base_url)
    if session.verify is True or session.verify is None:  # what merge_environment_settings would give, without
        # its two more scans of the environment for proxies (two thirds of building a client)
        session.verify = environment_ca_bundle() or session.verify
    if auth and session.auth is None:
        session.auth = auth
    session.trust_env = False


class RequestsWay:
    """One ``requests.Session`` (kept-alive connections, connect retries) for a client's POSTs."""

    def __init__(self, settings: ClientSettings, session: requests.Session | None, way_out: Mapping[str, str]
                 ) -> None:
        self.settings = settings
        self.session = session or requests.Session()
        retry = Retry(total=settings.connect_retries, connect=settings.connect_retries, read=0, status=0,
                      other=0, redirect=0, backoff_factor=0.2, allowed_methods=None, raise_on_status=False)
        self.adapter = Every8dAdapter(max_retries=retry, pool_maxsize=4)
        self.session.mount("http://", self.adapter)
        self.session.mount("https://", self.adapter)
        self.session.headers["User-Agent"] = f"{USER_AGENT} (requests)"
        self.session.verify = settings.verify
        _read_environment_once(self.session, settings, way_out)

    def post(self, url: str, *, body: bytes, headers: dict[str, str], endpoint: str
             ) -> tuple[int, bytes] | Every8dTransportError:
        timeout = self.settings.timeout
        try:  # a redirect is never followed: it would POST the password (and a send) to another place
            answered = self.adapter.post(self.session, url, body=body, headers=headers, timeout=timeout)
            if answered is None:  # a session that needs requests' whole way (transport/adapter.py)
                response = self.session.post(url, data=body, headers=headers, timeout=timeout,
                                             allow_redirects=False)
                answered = response.status_code, response.content
        except requests.RequestException as error:
            return connection_failed(error, _never_connected(error), endpoint)
        except OSError as error:  # requests' CA bundle check (cert_verify) raises it before anything is sent;
            # any other (a caller's response hook ...) may come after the request went out
            if "CA certificate bundle" not in str(error):
                return connection_failed(error, False, endpoint)
            missing = WireError("SSLError", never_connected=True, detail="the CA bundle (extra.verify, or "
                                "REQUESTS_CA_BUNDLE) was not found")
            return connection_failed(missing, True, endpoint)
        return answered

    def close(self) -> None:
        self.session.close()
