"""Connection -> client settings: a small typed view of an ``every8d`` connection.

UID is the connection's login and PWD its password: never in extra, never in the URL. Extra keys (all
optional): ``timeout`` (seconds, default 30), ``verify`` (TLS verification: bool or a CA bundle path),
``proxies`` (``{"https": "http://proxy:3128"}``; when given, they replace the environment's
HTTP_PROXY/HTTPS_PROXY/NO_PROXY for both transports), ``connect_retries`` (default 3; retries happen only when
the connection could not be opened, so a request is never sent twice); for accounts on the vendor's API
2.2 (docs/api-2.2.md): ``api_version`` (``"2.1"`` default, or ``"2.2"``), ``auth`` (``"password"`` default,
or ``"token"``: a bearer token from ConnectionHandler.ashx instead of UID/PWD on every service call; needs
2.2) and ``token_renew_after`` (seconds a token is used before a new one is got; default 7 hours, the
vendor advises a new one every 8). Other keys are ignored (and named in a warning): nothing from extra is
forwarded as a header or a field.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from airflow_provider_every8d.constants import CONN_TYPE
from airflow_provider_every8d.protocol.endpoints import base_url
from airflow_provider_every8d.protocol.errors import Every8dValidationError

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30.0
API_VERSIONS = ("2.1", "2.2")
AUTH_MODES = ("password", "token")
DEFAULT_TOKEN_RENEW_AFTER = 7 * 3600.0
"""Seconds a bearer token is used before a new one is got: the vendor advises a new token every 8 hours."""
EXTRA_KEYS = frozenset({"timeout", "verify", "proxies", "connect_retries", "api_version", "auth",
                        "token_renew_after"})
CREDENTIAL_KEYS = frozenset({"uid", "pwd", "password"})
"""Extra keys refused whatever their case: a credential in extra is shown in the UI and in exports."""


@dataclass(frozen=True)
class ClientSettings:
    """What a client needs from an ``every8d`` connection, checked (:func:`settings_from_parts`): the base URL
    with any path prefix, UID and PWD (the PWD never in the repr), and the extra's options with their defaults."""

    base_url: str
    uid: str
    password: str = field(repr=False)
    timeout: float = DEFAULT_TIMEOUT
    verify: bool | str = True
    proxies: Mapping[str, str] | None = None
    connect_retries: int = 3
    api_version: Literal["2.1", "2.2"] = "2.1"
    auth: Literal["password", "token"] = "password"
    token_renew_after: float = DEFAULT_TOKEN_RENEW_AFTER

    @property
    def uses_token(self) -> bool:
        """True when service calls carry ``Authorization: Bearer`` instead of UID/PWD (2.2, ``auth=token``)."""
        return self.auth == "token"


def _bool(value: Any, name: str) -> bool | str:
    if value is None:  # not set (a form's empty field as null): the default, on
        return True
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "1", "yes", ""):  # empty: not set (a form's blank field), so the default, on
            return True
        if lowered in ("false", "0", "no"):
            return False
        return value  # a CA bundle path
    raise Every8dValidationError(f"extra.{name}", f"expected true/false or a CA bundle path, got {value!r}")


TESTED_CONNECTION = "the connection being tested"


def tested_connection_message(error: Every8dValidationError, conn_id: str) -> str:
    """``error`` worded for a connection test: the UI's Test checks a copy of the form saved under a throwaway
    id (``Mv3zYJWi``) that the user never saw, so the connection is called "the connection being tested"."""
    field = error.field.removeprefix(f"{conn_id}.")
    problem = error.problem.replace(f"connection {conn_id!r}", TESTED_CONNECTION)
    if field == "every8d_conn_id":
        return problem[0].upper() + problem[1:]
    return f"{field} (in {TESTED_CONNECTION}): {problem}"


