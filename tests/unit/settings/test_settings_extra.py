"""The connection's extra: credentials are refused in any spelling, before anything is sent."""

from __future__ import annotations

import pytest

from airflow_provider_every8d.protocol.errors import Every8dValidationError
from airflow_provider_every8d.settings import settings_from_parts


@pytest.mark.parametrize("key", ["uid", "UID", "Uid", "pwd", "PWD", "Pwd", "password", "Password", "PASSWORD"])
def test_a_credential_in_extra_is_refused_whatever_its_case(key: str) -> None:
    with pytest.raises(Every8dValidationError) as caught:
        settings_from_parts("conn", "every8d", "http://127.0.0.1", None, "demo", "pw", {key: "x"})
    assert caught.value.field == f"conn.extra.{key}" and "login and password" in caught.value.problem


def test_other_keys_are_not_mistaken_for_credentials() -> None:
    settings = settings_from_parts("conn", "every8d", "http://127.0.0.1", None, "demo", "pw",
                                   {"timeout": 5, "uid_hint": "x"})
    assert settings.timeout == 5.0


@pytest.mark.parametrize(("verify", "expected"), [
    (True, True), (False, False), ("true", True), ("False", False), ("0", False), ("yes", True),
    ("", True), ("  ", True), (None, True),  # not set (a form's blank field): the default, verification on
    ("/etc/ssl/every8d-ca.pem", "/etc/ssl/every8d-ca.pem"),
])
def test_verify_reads_switches_paths_and_blanks(verify: object, expected: object) -> None:
    settings = settings_from_parts("conn", "every8d", "https://oms.every8d.com", None, "demo", "pw",
                                   {"verify": verify})
    assert settings.verify == expected
