"""``scrub``: a password or token is replaced in every form the wire gives it, at any length."""

from __future__ import annotations

import json
import re
from urllib.parse import quote, quote_plus

import pytest

from airflow_provider_every8d.protocol.privacy import excerpt, scrub

PASSWORDS = ["p@ss w/rd+&=%ü\"'<>\\", "ab", "x", "demo-pass_1.~", "密碼/2025"]
FORMS = {
    "raw": lambda s: s,
    "quote_plus": quote_plus,
    "quote": quote,
    "quote, nothing safe": lambda s: quote(s, safe=""),
    "lower-case escapes": lambda s: re.sub("%[0-9A-F]{2}", lambda m: m.group().lower(), quote_plus(s)),
    "JSON": lambda s: json.dumps(s)[1:-1],
    "JSON, UTF-8 kept": lambda s: json.dumps(s, ensure_ascii=False)[1:-1],
    "JSON, slash escaped": lambda s: json.dumps(s)[1:-1].replace("/", "\\/"),
    "JSON, upper-case hex": lambda s: json.dumps(s)[1:-1].replace("\\u00fc", "\\u00FC").replace("\\u5bc6", "\\u5BC6"),
}


@pytest.mark.parametrize("password", PASSWORDS)
@pytest.mark.parametrize("form", list(FORMS))
def test_every_encoding_of_the_password_is_scrubbed(password: str, form: str) -> None:
    encoded = FORMS[form](password)
    text = f"received UID=demo&PWD={encoded}&MSG=hi"
    assert scrub(text, [password]) == "received UID=demo&PWD=***&MSG=hi"
    assert scrub(text.encode(), [password]) == b"received UID=demo&PWD=***&MSG=hi"


def test_several_secrets_and_none_are_handled() -> None:
    text = '{"PWD": "hunter2", "token": "tok\\/en"}'
    assert scrub(text, [None, "", "hunter2", "tok/en"]) == '{"PWD": "***", "token": "***"}'
    assert scrub("nothing here", ["hunter2"]) == "nothing here"


def test_an_excerpt_never_quotes_the_form_encoded_password() -> None:
    body = "received UID=demo&PWD=p%40ss+w%2Frd"
    assert excerpt(body, "p@ss w/rd") == "received UID=demo&PWD=***"
