"""Every path under /every8d, in any case and with any method, answers like an unknown path unless it
carries the right token; the access log shows neither the token nor the query on any variant."""

from __future__ import annotations

from typing import Any

import pytest

from tests.harness.receiver import TOKEN, events, report

NOT_FOUND = {"detail": "Not Found"}


def _access(entries: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["path"], e["query"]) for e in entries if e.get("event") == "request finished"]


@pytest.mark.parametrize(
    "path",
    [
        f"/Every8d/push/{TOKEN}",
        f"/EVERY8D/PUSH/{TOKEN}",
        f"/every8d//push/{TOKEN}",
        f"/every8d/push/{TOKEN}/",
    ],
)
def test_a_variant_of_the_path_with_the_right_token_stores_the_report(client: Any, uid: str, path: str) -> None:
    from structlog.testing import capture_logs

    with capture_logs() as access:
        response = client.get(path, params=report(uid, RM="+886900000777", SM="secret reply"))
    assert (response.status_code, response.text) == (200, "OK")
    assert len(events(uid)) == 1
    assert _access(access) == [("/every8d/push/***", "")]
    assert TOKEN not in repr(access) and "900000777" not in repr(access) and "secret reply" not in repr(access)


WRONG = "/every8d/push/wrong-token-0123456789abcdef"


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", path) for path in ("/every8d", "/every8d/", f"{WRONG}/", f"{WRONG}/more", "/every8d/push/",
                                "/every8d/push", "/Every8d/push/wrong-token-0123456789abcdef", "/every8d/docs",
                                "/EVERY8D/openapi.json")]
    + [(method, path) for method in ("HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH")
       for path in (WRONG, "/every8d/push/x/", "/every8d")],
)
def test_without_the_right_token_every_method_and_path_gets_one_404(
    client: Any, uid: str, method: str, path: str
) -> None:
    from structlog.testing import capture_logs

    unknown = client.request(method, "/every8d/no-such-page")
    with capture_logs() as access:
        response = client.request(method, path, params=report(uid, RM="+886900000777"),
                                  headers={"Host": "attacker.example"}, follow_redirects=False)
    assert response.status_code == 404
    assert "location" not in response.headers
    if method != "HEAD":
        assert response.json() == NOT_FOUND and response.content == unknown.content
    [(logged_path, query)] = _access(access)
    assert logged_path in ("/every8d/push/***", "/every8d/***") and query == ""
    assert "wrong-token" not in repr(access) and "900000777" not in repr(access)
    assert events(uid) == []


@pytest.mark.parametrize("method", ["HEAD", "POST", "OPTIONS"])
def test_the_right_token_with_another_method_stores_nothing(client: Any, uid: str, method: str) -> None:
    response = client.request(method, f"/every8d/push/{TOKEN}", params=report(uid))
    assert response.status_code == 404
    assert events(uid) == []


def test_paths_that_only_start_like_the_prefix_are_left_to_airflow(client: Any) -> None:
    from structlog.testing import capture_logs

    with capture_logs() as access:
        client.get("/every8dx/push/kept")
    assert _access(access) == [("/every8dx/push/kept", "")]
