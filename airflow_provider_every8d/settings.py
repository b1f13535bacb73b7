"""Connection -> client settings: a small typed view of an ``every8d`` connection.

UID is the connection's login and PWD its password: never in extra, never in the URL. Extra keys (all
optional): ``timeout`` (seconds, default 30), ``verify`` (TLS verification: bool or a CA bundle path),
``proxies`` (``{"https": "http://proxy:3128"}``; when given, they replace the environment's
HTTP_PROXY/HTTPS_PROXY/NO_PROXY for both transports), ``connect_retries`` (default 3; retries happen only when
the connection could not be opened, so a request is never sent twice). Other keys are ignored (and
named in a warning): nothing from extra is forwarded as a header or a field.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_every8d.constants import CONN_TYPE
from airflow_provider_every8d.protocol.endpoints import base_url
from airflow_provider_every8d.protocol.errors import Every8dValidationError

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30.0
EXTRA_KEYS = frozenset({"timeout", "verify", "proxies", "connect_retries"})
CREDENTIAL_KEYS = frozenset({"uid", "pwd", "password"})
"""Extra keys refused whatever their case: a credential in extra is shown in the UI and in exports."""


@dataclass(frozen=True)
class ClientSettings:
    base_url: str
    uid: str
    password: str = field(repr=False)
    timeout: float = DEFAULT_TIMEOUT
    verify: bool | str = True
    proxies: Mapping[str, str] | None = None
    connect_retries: int = 3


def _bool(value: Any, name: str) -> bool | str:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "1", "yes"):
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
    try:
        url = base_url(host, port)
    except Every8dValidationError as error:
        raise Every8dValidationError(f"{conn_id}.{error.field}", error.problem) from None
    return ClientSettings(base_url=url, uid=login, password=password, timeout=timeout,
                          verify=_bool(extra.get("verify", True), "verify"),
                          proxies=dict(proxies) if proxies else None, connect_retries=retries)