def settings_from_parts(conn_id: str, conn_type: str | None, host: str | None, port: int | None,
                        login: str | None, password: str | None, extra: Mapping[str, Any]) -> ClientSettings:
    """Build settings from a connection's fields; errors name the connection and the field."""
    if conn_type and conn_type.replace("-", "_").lower() != CONN_TYPE:
        raise Every8dValidationError("every8d_conn_id", f"connection {conn_id!r} has type {conn_type!r}, "
                                     f"not {CONN_TYPE!r}")
    if not login:
        raise Every8dValidationError(f"{conn_id}.login", "the UID (login) is empty")
    if not password:
        raise Every8dValidationError(f"{conn_id}.password", "the PWD (password) is empty")
    for key in extra:
        if str(key).lower() in CREDENTIAL_KEYS:  # any spelling: Pwd, PASSWORD ...
            raise Every8dValidationError(f"{conn_id}.extra.{key}", "credentials belong in login and password, "
                                         "not in extra")
    unknown = sorted(set(extra) - EXTRA_KEYS)
    if unknown:
        log.warning("Connection %s: ignoring unknown extra key(s) %s", conn_id, unknown)
    timeout = extra.get("timeout", DEFAULT_TIMEOUT)
    try:
        timeout = float(timeout)
    except (TypeError, ValueError):
        raise Every8dValidationError(f"{conn_id}.extra.timeout", f"{timeout!r} is not a number of seconds") \
            from None
    if not 0 < timeout <= 600:
        raise Every8dValidationError(f"{conn_id}.extra.timeout", f"{timeout} must be between 0 and 600 s")
    proxies = extra.get("proxies")
    if proxies is not None and not (isinstance(proxies, Mapping)
                                    and all(isinstance(v, str) for v in proxies.values())):
        raise Every8dValidationError(f"{conn_id}.extra.proxies", "expected a mapping like "
                                     '{"https": "http://proxy:3128"}')
    retries = extra.get("connect_retries", 3)
    if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= 10:
        raise Every8dValidationError(f"{conn_id}.extra.connect_retries", f"{retries!r} must be 0 to 10")
    api_version, auth, renew_after = _api22_options(conn_id, extra)
    try:
        url = base_url(host, port)
    except Every8dValidationError as error:
        raise Every8dValidationError(f"{conn_id}.{error.field}", error.problem) from None
    return ClientSettings(base_url=url, uid=login, password=password, timeout=timeout,
                          verify=_bool(extra.get("verify", True), "verify"),
                          proxies=dict(proxies) if proxies else None, connect_retries=retries,
                          api_version=api_version, auth=auth, token_renew_after=renew_after)


def _api22_options(conn_id: str, extra: Mapping[str, Any]) -> tuple[Any, Any, float]:
    """``api_version``, ``auth`` and ``token_renew_after`` checked: errors name the extra key."""
    version = extra.get("api_version") or "2.1"
    version = str(version).strip() if isinstance(version, (str, float)) else version
    if version not in API_VERSIONS:
        raise Every8dValidationError(f"{conn_id}.extra.api_version", f"{version!r} is not one of "
                                     f"{', '.join(API_VERSIONS)}")
    auth = extra.get("auth") or "password"
    auth = auth.strip().lower() if isinstance(auth, str) else auth
    if auth not in AUTH_MODES:
        raise Every8dValidationError(f"{conn_id}.extra.auth", f"{auth!r} is not one of {', '.join(AUTH_MODES)}")
    if auth == "token" and version != "2.2":
        raise Every8dValidationError(f"{conn_id}.extra.auth", 'a bearer token needs API 2.2: set '
                                     'extra.api_version to "2.2" (ConnectionHandler.ashx is not in 2.1)')
    renew = extra.get("token_renew_after", DEFAULT_TOKEN_RENEW_AFTER)
    if isinstance(renew, bool) or not isinstance(renew, (int, float)) or not 1 <= renew <= 8 * 3600:
        raise Every8dValidationError(f"{conn_id}.extra.token_renew_after", f"{renew!r} must be a number of "
                                     "seconds from 1 to 28800 (8 hours)")
    return version, auth, float(renew)
