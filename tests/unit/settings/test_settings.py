"""The connection's 2.2 options (``api_version``, ``auth``, ``token_renew_after``): defaults, accepted
spellings and the error naming the extra key, before anything is sent."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_every8d.protocol.errors import Every8dValidationError
from airflow_provider_every8d.settings import settings_from_parts


def _settings(extra: dict[str, Any]) -> Any:
    return settings_from_parts("conn", "every8d", "https://new.e8d.tw", None, "demo", "pw", extra)


def test_the_default_connection_speaks_2_1_with_the_password() -> None:
    settings = _settings({})
    assert (settings.api_version, settings.auth, settings.uses_token) == ("2.1", "password", False)


@pytest.mark.parametrize(("extra", "expected"), [
    ({"api_version": "2.2"}, ("2.2", "password")),
    ({"api_version": 2.2, "auth": "token"}, ("2.2", "token")),
    ({"api_version": " 2.2 ", "auth": "Token"}, ("2.2", "token")),
    ({"api_version": None, "auth": None}, ("2.1", "password")),
    ({"api_version": "", "auth": ""}, ("2.1", "password")),
])
def test_accepted_values(extra: dict[str, Any], expected: tuple[str, str]) -> None:
    settings = _settings(extra)
    assert (settings.api_version, settings.auth) == expected


@pytest.mark.parametrize(("extra", "field", "words"), [
    ({"api_version": "3"}, "conn.extra.api_version", "'3' is not one of 2.1, 2.2"),
    ({"api_version": 22}, "conn.extra.api_version", "22 is not one of"),
    ({"auth": "oauth"}, "conn.extra.auth", "'oauth' is not one of password, token"),
    ({"auth": "token"}, "conn.extra.auth", "needs API 2.2"),
    ({"api_version": "2.1", "auth": "token"}, "conn.extra.auth", "needs API 2.2"),
    ({"api_version": "2.2", "auth": "token", "token_renew_after": 0}, "conn.extra.token_renew_after", "1 to 28800"),
    ({"api_version": "2.2", "token_renew_after": 9 * 3600}, "conn.extra.token_renew_after", "8 hours"),
    ({"api_version": "2.2", "token_renew_after": "soon"}, "conn.extra.token_renew_after", "'soon'"),
])
def test_refused_values_name_the_extra_key(extra: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(Every8dValidationError) as caught:
        _settings(extra)
    assert caught.value.field == field and words in caught.value.problem


def test_the_renewal_time_is_configurable_and_defaults_under_8_hours() -> None:
    assert _settings({"api_version": "2.2", "auth": "token"}).token_renew_after < 8 * 3600
    assert _settings({"api_version": "2.2", "auth": "token", "token_renew_after": 60}).token_renew_after == 60.0


def test_the_new_keys_are_not_reported_as_unknown(caplog: pytest.LogCaptureFixture) -> None:
    _settings({"api_version": "2.2", "auth": "token", "token_renew_after": 600})
    assert "unknown extra" not in caplog.text
