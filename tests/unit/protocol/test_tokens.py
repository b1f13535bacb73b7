"""API 2.2 tokens: the ConnectionHandler requests, their answers, and what a refused token looks like."""

from __future__ import annotations

import json

import pytest

from airflow_provider_every8d.protocol import tokens
from airflow_provider_every8d.protocol.endpoints import Endpoint
from airflow_provider_every8d.protocol.errors import Every8dApiError, Every8dResponseError

TOKEN = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.T0tFTg"


@pytest.mark.parametrize(("build", "verify_type", "credentials"), [
    (tokens.token_request, 1, {"UID": "demo", "PWD": "pw"}),
    (tokens.check_token_request, 2, {}),
    (tokens.close_token_request, 3, {}),
])
def test_requests_carry_handler_and_verify_type(build, verify_type, credentials) -> None:
    request = build()
    uid, pwd = ("demo", "pw") if credentials else (None, None)
    body, content_type = request.encode(uid, pwd)
    assert request.url("https://new.e8d.tw") == "https://new.e8d.tw/API21/HTTP/ConnectionHandler.ashx"
    assert content_type.startswith("application/json")
    assert json.loads(body) == {**credentials, "HandlerType": 3, "VerifyType": verify_type}


def test_a_bearer_call_has_no_credentials_in_its_body() -> None:
    body, _ = tokens.check_token_request().encode(None, None)
    assert b"UID" not in body and b"PWD" not in body
    assert tokens.bearer_headers(TOKEN) == {"Authorization": f"Bearer {TOKEN}"}


@pytest.mark.parametrize("body", [
    json.dumps({"Result": True, "Msg": TOKEN}),
    json.dumps({"result": "true", "msg": f"  {TOKEN}\n"}),
    "\ufeff" + json.dumps({"Result": 1, "Msg": TOKEN}),
])
def test_the_token_is_read_from_msg(body: str) -> None:
    assert tokens.parse_token(body.encode()) == TOKEN


@pytest.mark.parametrize(("body", "code"), [
    ({"Result": False, "Status": "-2", "Msg": "帳號或密碼錯誤"}, -2),
    ({"Result": False, "Status": "-1", "Msg": "參數錯誤"}, -1),
    ({"Result": "false", "Status": "x", "Msg": "?"}, -99),
])
def test_a_refused_get_names_the_platform_code(body: dict, code: int) -> None:
    with pytest.raises(Every8dApiError) as caught:
        tokens.parse_token(json.dumps(body, ensure_ascii=False).encode())
    assert caught.value.code == code and caught.value.endpoint == "ConnectionHandler.ashx"


@pytest.mark.parametrize("token", ["", "a b", "a\r\nX-Evil: 1", "tökén"])
def test_a_token_unfit_for_a_header_is_refused_without_quoting_it(token: str) -> None:
    with pytest.raises(Every8dResponseError) as caught:
        tokens.parse_token(json.dumps({"Result": True, "Msg": token}).encode())
    if token.strip():
        assert token.strip() not in str(caught.value)


@pytest.mark.parametrize("body", [b"not json", b"[1]", b'{"Msg": "x"}'])
def test_answers_without_result_are_response_errors(body: bytes) -> None:
    with pytest.raises(Every8dResponseError):
        tokens.parse_token(body)


def test_check_and_close_answers() -> None:
    assert tokens.parse_done(b'{"Result": true}') is True
    with pytest.raises(Every8dApiError):
        tokens.parse_done(b'{"Result": false, "Status": "-2", "Msg": "token expired"}')


REFUSED = json.dumps({"Result": False, "Status": "-2", "Msg": "Token 已失效"}, ensure_ascii=False).encode()


@pytest.mark.parametrize(("status", "body", "endpoint", "refused"), [
    (401, b"", Endpoint.SEND_SMS, True),
    (200, REFUSED, Endpoint.SEND_SMS, True),
    (200, b'{"Result": false, "Status": "-9", "Msg": "?"}', Endpoint.CREDIT, True),
    (200, "-2,帳號或密碼錯誤".encode(), Endpoint.DELIVERY_STATUS, True),
    (200, b"-2", Endpoint.CREDIT, True),
    (200, "-2,帳號或密碼錯誤".encode("cp950"), Endpoint.CREDIT, True),
    (200, REFUSED, Endpoint.SEND_PARAM, True),
    (200, b'{"Result": false, "Status": "-28", "Msg": "SendTime"}', Endpoint.SEND_PARAM, False),
    (200, b"-306,0900000001", Endpoint.SEND_SMS, False),
    (200, b"1230.00,1,1,0,220478cc-8506-49b2-93b7-2505f651c12e", Endpoint.SEND_SMS, False),
    (200, b"2310.00", Endpoint.CREDIT, False),
    (500, REFUSED, Endpoint.SEND_SMS, False),
    (200, REFUSED, Endpoint.CONNECTION_HANDLER, False),
])
def test_what_counts_as_a_refused_token(status: int, body: bytes, endpoint: Endpoint, refused: bool) -> None:
    assert tokens.is_token_refusal(status, body, endpoint) is refused
