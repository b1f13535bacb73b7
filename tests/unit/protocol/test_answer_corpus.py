"""The answer corpus (issue 12): every example answer in the spec, and every shape the real platform can
plausibly give, run through the parsers, each with the value or the exception it must give."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_every8d.protocol import parse
from airflow_provider_every8d.protocol.endpoints import Endpoint
from airflow_provider_every8d.protocol.errors import Every8dApiError, Every8dResponseError

UUID = "220478cc-8506-49b2-93b7-2505f651c12e"
ROW = "Roger\t+886900001123\t2021/06/01 14:25:55\t1.0\t100\t2021/06/01 16:56:20"
ABROAD = "Ken\t+81312345678\t2021/06/01 14:25:55\t9.0\t100\t2021/06/01 16:56:20"  # 3 parts, 9 points
REPLY = "Roger\t+886900001123\t回覆簡訊內容 01\t2010/03/03 14:25:55"
SEP = "\u2028\u2029\x0b\x0c\x1c\x1d\x1e\x85"
SEND_ENDPOINTS = {"1.1": Endpoint.SEND_SMS, "1.2": Endpoint.SEND_MMS, "1.3": Endpoint.SEND_SMS_FILTERED,
                  "1.4": Endpoint.SEND_SMS_WITH_MSG_ID}


def read(section: str, body: bytes) -> Any:
    """The parser of ``section``, its result reduced to plain values (pages read as page 1 of the batch)."""
    if section in SEND_ENDPOINTS:
        r = parse.parse_send(body, SEND_ENDPOINTS[section])
        return (r.credit, r.sent, r.cost, r.unsent, r.batch_id, r.filtered, r.msg_id)
    if section == "1.5":
        r = parse.parse_param_send(body)
        return (r.credit, r.sent, r.cost, r.unsent, r.batch_id)
    if section in ("2.2", "2.3", "2.2 page 2"):
        endpoint = Endpoint.MMS_DELIVERY_STATUS if section == "2.3" else Endpoint.DELIVERY_STATUS
        page = parse.parse_status_page(body, endpoint, page=2 if section.endswith("page 2") else 1)
        return (page.total, [(r.name, r.mobile, r.cost, r.status, r.received_time) for r in page.rows])
    if section == "2.4":
        replies = parse.parse_reply_page(body, page=1)
        return (replies.total, [tuple(r) for r in replies.rows])
    if section == "3.1":
        return parse.parse_credit(body)
    erase = parse.parse_erase(body, Endpoint.ERASE_MMS_BOOKING if section == "3.3" else Endpoint.ERASE_BOOKING)
    return (erase.deleted, erase.refunded)


def refused(code: int, text: str = "") -> tuple[str, int, str]:
    return ("refused", code, text)


def unparsable(problem: str) -> tuple[str, str]:
    return ("unparsable", problem)


SENT = (1230.0, 4, 4.0, 0, UUID, (), None)
CORPUS: list[tuple[str, str, bytes | str, Any]] = [
    # -- every example of the spec ------------------------------------------------------------------
    ("1.1 example", "1.1", f"1230.00,4,4,0,{UUID}", SENT),
    ("1.2 example", "1.2", f"1230.00,4,4,0,{UUID}", SENT),
    ("1.3 example", "1.3", f"1230.00,4,4,0,{UUID},0900000001/0900000000",
     (1230.0, 4, 4.0, 0, UUID, ("0900000001", "0900000000"), None)),
    ("1.3 -98 example", "1.3", "-98,0900000001/0900000002", (None, 0, 0.0, 0, "", ("0900000001", "0900000002"), None)),
    ("1.4 example (7 fields)", "1.4", f"1230.00,4,4,0,{UUID},1234567890,000000000000000001234567",
     (1230.0, 4, 4.0, 0, UUID, (), "000000000000000001234567")),
    ("1.5 example", "1.5", '{"Result":true,"Status":"0","Msg":"56.00,2,2,0,40cc00bf-43ce-4d14-889d-51602ccc465d"}',
     (56.0, 2, 2.0, 0, "40cc00bf-43ce-4d14-889d-51602ccc465d")),
    # the spec's examples, with its phone numbers replaced by fakes (+8869331231xx -> +8869000011xx)
    ("2.2 example", "2.2", f"3\r\n{ROW}\r\n{ROW.replace('100', '103', 1)}\r\n{ROW}",
     (3, [("Roger", "+886900001123", 1.0, 100, "2021/06/01 16:56:20"),
          ("Roger", "+886900001123", 1.0, 103, "2021/06/01 16:56:20"),
          ("Roger", "+886900001123", 1.0, 100, "2021/06/01 16:56:20")])),
    ("2.3 example", "2.3", "2\nRoger\t+886900001123\t2010/03/03 14:25:55\t4.0\t700\n"
     "Larry\t+886900001121\t2010/03/03 14:27:55\t4.0\t303\n",
     (2, [("Roger", "+886900001123", 4.0, 700, ""), ("Larry", "+886900001121", 4.0, 303, "")])),
    ("2.4 example", "2.4", f"1\n{REPLY}\n",
     (1, [("Roger", "+886900001123", "回覆簡訊內容 01", "2010/03/03 14:25:55")])),
    ("3.1 example", "3.1", "2310.00", 2310.0),
    ("3.2 example", "3.2", "2,2.00", (2, 2.0)),
    ("3.2 nothing booked", "3.2", "", (0, 0.0)),
    ("3.3 example", "3.3", "1,3.00", (1, 3.0)),
    ("-99 (1.1-1.4)", "1.1", "-99", refused(-99)),
    # -- numbers and ids as independent clients recorded them --------------------------------------
    ("integer credit", "3.1", "88", 88.0),
    ("one-decimal credit", "3.1", "79.0\r\n", 79.0),
    ("upper-case batch id", "1.1", f"79.0,1,1,0,{UUID.upper()}", (79.0, 1, 1.0, 0, UUID.upper(), (), None)),
    ("case 8: an older account's short id", "1.1", "79.0,1,1,0,2021060100012", (79.0, 1, 1.0, 0, "2021060100012",
                                                                               (), None)),
    ("a batch id cut after its first dash", "1.1", "79.0,1,1,0,220478cc-85", unparsable("complete batch id")),
    ("a UUID with junk after it", "1.1", f"79.0,1,1,0,{UUID}x", unparsable("complete batch id")),
    ("integer cost in a status row", "2.2", "1\nA\t0900000678\t2021/06/01 14:25:55\t1\t100\t",
     (1, [("A", "0900000678", 1.0, 100, "")])),
    # -- case 4: refusals in every shape, never "may have been accepted" ----------------------------
    ("space after the comma", "1.1", "-99, 主機端發生不明錯誤", refused(-99, "主機端發生不明錯誤")),
    ("a space and no comma", "1.1", "-99 主機端發生不明錯誤", refused(-99, "主機端發生不明錯誤")),
    ("negative decimal credit", "1.1", "-99.00", refused(-99)),
    ("negative credit in the send shape", "1.1", "-99.00,0,0,0,", refused(-99)),
    ("negative credit with a batch id", "1.1", f"-99.00,0,0,0,{UUID}", refused(-99)),
    ("negative credit, 1.3", "1.3", f"-2.00,0,0,0,{UUID},", refused(-2)),
    ("negative decimal on 3.1", "3.1", "-2.00", refused(-2)),
    ("refusal as the count line", "2.2", "-2,帳號或密碼錯誤", refused(-2, "帳號或密碼錯誤")),
    ("refusal on a reply page", "2.4", "-1 參數錯誤", refused(-1, "參數錯誤")),
    ("refusal on erase, decimal", "3.2", "-99.0", refused(-99)),
    ("Big5 refusal", "1.1", "-2,帳號或密碼錯誤".encode("big5"), refused(-2, "帳號或密碼錯誤")),
    ("Big5 refusal, space", "3.1", "-306 手機格式不符".encode("cp950"), refused(-306, "手機格式不符")),
    ("1.5 plain Big5 refusal", "1.5", "-28,預約時間格式錯誤".encode("big5"), refused(-28, "預約時間格式錯誤")),
    ("-0.00 is no refusal, and no credit", "1.1", "-0.00", unparsable("expected at least 5")),
    ("Big5 that is no refusal", "3.1", "餘額".encode("big5"), unparsable("not UTF-8")),
    # -- case 9: 1.5 read leniently, a false Result still a refusal ---------------------------------
    ("Result as a string", "1.5", f'{{"Result":"true","Status":"0","Msg":"56.00,1,1,0,{UUID}"}}',
     (56.0, 1, 1.0, 0, UUID)),
    ("Result True and lower-case keys", "1.5", f'{{"result":"True","status":0,"msg":"56.00,1,1,0,{UUID}"}}',
     (56.0, 1, 1.0, 0, UUID)),
    ("Result 1", "1.5", f'{{"RESULT":1,"STATUS":"0","MSG":"56.00,1,1,0,{UUID}"}}', (56.0, 1, 1.0, 0, UUID)),
    ("no Result, Status 0", "1.5", f'{{"Status":"0","Msg":"56.00,1,1,0,{UUID}"}}', (56.0, 1, 1.0, 0, UUID)),
    ("Result false as a string", "1.5", '{"Result":"false","Status":"-2","Msg":"帳號或密碼錯誤"}',
     refused(-2, "帳號或密碼錯誤")),
    ("lower-case refusal, code in Msg", "1.5", '{"result":"False","msg":"-306,手機格式不符"}',
     refused(-306, "手機格式不符")),
    ("no Result, negative Status", "1.5", '{"Status":"-28","Msg":"SendTime 格式錯誤"}',
     refused(-28, "SendTime 格式錯誤")),
    ("Result true, negative Status, no send answer", "1.5", '{"Result":true,"Status":"-5","Msg":""}', refused(-5)),
    ("Result neither true nor false", "1.5", '{"Result":"maybe","Msg":"x"}', unparsable("true or false Result")),
    ("Result true, Msg cut", "1.5", '{"Result":true,"Status":"0","Msg":"56.00,1,1,0,220478cc-85"}',
     unparsable("Msg: BATCH_ID")),
    # -- cases 2 and 3: pages -----------------------------------------------------------------------
    ("case 3: an empty status page", "2.2", "", (0, [])),
    ("case 3: an empty MMS page", "2.3", "\r\n", (0, [])),
    ("case 3: an empty reply page", "2.4", "", (0, [])),
    ("separators in NAME", "2.2", f"1\r\nA{SEP}B\t+886900001123\t2021/06/01 14:25:55\t1.0\t0\t",
     (1, [(f"A{SEP}B", "+886900001123", 1.0, 0, "")])),
    ("a TAB in NAME, 6 columns", "2.2", f"1\r\n王\t小明\t{ROW.split(chr(9), 1)[1]}",
     (1, [("王\t小明", "+886900001123", 1.0, 100, "2021/06/01 16:56:20")])),
    ("a TAB in NAME, 5 columns", "2.3", "1\r\n王\t小明\t+886900001123\t2010/03/03 14:25:55\t4.0\t700",
     (1, [("王\t小明", "+886900001123", 4.0, 700, "")])),
    ("an empty NAME", "2.2", "1\r\n\t+886900001123\t2021/06/01 14:25:55\t1.0\t100\t",
     (1, [("", "+886900001123", 1.0, 100, "")])),
    ("separators and TABs in a reply", "2.4", f"1\r\n王\t小明\t+886900001123\t好{SEP}\t的\t2010/03/03 14:25:55",
     (1, [("王\t小明", "+886900001123", f"好{SEP}\t的", "2010/03/03 14:25:55")])),
    ("a lone CR inside a reply", "2.4", "1\r\nA\t0900000678\tline\rline\t2010/03/03 14:25:55",
     (1, [("A", "0900000678", "line\rline", "2010/03/03 14:25:55")])),
    # -- case 10: the count line and the rows -------------------------------------------------------
    ("count in parts of an international SMS", "2.2", f"4\r\n{ABROAD}\r\n{ROW}",
     (4, [("Ken", "+81312345678", 9.0, 100, "2021/06/01 16:56:20"),
          ("Roger", "+886900001123", 1.0, 100, "2021/06/01 16:56:20")])),
    ("more parts than the cost allows", "2.2", f"12\r\n{ABROAD}\r\n{ROW}", unparsable("cut short")),
    ("Taiwan rows fewer than the count", "2.2", f"3\r\n{ROW}\r\n{ROW}", unparsable("cut short")),
    ("a row cut in half", "2.2", f"2\r\n{ROW}\r\nRoger\t+8869000", unparsable("status row 2")),
    ("page 2 with no row (count was high)", "2.2 page 2", "1003", (1003, [])),
    ("replies fewer than the count", "2.4", f"2\r\n{REPLY}", unparsable("cut short")),
    # -- what is really broken stays refused --------------------------------------------------------
    ("an HTML error page", "2.2", "<!DOCTYPE html><html><body>Service Unavailable</body></html>",
     unparsable("HTML")),
    ("a send answer to a status query", "2.2", f"1230.00,4,4,0,{UUID}", unparsable("row count")),
    ("a status page to a send", "1.1", f"1\r\n{ROW}", unparsable("expected at least 5")),
    ("a credit answer to a send", "1.1", "2310.00", unparsable("expected at least 5")),
    ("a reply page to 1.5", "1.5", f"1\r\n{REPLY}", unparsable("not JSON")),
    ("not UTF-8, not a refusal", "2.4", b"\xff\xfe\x00junk", unparsable("not UTF-8")),
]


@pytest.mark.parametrize(("label", "section", "body", "expected"), CORPUS, ids=[c[0] for c in CORPUS])
def test_the_corpus(label: str, section: str, body: bytes | str, expected: Any) -> None:
    raw = body.encode("utf-8") if isinstance(body, str) else body
    if isinstance(expected, tuple) and expected[:1] == ("refused",):
        with pytest.raises(Every8dApiError) as refusal:
            read(section, raw)
        assert (refusal.value.code, refusal.value.text) == expected[1:]
    elif isinstance(expected, tuple) and expected[:1] == ("unparsable",):
        with pytest.raises(Every8dResponseError) as broken:
            read(section, raw)
        assert expected[1] in str(broken.value)
    else:
        assert read(section, raw) == expected


def test_the_corpus_covers_every_endpoint_and_every_spec_example() -> None:
    sections = {section.split()[0] for _, section, _, _ in CORPUS}
    assert sections == {"1.1", "1.2", "1.3", "1.4", "1.5", "2.2", "2.3", "2.4", "3.1", "3.2", "3.3"}
    assert sum(label.endswith("example") or "example" in label for label, *_ in CORPUS) >= 11
