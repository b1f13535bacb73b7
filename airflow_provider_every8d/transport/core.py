"""What both transports share around the socket: the User-Agent, the way out (proxies), the logs, the answer.

No HTTP library here (the async transport must not load requests): the sync and async clients import
this, perform the steps of a :mod:`protocol.driver` and call :func:`next_step` for the next one, so the
retry warning and the masked-recipient debug line are written once, for both.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import urllib.request
from collections.abc import Mapping
from urllib.parse import SplitResult, urlsplit

from airflow_provider_every8d import __version__
from airflow_provider_every8d.protocol.api22 import for_api
from airflow_provider_every8d.protocol.driver import Answer, Pause, Step, Steps, advance
from airflow_provider_every8d.protocol.errors import Every8dTransportError
from airflow_provider_every8d.protocol.exchange import check_response
from airflow_provider_every8d.protocol.privacy import mask
from airflow_provider_every8d.protocol.request import ApiRequest
from airflow_provider_every8d.settings import ClientSettings

log = logging.getLogger("airflow_provider_every8d.transport")

USER_AGENT = f"airflow-provider-every8d/{__version__}"
"""Sent by both transports, with `` (requests)`` or `` (httpx)`` after it, so server logs show which ran."""
PROXY_SCHEMES = ("http", "https", "all")


def environment_ca_bundle() -> str | None:
    """The CA bundle the environment names for ``verify=True``, as requests reads it: REQUESTS_CA_BUNDLE,
    else CURL_CA_BUNDLE (both ways of the sync client)."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or None


def proxies_for(settings: ClientSettings) -> Mapping[str, str]:
    """The way out for ``settings.base_url``: the connection's ``extra.proxies`` whole, or else the
    environment's HTTP_PROXY / HTTPS_PROXY / ALL_PROXY (lower case wins), none when NO_PROXY names the host
    (``*``, a domain and its subdomains, ``host:port``, an address or a network such as ``10.0.0.0/8``).
    Read when a client is built; both transports go the same way."""
    if settings.proxies:
        return dict(settings.proxies)
    found = urllib.request.getproxies_environment()
    if _bypassed(urlsplit(settings.base_url), found.get("no", "")):
        return {}
    return {scheme: url for scheme, url in found.items() if scheme in PROXY_SCHEMES and url}


def _bypassed(url: SplitResult, no_proxy: str) -> bool:
    """NO_PROXY's rules (urllib's, plus networks for an address host, as requests reads them)."""
    host = (url.hostname or "").lower()
    if not host or not no_proxy:
        return False
    # proxy_bypass_environment: stdlib since Python 2, not in typeshed
    if urllib.request.proxy_bypass_environment(url.netloc.lower(), {"no": no_proxy}):  # type: ignore[attr-defined]
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    for entry in no_proxy.replace(" ", ",").split(","):
        try:
            if "/" in entry and address in ipaddress.ip_network(entry.strip(), strict=False):
                return True
        except ValueError:
            continue
    return False


def prepare(request: ApiRequest, settings: ClientSettings, token: str | None = None
            ) -> tuple[str, bytes, dict[str, str]]:
    """URL, body and headers of one POST, as the connection's API version wants the request
    (:func:`protocol.api22.for_api`); logs the masked recipients at DEBUG. With ``token`` (API 2.2,
    ``auth=token``) the body holds no UID/PWD and the token travels in ``Authorization`` only."""
    request = for_api(request, settings.api_version)
    if request.recipients and log.isEnabledFor(logging.DEBUG):
        shown = ", ".join(mask(number) for number in request.recipients[:3])
        more = f" and {len(request.recipients) - 3} more" if len(request.recipients) > 3 else ""
        log.debug("EVERY8D %s to %s%s", request.endpoint.path, shown, more)
    if token is not None:
        from airflow_provider_every8d.protocol.tokens import bearer_headers  # API 2.2 tokens only

        body, content_type = request.encode(None, None)
        return request.url(settings.base_url), body, {"Content-Type": content_type, **bearer_headers(token)}
    body, content_type = request.encode(settings.uid, settings.password)
    return request.url(settings.base_url), body, {"Content-Type": content_type}


def answer(status_code: int, body: bytes, request: ApiRequest, settings: ClientSettings) -> Answer:
    """What the driver is sent for an HTTP answer: the body of a 200, else the transport error."""
    try:
        secrets: str | list[str] = settings.password
        if settings.uses_token:  # the token cache is loaded by the first call with a token, not before
            from airflow_provider_every8d.transport.tokens import TOKENS

            secrets = [settings.password, *TOKENS.tokens_of(settings)]
        return check_response(status_code, body, request.endpoint.path, secrets)
    except Every8dTransportError as error:
        return error


def next_step(steps: Steps, outcome: Answer) -> Step | None:
    """The driver's next step (None when done); a pause is announced with the retry warning."""
    step = advance(steps, outcome)
    if isinstance(step, Pause):
        log.warning("EVERY8D %s failed (%s); trying again in %.1f s", step.request.endpoint.path, step.problem,
                    step.seconds)
    return step
