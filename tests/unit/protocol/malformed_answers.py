"""The malformed-answer corpus: per endpoint, bodies its parser must refuse, and the platform's error forms.

``MALFORMED[section]`` lists answers shaped almost like that endpoint's answer (a field missing or extra,
a number that is not one, a batch id cut short, a page with fewer rows than it claims ...): each must raise
Every8dResponseError. ``NEGATIVE[section]`` lists every way the platform says "error" (``-CODE``,
``-CODE,text``, with a BOM, CRLF, a comma or a line break in the text; 1.5's JSON forms) with the code the
Every8dApiError must carry. Generic junk (HTML, non-UTF-8, empty bodies) is tabled once for all endpoints in
tests/protocol/test_rows_and_errors.py, and random bytes are covered by tests/protocol/test_properties.py.
"""

from __future__ import annotations

UUID = "220478cc-8506-49b2-93b7-2505f651c12e"
ROW = "Lin\t+886900000001\t2021/06/01 14:25:55\t1.0\t100\t2021/06/01 14:26:01"
REPLY = "Lin\t+886900000001\tY\t2021/06/01 14:30:00"

_SEND = [
    ("four fields", "998.00,1,1,0"),
    ("credit in words", f"lots,1,1,0,{UUID}"),
    ("sent not a count", f"998.00,one,1,0,{UUID}"),
    ("cost not a number", f"998.00,1,1pt,0,{UUID}"),
    ("negative unsent", f"998.00,1,1,-1,{UUID}"),
    ("credit with an exponent", f"9.98e2,1,1,0,{UUID}"),
    ("batch id cut short", "998.00,1,1,0,220478cc-8506"),
    ("empty batch id", "998.00,1,1,0,"),
    ("semicolons", f"998.00;1;1;0;{UUID}"),
    ("a bare minus", "-"),
    ("a word", "OK"),
]
"""Shared by 1.1 and 1.2 (same answer); 1.3 and 1.4 take these plus their own."""

