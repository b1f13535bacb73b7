"""Hostile or broken input to the receiver: control characters, a number that is not one, a failing
store, a broken push_dedup_days, and per-account tokens (one account's token cannot feed another's assets)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.harness.receiver import TOKEN, declare_assets, events, new_account, report, statements

PUSH = f"/every8d/push/{TOKEN}"
OTHER_TOKEN = "other-token-0123456789abcdef"


def test_control_characters_are_removed_before_storing(client: Any, uid: str) -> None:
    response = client.get(PUSH, params=report(uid, STATUS="999", SM="hi\x00 \x1b[31mthere\x7f\nok",
                                              SUBJECT="x\x00", MSGID="m\x00", UserNo="4\x002"))
    assert response.status_code == 200
    [extra] = events(uid, "replies")
    assert (extra["content"], extra["subject"], extra["msg_id"], extra["user_no"]) == (
        "hi [31mthere\nok", "x", "m", "42")


@pytest.mark.parametrize(
    ("rm", "kept"),
    [("\x1b[2J\x1b[31m0900000123", "[2J[31m0900000123"), ("0900000123; DROP", "0900000123;DROP"),
     ("not a number", "notanumber"), ("123", "123")],
)
def test_rm_that_is_not_a_phone_number_is_never_the_stored_mobile(
    client: Any, uid: str, rm: str, kept: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        response = client.get(PUSH, params=report(uid, RM=rm))
    assert response.status_code == 200  # kept: a refused push is lost after 10 tries
    [extra] = events(uid)
    assert (extra["mobile"], extra["extra"]["RM"]) == ("", kept)
    assert "\x1b" not in caplog.text and kept not in caplog.text


def test_a_failed_store_logs_neither_number_nor_reply_text(
    client: Any, uid: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database refuses the statement: SQLAlchemy's error quotes its parameters, the log must not."""
    from airflow.assets.manager import asset_manager
    from sqlalchemy import text

    def failing_store(*, asset: Any, extra: dict[str, Any], session: Any, **_: Any) -> None:
        session.execute(text("INSERT INTO every8d_no_such_table VALUES (:mobile, :content)"), extra)

    monkeypatch.setattr(asset_manager, "register_asset_change", failing_store)
    with caplog.at_level(logging.DEBUG, logger="airflow_provider_every8d"):
        response = client.get(PUSH, params=report(uid, STATUS="999", RM="+886900000777", SM="my secret reply"))
    assert response.status_code == 503
    assert "not stored" in caplog.text
    assert "900000777" not in caplog.text and "my secret reply" not in caplog.text
    assert events(uid, "replies") == []


def test_a_duplicate_push_reads_no_asset_event_rows(client: Any, uid: str) -> None:
    """The duplicate check is a key look-up, not a scan of the asset's events (with a JSON extraction each)."""
    client.get(PUSH, params=report(uid))
    with statements() as ran:
        assert client.get(PUSH, params=report(uid)).status_code == 200
    assert len(events(uid)) == 1
    assert [s for s in ran if "asset_event" in s] == []


@pytest.mark.parametrize("days", ["abc", "nan", "inf", "0", "-1", "99999"])
def test_a_broken_dedup_window_is_reported_and_stores_nothing(
    client: Any, uid: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, days: str
) -> None:
    monkeypatch.setenv("AIRFLOW__EVERY8D__PUSH_DEDUP_DAYS", days)
    with caplog.at_level(logging.ERROR):
        wrong = client.get("/every8d/push/wrong-token-0123456789abcdef", params=report(uid))
        right = client.get(PUSH, params=report(uid))
    assert wrong.status_code == 404  # nothing tells a scanner the receiver is there
    assert right.status_code == 503  # the platform retries once the configuration is fixed
    assert "[every8d] push_dedup_days" in caplog.text and repr(days) in caplog.text
    assert events(uid) == []


def test_a_broken_dedup_window_is_reported_when_the_api_server_starts(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, airflow_db: Any
) -> None:
    from airflow_provider_every8d.plugins import receiver

    monkeypatch.setenv("AIRFLOW__EVERY8D__PUSH_DEDUP_DAYS", "seven")
    receiver.receiver_app.cache_clear()
    try:
        with caplog.at_level(logging.ERROR):
            receiver.receiver_app()
    finally:
        receiver.receiver_app.cache_clear()
    assert "[every8d] push_dedup_days: 'seven' is not a number of days" in caplog.text


@pytest.fixture
def two_accounts(client: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    first, second = new_account("tok"), new_account("tok")
    declare_assets(first)
    declare_assets(second)
    monkeypatch.setenv("AIRFLOW__EVERY8D__PUSH_TOKENS", f"{first}={TOKEN}\n{second}={OTHER_TOKEN}")
    return first, second


def test_each_account_token_feeds_only_its_own_account(client: Any, two_accounts: tuple[str, str]) -> None:
    first, second = two_accounts
    assert client.get(PUSH, params=report(first)).status_code == 200
    assert client.get(f"/every8d/push/{OTHER_TOKEN}", params=report(second)).status_code == 200
    assert client.get(PUSH, params=report(second, MR="2")).status_code == 404
    assert client.get(f"/every8d/push/{OTHER_TOKEN}", params=report(first, MR="2")).status_code == 404
    assert [e["record_no"] for e in events(first)] == ["1"]
    assert [e["record_no"] for e in events(second)] == ["1"]


def test_with_per_account_tokens_the_single_token_is_ignored(
    client: Any, two_accounts: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _ = two_accounts
    single = "single-token-0123456789abcdef"
    monkeypatch.setenv("AIRFLOW__EVERY8D__PUSH_TOKEN", single)
    assert client.get(f"/every8d/push/{single}", params=report(first)).status_code == 404
    assert events(first) == []


def test_the_single_token_still_serves_a_one_account_deployment(client: Any, uid: str) -> None:
    assert client.get(PUSH, params=report(uid)).status_code == 200
    assert len(events(uid)) == 1


def test_a_repeat_after_the_dedup_window_is_stored_again(client: Any, uid: str) -> None:
    """Rows older than push_dedup_days no longer count: the report id is taken over, not refused."""
    import time

    from airflow.utils.session import create_session
    from sqlalchemy import text

    client.get(PUSH, params=report(uid))
    with create_session() as session:
        session.execute(text("UPDATE every8d_push_report SET stored_at = :old"), {"old": int(time.time()) - 8 * 86400})
    assert client.get(PUSH, params=report(uid)).status_code == 200
    assert client.get(PUSH, params=report(uid)).status_code == 200
    assert len(events(uid)) == 2
