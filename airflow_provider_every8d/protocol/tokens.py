"""API 2.2's bearer tokens (``ConnectionHandler.ashx``): the requests, their answers, and what a refused
token looks like on a service endpoint.

- get: ``{"HandlerType": 3, "VerifyType": 1, "UID", "PWD"}`` -> ``{"Result": true, "Msg": "<token>"}``;
- check / close: ``Authorization: Bearer <token>`` and ``{"HandlerType": 3, "VerifyType": 2 | 3}`` ->
  ``{"Result": true}``;
- a failure: ``{"Result": false, "Status": "<code>", "Msg": "<text>"}`` -> :class:`Every8dApiError`.

The token is a credential: no error of this module quotes an answer that may hold it, and a token that
could not travel in an HTTP header unchanged (white space, control or non-ASCII characters) is refused
rather than sent. Readings of what the vendor leaves open are in docs/wire-decisions.md ("API 2.2").
"""

from __future__ import annotations

import json
import re
from typing import Any

from airflow_provider_every8d.protocol.answers import decode, refusal
from airflow_provider_every8d.protocol.endpoints import Endpoint
from airflow_provider_every8d.protocol.errors import Every8dApiError, Every8dResponseError
from airflow_provider_every8d.protocol.json_reports import refusal_of
from airflow_provider_every8d.protocol.request import ApiRequest

HANDLER_TYPE = 3
GET, CHECK, CLOSE = 1, 2, 3
"""``VerifyType``: get a token (with UID/PWD), check one, close one (both with the token as bearer)."""
TOKEN_REFUSED = -2
"""The code a service endpoint answers for a token it no longer takes (read as 2.1's "wrong account or
password": with a bearer token there is no password, so it can only mean the token)."""
_TOKEN_RE = re.compile(r"[\x21-\x7e]{1,4096}")
_JSON_ENDPOINTS = frozenset({Endpoint.SEND_PARAM_SMS, Endpoint.SEND_PARAM, Endpoint.CONNECTION_HANDLER})


def _document(body: bytes) -> dict[str, Any]:
    endpoint = Endpoint.CONNECTION_HANDLER
    text = decode(body, endpoint)
    found = refusal(text)
    if found is not None:  # a plain -CODE, as every other endpoint answers
        raise Every8dApiError(found[0], found[1], endpoint.path)
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        raise Every8dResponseError("not JSON", "", endpoint.path) from None
    if not isinstance(document, dict) or not any(str(key).lower() == "result" for key in document):
        raise Every8dResponseError("JSON without Result", "", endpoint.path)
    fields = {str(key).strip().lower(): value for key, value in document.items()}
    result = fields["result"]
    if result is not True and str(result).strip().lower() not in ("true", "1"):
        raise refusal_of(fields, endpoint)
    return fields


def parse_token(body: bytes) -> str:
    """The token of a get answer; a refusal raises :class:`Every8dApiError` (wrong UID/PWD: the platform's
    Status), a token unfit for a header :class:`Every8dResponseError` (never quoting it)."""
    token = str(_document(body).get("msg") or "").strip()
    if not _TOKEN_RE.fullmatch(token):
        raise Every8dResponseError(f"the token ({len(token)} characters) is empty or holds white space, control "
                                   "or non-ASCII characters", "", Endpoint.CONNECTION_HANDLER.path)
    return token


def parse_done(body: bytes) -> bool:
    """A check or close answer: True for ``{"Result": true}``; a refusal raises :class:`Every8dApiError`."""
    _document(body)
    return True


def _request(verify_type: int, parser: Any) -> ApiRequest:
    return ApiRequest(Endpoint.CONNECTION_HANDLER,
                      json_fields={"HandlerType": HANDLER_TYPE, "VerifyType": verify_type}, parser=parser)


def token_request() -> ApiRequest:
    """Get a token: encoded with UID and PWD (the one request of a token connection that carries them)."""
    return _request(GET, parse_token)


def check_token_request() -> ApiRequest:
    """Check a token: encoded without credentials, the token in ``Authorization``."""
    return _request(CHECK, parse_done)


def close_token_request() -> ApiRequest:
    """Close a token: encoded without credentials, the token in ``Authorization``."""
    return _request(CLOSE, parse_done)


def bearer_headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def is_token_refusal(status_code: int, body: bytes, endpoint: Endpoint) -> bool:
    """True when a service call made with a bearer token was refused for the token (nothing was done).

    The vendor does not document the shape, so each of these counts: HTTP 401; the token endpoint's
    failure shape ``{"Result": false, ...}`` from an endpoint that answers text (any Status), or with
    Status -2 from a JSON endpoint (1.5); the text answer ``-2`` (``-2,...``). Any other answer is left
    to the endpoint's parser.
    """
    if status_code == 401:
        return True
    if status_code != 200 or endpoint is Endpoint.CONNECTION_HANDLER:
        return False
    try:
        text = decode(body, endpoint)
    except Every8dApiError as error:  # a refusal in Big5 (a zh-TW .NET server's default)
        return error.code == TOKEN_REFUSED
    except Every8dResponseError:
        return False
    if text[:1] == "{":
        try:
            document = json.loads(text)
        except (ValueError, RecursionError):
            return False
        fields = {str(key).strip().lower(): value for key, value in document.items()} \
            if isinstance(document, dict) else {}
        if fields.get("result") is not False and str(fields.get("result")).strip().lower() != "false":
            return False
        return endpoint not in _JSON_ENDPOINTS or str(fields.get("status", "")).strip() == str(TOKEN_REFUSED)
    found = refusal(text)
    return found is not None and found[0] == TOKEN_REFUSED


def refused_again(endpoint: Endpoint) -> Every8dApiError:
    """The error when a call is refused with a token got just before (nothing was sent)."""
    return Every8dApiError(TOKEN_REFUSED, "the platform refused a new bearer token too; nothing was sent",
                           endpoint.path)

