"""Every hook method over real HTTP against the emulator."""

from __future__ import annotations

import base64
import json

import pytest

from airflow_provider_every8d.hooks.every8d import Every8dHook
from airflow_provider_every8d.protocol.errors import Every8dApiError, Every8dValidationError

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100


def test_credit_and_test_connection(hook, every8d_emulator):
    every8d_emulator.set_credit("demo", 321.5)
    assert hook.get_credit() == 321.5
    ok, message = hook.test_connection()
    assert ok and "321.50" in message
    assert [r.endpoint for r in every8d_emulator.requests] == ["getCredit", "getCredit"]


def test_send_sms_records_what_the_platform_got(hook, every8d_emulator):
    result = hook.send_sms("Hello 你好", ["0900000001", "+886 900 000 002"], subject="campaign",
                           send_time=None, retry_time=60)
    assert (result.sent, result.cost, result.unsent, result.credit) == (2, 2.0, 0, 998.0)
    (request,) = every8d_emulator.requests
    assert request.method == "POST" and request.endpoint == "sendSMS"
    assert request.fields["DEST"] == "0900000001,0900000002"
    assert (request.fields["MSG"], request.fields["SB"], request.fields["RETRYTIME"]) == ("Hello 你好", "campaign",
                                                                                          "60")
    assert "PWD" not in request.query and "demo-password" not in request.path
    assert {m.batch_id for m in every8d_emulator.messages} == {result.batch_id}


def test_duplicate_filter_and_msg_id(hook, every8d_emulator):
    first = hook.send_sms("same text", "0900000001,0900000002", deduplicate=True)
    assert (first.sent, first.filtered) == (2, ())
    partly = hook.send_sms("same text", "0900000001,0900000003", deduplicate=True)
    assert (partly.sent, partly.filtered) == (1, ("0900000001",))
    everything = hook.send_sms("same text", "0900000001", deduplicate=True)
    assert (everything.sent, everything.filtered, everything.batch_id) == (0, ("0900000001",), "")
    assert every8d_emulator.sent_count("0900000001") == 1
    with_id = hook.send_sms("numbered", "0900000004", msg_id="42")
    assert with_id.msg_id == "00000000000000000042"
    assert every8d_emulator.requests[-1].fields["MSGID"] == "00000000000000000042"


def test_send_mms(hook, every8d_emulator):
    result = hook.send_mms("look", "0900000001", "Photo", PNG, "png")
    assert (result.sent, result.cost) == (1, 3.0)
    request = every8d_emulator.requests[-1]
    assert request.endpoint.lower() == "mms/sendmms"
    assert base64.b64decode(request.fields["ATTACHMENT"]) == PNG and request.fields["TYPE"] == "png"


def test_send_param_and_personalised_sms(hook, every8d_emulator):
    result = hook.send_param_sms([{"mobile": "0900000001", "name": "Eric", "params": ["Eric", "888888"]},
                                  {"mobile": "0900000002", "params": ["Amy"]}],
                                 message="Dear %field1%, account %field2%")
    assert result.sent == 2
    texts = sorted(m.text for m in every8d_emulator.batch(result.batch_id))
    assert texts == ["Dear Amy, account ", "Dear Eric, account 888888"]
    body = json.loads(every8d_emulator.requests[-1].body)
    assert body["RecipientDataList"][0]["Param"] == "Eric|888888|||"
    personal = hook.send_param_sms([{"mobile": "0900000003", "content": "Only for you"}])
    assert [m.text for m in every8d_emulator.batch(personal.batch_id)] == ["Only for you"]


@pytest.mark.every8d(credit=10_000)
def test_status_pages_and_iteration(hook, every8d_emulator):
    numbers = [f"0900{i:06d}" for i in range(2500)]
    result = hook.send_sms("bulk", numbers)
    every8d_emulator.advance(60)
    first = hook.get_delivery_status(result.batch_id)
    assert (first.total, len(first.rows)) == (2500, 1000)
    rows = list(hook.iter_delivery_status(result.batch_id))
    assert len(rows) == 2500
    assert [r.endpoint for r in every8d_emulator.requests[-3:]] == ["getDeliveryStatus"] * 3
    summary = hook.get_delivery_summary(result.batch_id)
    # numbers ending 101..107 fail with that code (3 of each in 0..2499); ...999 never reach a final state
    assert (summary.total, summary.failed, summary.pending, summary.by_status[103]) == (2500, 21, 2, 3)
    assert not summary.complete


