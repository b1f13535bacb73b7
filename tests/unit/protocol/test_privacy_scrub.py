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


@pytest.mark.parametrize("password", PASSWORDS)
@pytest.mark.parametrize("form", list(FORMS))
def test_a_long_page_of_digits_is_scrubbed_where_the_password_sits_at_its_end(password: str, form: str) -> None:
    """A status page holds no letter, so most secrets are ruled out by one character absent from it; the
    last row's NAME holding a form of the password must still be found."""
    when = "2026/12/02 08:02:22"
    rows = "".join(f"\t+88690000{row:04d}\t{when}\t1.0\t100\t{when}\r\n" for row in range(999))
    page = f"1000\r\n{rows}{FORMS[form](password)}\t+886900000999\t2026/12/02 08:02:22\t1.0\t100\t\r\n"
    expected = f"1000\r\n{rows}***\t+886900000999\t2026/12/02 08:02:22\t1.0\t100\t\r\n"
    assert scrub(page, [password]) == expected
    assert scrub(page.encode(), [password]) == expected.encode()
    clean = page.replace(FORMS[form](password), "Chen")
    assert scrub(clean, [password]) == clean


@pytest.mark.parametrize(("password", "text", "expected"), [
    ("a%2Fb", "PWD=a%2fb&", "PWD=***&"),  # a percent escape in the password: its hex matches in either case
    ("%2f", "PWD=%2F&", "PWD=***&"),
    ("k\\u00ABz", '{"PWD": "k\\u00abz"}', '{"PWD": "***"}'),  # a JSON escape in the password, hex lowered
    ("k\\u00ABz", "PWD=k\\U00ABz&", "PWD=***&"),  # the u of such an escape matches in either case too
    ("k\\u00abz", '{"PWD": "k\\\\u00ABz"}', '{"PWD": "***"}'),  # its JSON form (backslash escaped), hex raised
])
def test_an_escape_written_into_the_password_is_scrubbed_in_either_case(password: str, text: str,
                                                                          expected: str) -> None:
    """The letter-and-digit pre-check must not rule out a text where only such an escape's case differs."""
    assert scrub(text, [password]) == expected
    assert scrub(text.encode(), [password]) == expected.encode()
