"""The receiver's pure parts: which paths are the receiver's, what the access log may show of them, and
the settings it reads (tokens per account, the dedup window)."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")  # the receiver's module; Airflow 2 environments have no FastAPI

from airflow_provider_every8d.plugins.config import ANY_ACCOUNT, PushSettings, parse_dedup_days, parse_tokens
from airflow_provider_every8d.plugins.paths import receiver_route, scrubbed_path
from airflow_provider_every8d.plugins.receiver import push_token_in

TOKEN_A, TOKEN_B = "a" * 20, "b" * 20


@pytest.mark.parametrize(
    ("path", "route"),
    [
        ("/every8d/push/tok", "push/tok"),
        ("/Every8d/PUSH/tok", "PUSH/tok"),
        ("//every8d///push//tok", "push/tok"),
        ("/EVERY8D", ""),
        ("/every8d/", ""),
        ("/every8dx/push/tok", None),
        ("/api/v2/every8d/push/tok", None),
        ("/", None),
    ],
)
def test_receiver_paths_in_any_case_and_with_any_slashes(path: str, route: str | None) -> None:
    assert receiver_route(path) == route


@pytest.mark.parametrize(
    ("route", "logged"),
    [("push/secret-token", "/every8d/push/***"), ("PUSH/x/y", "/every8d/push/***"), ("", "/every8d/***"),
     ("docs", "/every8d/***")],
)
def test_the_access_log_never_sees_the_token(route: str, logged: str) -> None:
    assert scrubbed_path(route) == logged


@pytest.mark.parametrize(
    ("route", "token"),
    [("push/tok", "tok"), ("PUSH/tok/", "tok"), ("push/", None), ("push/a/b", None), ("other/tok", None),
     ("", None)],
)
def test_the_token_segment(route: str, token: str | None) -> None:
    assert push_token_in(route) == token


@pytest.mark.parametrize(
    ("text", "days", "problem"),
    [("7", 7.0, ""), ("0.5", 0.5, ""), ("3650", 3650.0, ""), ("abc", 0.0, "'abc' is not a number of days"),
     ("nan", 0.0, "not above 0"), ("inf", 0.0, "not above 0"), ("0", 0.0, "not above 0"),
     ("-1", 0.0, "not above 0"), ("3651", 0.0, "at most 3650"), ("", 0.0, "not a number")],
)
def test_dedup_days(text: str, days: float, problem: str) -> None:
    parsed, found = parse_dedup_days(text)
    assert parsed == days and problem in found and bool(found) == bool(problem)


def test_tokens_per_account_and_what_is_left_out(caplog: pytest.LogCaptureFixture) -> None:
    text = f"acme={TOKEN_A}\n other = {TOKEN_B} , short=abc, =nouid{TOKEN_A}, dup={TOKEN_A}, noequals"
    assert parse_tokens(text) == [("acme", TOKEN_A), ("other", TOKEN_B)]
    assert "entry 3 (short)" in caplog.text and "repeats a UID or a token" in caplog.text
    assert TOKEN_A not in caplog.text and "=abc" not in caplog.text


def test_a_token_names_its_account_and_only_it() -> None:
    settings = PushSettings(tokens=(("acme", TOKEN_A), ("other", TOKEN_B)), allowed_networks=None, dedup_days=7)
    assert [settings.account_for(t) for t in (TOKEN_A, TOKEN_B, "c" * 20, "")] == ["acme", "other", None, None]
    single = PushSettings(tokens=((ANY_ACCOUNT, TOKEN_A),), allowed_networks=None, dedup_days=7)
    assert single.account_for(TOKEN_A) == ANY_ACCOUNT


def test_unusable_per_account_tokens_never_fall_back_to_the_single_token(monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow_provider_every8d.plugins.config import load_settings

    monkeypatch.setenv("AIRFLOW__EVERY8D__PUSH_TOKEN", TOKEN_A)
    monkeypatch.setenv("AIRFLOW__EVERY8D__PUSH_TOKENS", "acme=short")
    assert load_settings().account_for(TOKEN_A) is None
    monkeypatch.setenv("AIRFLOW__EVERY8D__PUSH_TOKENS", "")
    assert load_settings().account_for(TOKEN_A) == ANY_ACCOUNT