@pytest.mark.every8d(status_columns=5)
def test_five_column_accounts(hook, every8d_emulator):
    result = hook.send_sms("old account", "0900000001")
    every8d_emulator.advance(60)
    (row,) = hook.iter_delivery_status(result.batch_id)
    assert (row.status, row.received_time) == (100, "")


def test_mms_status(hook, every8d_emulator):
    result = hook.send_mms("look", "0900000001", "Photo", PNG, "png")
    every8d_emulator.advance(60)
    summary = hook.get_delivery_summary([result.batch_id], mms=True)
    assert summary.complete and summary.delivered == 1 and summary.by_status[700] == 1


def test_replies_across_pages(hook, every8d_emulator):
    result = hook.send_sms("Reply Y", "0900000001")
    for index in range(25):
        every8d_emulator.inject_reply(result.batch_id, "0900000001", f"reply {index}")
    assert hook.get_replies(result.batch_id).total == 25
    contents = [reply.content for reply in hook.iter_replies(result.batch_id)]
    assert sorted(contents) == sorted(f"reply {index}" for index in range(25))


@pytest.mark.parametrize("mms", [False, True])
def test_erase_booking_refunds(hook, every8d_emulator, mms):
    if mms:
        booked = hook.send_mms("later", "0900000001,0900000002", "Later", PNG, "png", send_time="20991231120000")
    else:
        booked = hook.send_sms("later", "0900000001,0900000002", send_time="20991231120000")
    before = hook.get_credit()
    erased = hook.erase_booking(booked.batch_id, mms=mms)
    assert (erased.deleted, erased.refunded) == (2, booked.cost)
    assert hook.get_credit() == before + booked.cost
    again = hook.erase_booking(booked.batch_id, mms=mms)
    assert (again.deleted, again.refunded) == (0, 0.0)


@pytest.mark.every8d(credit=3)
def test_no_credit_leaves_messages_unsent(hook, every8d_emulator):
    result = hook.send_sms("hi", [f"090000000{i}" for i in range(5)])
    assert (result.sent, result.unsent, result.credit) == (3, 2, 0.0)


def test_wrong_password_is_an_api_error_without_the_password(every8d_emulator, monkeypatch):
    conn = json.loads(every8d_emulator.connection_json())
    conn["password"] = "not-the-password"
    monkeypatch.setenv("AIRFLOW_CONN_EVERY8D_DEFAULT", json.dumps(conn))
    hook = Every8dHook()
    with pytest.raises(Every8dApiError) as caught:
        hook.get_credit()
    assert caught.value.code < 0 and "not-the-password" not in str(caught.value)
    ok, message = hook.test_connection()
    assert not ok and str(caught.value.code) in message


def test_path_prefix_and_port_field(every8d_emulator, monkeypatch):
    conn = {"conn_type": "every8d", "host": "http://127.0.0.1/prepaid", "port": every8d_emulator.port,
            "login": "demo", "password": "demo-password"}
    monkeypatch.setenv("AIRFLOW_CONN_PREFIXED", json.dumps(conn))
    assert Every8dHook("prefixed").get_credit() == 1000.0
    assert every8d_emulator.requests[-1].path == "/prepaid/API21/HTTP/getCredit.ashx"


@pytest.mark.parametrize(("conn", "field"), [
    ({"conn_type": "http", "host": "http://127.0.0.1", "login": "a", "password": "b"}, "every8d_conn_id"),
    ({"conn_type": "every8d", "host": "127.0.0.1", "login": "a", "password": "b"}, "bad.host"),
    ({"conn_type": "every8d", "host": "http://127.0.0.1", "login": "", "password": "b"}, "bad.login"),
    ({"conn_type": "every8d", "host": "http://127.0.0.1", "login": "a", "password": ""}, "bad.password"),
    ({"conn_type": "every8d", "login": "a", "password": "b", "extra": {"timeout": "soon"}}, "bad.extra.timeout"),
    ({"conn_type": "every8d", "login": "a", "password": "b", "extra": {"PWD": "x"}}, "bad.extra.PWD"),
])
def test_bad_connections_name_the_field(conn, field, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_BAD", json.dumps(conn))
    with pytest.raises(Every8dValidationError) as caught:
        Every8dHook("bad").get_credit()
    assert caught.value.field == field
