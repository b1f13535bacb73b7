"""The push receiver inside Airflow's real API app: callbacks over HTTP become asset events."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from airflow_provider_every8d.plugins.assets import report_from_event
from tests.harness.receiver import TOKEN, declare_assets, events, report

PUSH = f"/every8d/push/{TOKEN}"


def test_plugin_is_registered_through_the_entry_point() -> None:
    from airflow import plugins_manager

    apps, _ = plugins_manager.get_fastapi_plugins()
    assert [entry["url_prefix"] for entry in apps if entry["name"] == "EVERY8D push receiver"] == ["/every8d"]


def test_a_delivery_report_becomes_one_event_with_the_fields(client: Any, uid: str) -> None:
    response = client.get(PUSH, params=report(uid, Undocumented="x", PWD="secret"))
    assert (response.status_code, response.text) == (200, "OK")
    [extra] = events(uid)
    assert extra == {
        "batch_id": "2d0c7b4e-0000-4000-8000-000000000001",
        "mobile": "0900000123",
        "report_time": "20250102030405",
        "status": 100,
        "content": "",
        "record_no": "1",
        "user_id": uid,
        "user_no": "42",
        "send_time": "20250102030000",
        "subject": "主旨",
        "charge": 1.0,
        "msg_id": "",
        "extra": {"Undocumented": "x"},
        "report_id": extra["report_id"],
    }
    assert report_from_event(extra).status == 100
    assert events(uid, "replies") == []


def test_the_platform_retrying_ten_times_creates_one_event(client: Any, uid: str) -> None:
    answers = [client.get(PUSH, params=report(uid)).status_code for _ in range(10)]
    assert answers == [200] * 10
    assert len(events(uid)) == 1


def test_each_status_change_is_its_own_event(client: Any, uid: str) -> None:
    client.get(PUSH, params=report(uid, STATUS="0", RT="20250102030400"))
    client.get(PUSH, params=report(uid, STATUS="100"))
    client.get(PUSH, params=report(uid, MR="2", RM="+886900000124", STATUS="101"))
    assert [(e["status"], e["mobile"]) for e in events(uid)] == [(0, "0900000123"), (100, "0900000123"),
                                                                 (101, "0900000124")]


def test_a_reply_lands_on_the_reply_asset(client: Any, uid: str) -> None:
    response = client.get(PUSH, params=report(uid, STATUS="999", SM="好的 OK", RT="20250102040000"))
    assert response.status_code == 200
    assert events(uid) == []
    [extra] = events(uid, "replies")
    assert (extra["status"], extra["content"]) == (999, "好的 OK")


NOT_FOUND = {"detail": "Not Found"}


@pytest.mark.parametrize(
    "path",
    [
        "/every8d/push/wrong-token-0123456789abcdef",
        f"/every8d/push/{TOKEN[:-1]}",
        f"/every8d/push/{TOKEN}x",
        "/every8d/push/",
        "/every8d/push",
        "/every8d/",
    ],
)
def test_a_wrong_or_missing_token_creates_nothing_and_reveals_nothing(client: Any, uid: str, path: str) -> None:
    response = client.get(path, params=report(uid))
    unknown = client.get("/every8d/no-such-page")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert response.content == unknown.content
    assert events(uid) == []


@pytest.mark.parametrize("configured", ["", "short-token"])
def test_without_a_usable_token_configured_the_receiver_is_off(
    client: Any, uid: str, monkeypatch: pytest.MonkeyPatch, configured: str
) -> None:
    monkeypatch.setenv("AIRFLOW__EVERY8D__PUSH_TOKEN", configured)
    for token in (configured, ""):
        response = client.get(f"/every8d/push/{token}", params=report(uid))
        assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert events(uid) == []


@pytest.mark.parametrize(
    ("networks", "status"),
    [("127.0.0.0/8", 200), ("10.0.0.0/8, ::1/128, 127.0.0.1", 200), ("203.0.113.0/24", 404), ("not-a-net", 404)],
)
def test_allowed_networks(client: Any, uid: str, monkeypatch: pytest.MonkeyPatch, networks: str, status: int) -> None:
    monkeypatch.setenv("AIRFLOW__EVERY8D__PUSH_ALLOWED_NETWORKS", networks)
    assert client.get(PUSH, params=report(uid)).status_code == status
    assert len(events(uid)) == (1 if status == 200 else 0)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"BatchID": ""}, "BatchID"),
        ({"BatchID": "../../etc"}, "BatchID"),
        ({"STATUS": "delivered"}, "STATUS"),
        ({"STATUS": ""}, "STATUS"),
        ({"USERID": ""}, "USERID"),
    ],
)
def test_malformed_fields_get_400_naming_the_field_and_store_nothing(
    client: Any, uid: str, change: dict[str, str], field: str
) -> None:
    response = client.get(PUSH, params=report(uid, **change))
    assert response.status_code == 400
    assert response.text.startswith(f"Bad request: {field}:")
    assert events(uid) == [] and events(uid, "replies") == []


def test_odd_and_long_fields_are_stored_as_received_long_values_cut_at_4_kb(client: Any, uid: str) -> None:
    """Issue 12, case 1: a refused push is lost for good after 10 tries, so only BatchID and STATUS decide."""
    odd = {"RM": "", "SM": "長" * 3000, "ST": "2021/6/1 下午 02:25:55", "RT": "2021/6/1 下午 02:26:01",
           "MSGID": "000000000000000001234567", "SUBJECT": "主旨" * 150, "CHARGE": "NaN", "NAME": "王"}
    response = client.get(PUSH, params=report(uid, BatchID="OLD0001", **odd))
    assert (response.status_code, response.text) == (200, "OK")
    [extra] = events(uid)
    assert (extra["batch_id"], extra["mobile"], extra["send_time"], extra["msg_id"]) == (
        "OLD0001", "", "2021/6/1 下午 02:25:55", "000000000000000001234567")
    assert extra["subject"] == "主旨" * 150 and extra["content"] == "長" * (4096 // 3)
    assert extra["charge"] is None and extra["extra"] == {"CHARGE": "NaN", "NAME": "王"}
    assert report_from_event(extra).reported_at.isoformat() == "2021-06-01T14:26:01+08:00"


def test_a_report_for_an_undeclared_asset_is_answered_200_and_not_stored(client: Any) -> None:
    response = client.get(PUSH, params=report("nobody-listens"))
    assert response.status_code == 200
    assert events("nobody-listens") == []


def test_the_access_log_records_neither_token_nor_phone_numbers(
    client: Any, uid: str, caplog: pytest.LogCaptureFixture
) -> None:
    from structlog.testing import capture_logs

    with capture_logs() as access, caplog.at_level("INFO"):
        client.get(PUSH, params=report(uid, RM="+886900000777"))
        client.get("/every8d/push/wrong-token-0123456789abcdef", params=report(uid))
    finished = [entry for entry in access if entry.get("event") == "request finished"]
    assert [(e["path"], e["query"], e["status_code"]) for e in finished] == [
        ("/every8d/push/***", "", 200), ("/every8d/push/***", "", 404)]
    logged = repr(access) + caplog.text
    assert TOKEN not in logged and "900000777" not in logged
    assert "0900***777" in caplog.text


def test_a_burst_of_callbacks_is_stored_once_each(api_app: Any, push_token: str, uid: str) -> None:
    import httpx

    async def burst() -> list[int]:
        transport = httpx.ASGITransport(app=api_app, client=("127.0.0.1", 50001))
        async with httpx.AsyncClient(transport=transport, base_url="http://receiver") as http:
            calls = [http.get(PUSH, params=report(uid, MR=str(n), RM=f"+8869000{n:05d}")) for n in range(40)]
            calls += [http.get(PUSH, params=report(uid, MR="0", RM="+886900000000")) for _ in range(10)]
            return [response.status_code for response in await asyncio.gather(*calls)]

    assert asyncio.run(burst()) == [200] * 50
    assert sorted(int(e["record_no"]) for e in events(uid)) == list(range(40))


def test_an_asset_declared_under_two_names_gets_the_event_on_each(client: Any, uid: str) -> None:
    declare_assets(uid, name="custom-")
    for _ in range(3):
        client.get(PUSH, params=report(uid))
    assert len(events(uid)) == 2
    assert len({e["report_id"] for e in events(uid)}) == 1


def test_a_retry_after_an_api_server_restart_is_still_recognised(client: Any, uid: str) -> None:
    from airflow.api_fastapi.app import create_app
    from fastapi.testclient import TestClient

    client.get(PUSH, params=report(uid))
    with TestClient(create_app(), client=("127.0.0.1", 50002)) as restarted:
        assert restarted.get(PUSH, params=report(uid)).status_code == 200
    assert len(events(uid)) == 1


def test_an_event_stored_after_the_queue_row_extends_it(client: Any, uid: str) -> None:
    """The burst race: a queue row from an earlier report exists; a later report must not be left behind."""
    from datetime import datetime, timezone

    from airflow.models.asset import AssetDagRunQueue, AssetModel, DagScheduleAssetReference
    from airflow.models.dag import DagModel
    from airflow.models.dagbundle import DagBundleModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    from airflow_provider_every8d.plugins.assets import report_uri

    early = datetime(2020, 1, 1, tzinfo=timezone.utc)
    with create_session() as session:
        if session.get(DagBundleModel, "every8d-tests") is None:
            session.add(DagBundleModel(name="every8d-tests"))
            session.flush()
        asset_id = session.scalar(select(AssetModel.id).where(AssetModel.uri == report_uri(uid, "delivery-reports")))
        session.add(DagModel(dag_id=f"tally_{uid}", is_paused=False, bundle_name="every8d-tests"))
        session.flush()
        session.add(DagScheduleAssetReference(asset_id=asset_id, dag_id=f"tally_{uid}"))
        session.add(AssetDagRunQueue(asset_id=asset_id, target_dag_id=f"tally_{uid}", created_at=early))
    client.get(PUSH, params=report(uid))
    with create_session() as session:
        [queued] = session.scalars(select(AssetDagRunQueue.created_at).where(
            AssetDagRunQueue.target_dag_id == f"tally_{uid}")).all()
    assert queued > early