MALFORMED: dict[str, list[tuple[str, str]]] = {
    "1.1": [*_SEND, ("six fields", f"998.00,1,1,0,{UUID},x"),
            ("two answers in one body", f"998.00,1,1,0,{UUID}\r\n997.00,1,1,0,{UUID}")],
    "1.2": [*_SEND, ("six fields", f"995.00,1,3,0,{UUID},x"), ("JSON", '{"Result": true}')],
    "1.3": [*_SEND, ("a filtered entry in words", f"998.00,1,1,0,{UUID},0900000001/abc"),
            ("a filtered number cut short", f"998.00,1,1,0,{UUID},0900000001/0900"),
            ("all filtered, numbers in words", "-98,somebody"),
            ("all filtered, a number cut short", "-98,0900000001/09")],
    "1.4": [*_SEND, ("no MSGID field", f"998.00,1,1,0,{UUID}")],
    "1.5": [
        ("not JSON", "Result=true"),
        ("a JSON list", "[]"),
        ("JSON without Result", '{"Status": "0"}'),
        ("result in lower case", '{"result": true, "Status": "0", "Msg": "x"}'),
        ("JSON null", "null"),
        ("Python repr, not JSON", "{'Result': True}"),
        ("Msg in words", '{"Result": true, "Status": "0", "Msg": "done"}'),
        ("Msg with a cut batch id", '{"Result": true, "Status": "0", "Msg": "998.00,1,1,0,220478cc-85"}'),
        ("Msg missing", '{"Result": true, "Status": "0"}'),
        ("JSON cut short", '{"Result": true, "Status": "0", "Msg": "998.00,1,1,0,'),
    ],
    "2.2": [
        ("row count in words", f"one\r\n{ROW}"),
        ("row count with a comma", f"1,0\r\n{ROW}"),
        ("row count as a decimal", f"1.0\r\n{ROW}"),
        ("a row of two columns", "1\r\nLin\t+886900000001"),
        ("a row of seven columns", f"1\r\n{ROW}\tx"),
        ("status in words", "1\r\nLin\t+886900000001\t2021/06/01 14:25:55\t1.0\tOK\t"),
        ("cost in words", "1\r\nLin\t+886900000001\t2021/06/01 14:25:55\tone\t100\t"),
        ("fewer rows than the count", f"3\r\n{ROW}\r\n{ROW}"),
        ("a JSON object", '{"count": 1}'),
    ],
    "2.3": [
        ("row count in words", "one\r\nLin\t+886900000001\t2021/06/01 14:25:55\t3\t700"),
        ("a row of three columns", "1\r\nLin\t+886900000001\t700"),
        ("status in words", "1\r\nLin\t+886900000001\t2021/06/01 14:25:55\t3\tsent"),
        ("status as a decimal", "1\r\nLin\t+886900000001\t2021/06/01 14:25:55\t3\t700.5"),
        ("cost in words", "1\r\nLin\t+886900000001\t2021/06/01 14:25:55\tthree\t700"),
        ("fewer rows than the count", "2\r\nLin\t+886900000001\t2021/06/01 14:25:55\t3\t700"),
        ("a row of eight columns", "1\r\nLin\t+886900000001\t2021/06/01 14:25:55\t3\t700\tx\ty\tz"),
        ("row count with a space", "1 0\r\nLin\t+886900000001\t2021/06/01 14:25:55\t3\t700"),
    ],
    "2.4": [
        ("reply count in words", f"one\r\n{REPLY}"),
        ("reply count as a decimal", f"1.0\r\n{REPLY}"),
        ("a reply of three columns", "1\r\nLin\t+886900000001\tY"),
        ("a reply of one column", "1\r\nY"),
        ("fewer replies than the count", f"2\r\n{REPLY}"),
        ("a full page short of the count", "12\r\n" + "\r\n".join([REPLY] * 9)),
        ("reply count with a space", f"1 0\r\n{REPLY}"),
        ("a JSON object", '{"replies": []}'),
    ],
    "3.1": [
        ("in words", "plenty"),
        ("thousands separator", "1,000.00"),
        ("two decimal points", "100.00.00"),
        ("NaN", "NaN"),
        ("Infinity", "Infinity"),
        ("with a unit", "100 points"),
        ("an exponent", "1e3"),
        ("two lines", "100.00\r\n200.00"),
        ("a leading plus", "+100"),
        ("no integer part", ".5"),
    ],
    "3.2": [
        ("one field", "1"),
        ("three fields", "1,1.0,1"),
        ("deleted in words", "one,1.0"),
        ("refunded in words", "1,one"),
        ("deleted as a decimal", "1.5,1.0"),
        ("semicolon", "1;1.0"),
        ("named fields", "deleted=1,refunded=1.0"),
        ("two answers", "1,1.0\r\n1,1.0"),
    ],
}
MALFORMED["3.3"] = [(label, body.replace("1.0", "3.0")) for label, body in MALFORMED["3.2"]]

_NEGATIVE = [
    ("bare code", "-99", -99),
    ("code and text", "-2,wrong password", -2),
    ("Chinese text", "-306,手機格式不符:0912", -306),
    ("BOM", "\ufeff-24", -24),
    ("CRLF after it", "-41,\r\n", -41),
    ("a comma inside the text", "  -100,text, with a comma  ", -100),
    ("a line break inside the text", "-300,line one\nline two", -300),
    ("nine digits", "-123456789", -123456789),
    ("a negative decimal", "-1.5", -1),
    ("a negative decimal and a field", "-1.0,2", -1),
]
NEGATIVE: dict[str, list[tuple[str, str, int]]] = {
    section: list(_NEGATIVE) for section in ("1.1", "1.2", "1.4", "2.2", "2.3", "2.4", "3.1", "3.2", "3.3")
}
NEGATIVE["1.3"] = [form for form in _NEGATIVE if form[2] != -98]  # -98 there is "all filtered", not an error
NEGATIVE["1.5"] = [
    ("Result false", '{"Result": false, "Status": "-5", "Msg": "bad UID"}', -5),
    ("Result false, no Status", '{"Result": false, "Msg": "refused"}', -99),
    ("Result true with a negative Status", '{"Result": true, "Status": "-27", "Msg": "no credit"}', -27),
    ("Status in words", '{"Result": false, "Status": "oops", "Msg": "x"}', -99),
    ("Result false with a BOM", '\ufeff{"Result": false, "Status": "-4", "Msg": ""}', -4),
    ("plain bare code", "-99", -99),
    ("plain code and text", "-2,wrong password", -2),
    ("plain code with CRLF", "-306,手機格式不符\r\n", -306),
]
