"""The bad-input corpus: invalid arguments for every operator, both sensors and the notifier.

Each case says which task it builds, with which keyword arguments, when it must fail (``"parse"``: the
constructor, i.e. when the DAG file is parsed; ``"run"``: after template rendering, before anything is
sent), the field the error must name and a fragment of the problem it must state. ``connection`` replaces
the fields of the connection the task uses (the case then runs against ``every8d_bad``).

Templated values render from :data:`PARAMS` (``{{ params.bad_number }}`` ...), as in a DAG run.
test_rel_bad_inputs.py runs every case; tests/operators/test_op_validation.py and
tests/notifications/test_notifier.py hold the per-module tables this corpus widens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 100
ON_CALL = "0900000001"
BATCH = "220478cc-8506-49b2-93b7-2505f651c12e"

PARAMS: dict[str, Any] = {
    "bad_number": "12ab",
    "blank": "   ",
    "when": "next week",
    "conn": "no_such_connection",
    "bad_batch": "not a batch!",
    "long_subject": "s" * 96,
    "minutes": "-5",
}
"""What ``{{ params.* }}`` renders to in the templated cases."""

SMS = {"message": "hello", "recipients": [ON_CALL]}
MMS = {"message": "hi", "recipients": [ON_CALL], "subject": "Coupon", "attachment": PNG, "attachment_type": "png"}
PARAM = {"message": "Hi %field1%", "recipients": [{"mobile": ON_CALL, "params": ["Lin"]}]}
NOTE = {"recipients": ON_CALL, "message": "disk full"}

Target = Literal["sms", "mms", "param", "erase", "report", "status", "reply", "notifier"]


@dataclass(frozen=True)
class BadInput:
    name: str
    target: Target
    kwargs: dict[str, Any]
    field: str
    problem: str
    stage: Literal["parse", "run"] = "run"
    connection: dict[str, Any] = field(default_factory=dict)


def _conn(target: Target, base: dict[str, Any], label: str, connection: dict[str, Any], fld: str,
          problem: str) -> BadInput:
    return BadInput(f"{target}: {label}", target, base, fld, problem, "run", connection)


def _numbers() -> list[BadInput]:
    return [
        BadInput("sms: letters in the 4th number", "sms",
                 {**SMS, "recipients": ["0900000001", "0900000002", "0900000003", "12ab"]},
                 "recipients[3]", "not a phone number"),
        BadInput("sms: an int loses its leading 0", "sms", {**SMS, "recipients": [900000001]}, "recipients[0]",
                 "is an int"),
        BadInput("sms: None in the list", "sms", {**SMS, "recipients": [None]}, "recipients[0]",
                 "expected a phone number string"),
        BadInput("sms: a dict instead of numbers", "sms", {**SMS, "recipients": {"to": ON_CALL}}, "recipients",
                 "expected a number, a comma-separated string or a list"),
        BadInput("sms: empty string", "sms", {**SMS, "recipients": " , "}, "recipients", "no recipients"),
        BadInput("sms: a landline", "sms", {**SMS, "recipients": "0223456789"}, "recipients[0]",
                 "not a phone number"),
        BadInput("sms: +886 without a mobile", "sms", {**SMS, "recipients": "+886223456789"}, "recipients[0]",
                 "not a phone number"),
        BadInput("sms: 2nd of a comma-separated string", "sms", {**SMS, "recipients": "0900000001,0912-34"},
                 "recipients[1]", "not a phone number"),
        BadInput("sms: templated number renders letters", "sms",
                 {**SMS, "recipients": [ON_CALL, "{{ params.bad_number }}"]}, "recipients[1]",
                 "not a phone number"),
    ]


def _sms_fields() -> list[BadInput]:
    return [
        BadInput("sms: empty message", "sms", {**SMS, "message": ""}, "message", "empty message"),
        BadInput("sms: message of 2,001 characters", "sms", {**SMS, "message": "x" * 2001}, "message",
                 "over the limit of 2000"),
        BadInput("sms: message is a number", "sms", {**SMS, "message": 42}, "message", "expected text"),
        BadInput("sms: templated message renders blank", "sms", {**SMS, "message": "{{ params.blank }}"},
                 "message", "empty message"),
        BadInput("sms: subject is a number", "sms", {**SMS, "subject": 7}, "subject", "expected text"),
        BadInput("sms: naive send_time", "sms", {**SMS, "send_time": datetime(2030, 1, 1, 9)}, "send_time",
                 "naive datetime"),
        BadInput("sms: send_time in words", "sms", {**SMS, "send_time": "tomorrow"}, "send_time",
                 "expected yyyyMMddHHmmss"),
        BadInput("sms: send_time month 13", "sms", {**SMS, "send_time": "20301301090000"}, "send_time",
                 "not a valid date and time"),
        BadInput("sms: send_time as an int", "sms", {**SMS, "send_time": 20300101090000}, "send_time",
                 "expected a datetime or a yyyyMMddHHmmss string"),
        BadInput("sms: templated send_time renders words", "sms", {**SMS, "send_time": "{{ params.when }}"},
                 "send_time", "expected yyyyMMddHHmmss"),
        BadInput("sms: negative retry_time", "sms", {**SMS, "retry_time": -5}, "retry_time",
                 "must be a positive number of minutes"),
        BadInput("sms: retry_time in words", "sms", {**SMS, "retry_time": "a day"}, "retry_time",
                 "expected whole minutes"),
        BadInput("sms: retry_time of 1.5 minutes", "sms", {**SMS, "retry_time": 1.5}, "retry_time",
                 "expected whole minutes, got 1.5"),
        BadInput("sms: templated retry_time renders negative", "sms", {**SMS, "retry_time": "{{ params.minutes }}"},
                 "retry_time", "expected whole minutes, got '-5'"),
        BadInput("sms: MSGID with letters", "sms", {**SMS, "msg_id": "12ab"}, "msg_id", "must be 1 to 20 digits"),
        BadInput("sms: MSGID of 21 digits", "sms", {**SMS, "msg_id": "1" * 21}, "msg_id", "more than 20"),
        BadInput("sms: negative MSGID", "sms", {**SMS, "msg_id": -7}, "msg_id", "must be 1 to 20 digits"),
        BadInput("sms: MSGID with deduplicate", "sms", {**SMS, "msg_id": "7", "deduplicate": True}, "msg_id",
                 "cannot be combined with deduplicate"),
        BadInput("sms: MSGID with two recipients", "sms",
                 {**SMS, "recipients": [ON_CALL, "0900000002"], "msg_id": "7"}, "recipients",
                 "exactly one recipient"),
    ]


def _options() -> list[BadInput]:
    return [
        BadInput("sms: chunk_size 0", "sms", {**SMS, "chunk_size": 0}, "chunk_size", "positive whole number",
                 "parse"),
        BadInput("sms: chunk_size as text", "sms", {**SMS, "chunk_size": "100"}, "chunk_size",
                 "positive whole number", "parse"),
        BadInput("sms: negative max_cost", "sms", {**SMS, "max_cost": -1}, "max_cost", "0 or more", "parse"),
        BadInput("sms: poll_interval 0", "sms", {**SMS, "poll_interval": 0}, "poll_interval",
                 "positive number of seconds", "parse"),
        BadInput("sms: min_delivery_rate 1.5", "sms", {**SMS, "min_delivery_rate": 1.5}, "min_delivery_rate",
                 "between 0 and 1", "parse"),
        BadInput("sms: over max_cost", "sms", {**SMS, "recipients": [ON_CALL, "0900000002"], "max_cost": 1},
                 "max_cost", "over the limit of 1"),
    ]


def _connections() -> list[BadInput]:
    return [
        BadInput("sms: unknown connection", "sms", {**SMS, "every8d_conn_id": "no_such_connection"},
                 "every8d_conn_id", "'no_such_connection' is not defined"),
        BadInput("sms: templated connection id renders an unknown one", "sms",
                 {**SMS, "every8d_conn_id": "{{ params.conn }}"}, "every8d_conn_id", "is not defined"),
        _conn("sms", SMS, "connection of type http", {"conn_type": "http"}, "every8d_conn_id", "has type 'http'"),
        _conn("sms", SMS, "host without scheme", {"host": "oms.every8d.com"}, "host", "has no scheme"),
        _conn("sms", SMS, "ftp host", {"host": "ftp://oms.every8d.com"}, "host", "is not http or https"),
        _conn("sms", SMS, "credentials in the host URL", {"host": "https://demo:pw@oms.every8d.com"}, "host",
              "credentials in the URL are not allowed"),
        _conn("sms", SMS, "query string in the host", {"host": "https://oms.every8d.com/?UID=demo"}, "host",
              "query string"),
        _conn("sms", SMS, "port contradicts the host", {"host": "https://oms.every8d.com:8443", "port": 9443},
              "port", "contradicts"),
        _conn("sms", SMS, "empty password", {"password": ""}, "password", "is empty"),
        _conn("sms", SMS, "empty login", {"login": ""}, "login", "is empty"),
        _conn("sms", SMS, "password in extra", {"extra": {"PWD": "x"}}, "extra.PWD", "belong in login and password"),
        _conn("sms", SMS, "negative timeout", {"extra": {"timeout": -1}}, "extra.timeout", "between 0 and 600"),
        _conn("sms", SMS, "timeout in words", {"extra": {"timeout": "soon"}}, "extra.timeout",
              "not a number of seconds"),
        _conn("sms", SMS, "connect_retries 11", {"extra": {"connect_retries": 11}}, "extra.connect_retries",
              "must be 0 to 10"),
        _conn("mms", MMS, "host without scheme", {"host": "api.e8d.tw"}, "host", "has no scheme"),
        _conn("erase", {"batch_id": BATCH}, "host without scheme", {"host": "api.e8d.tw"}, "host", "has no scheme"),
        _conn("status", {"batch_id": BATCH}, "connection of type http", {"conn_type": "http"}, "every8d_conn_id",
              "has type 'http'"),
        _conn("notifier", NOTE, "host without scheme", {"host": "oms.every8d.com"}, "host", "has no scheme"),
        BadInput("notifier: unknown connection", "notifier", {**NOTE, "every8d_conn_id": "no_such_connection"},
                 "every8d_conn_id", "is not defined"),
        BadInput("status: unknown connection", "status", {"batch_id": BATCH, "every8d_conn_id": "nope"},
                 "every8d_conn_id", "'nope' is not defined"),
    ]


def _mms() -> list[BadInput]:
    return [
        BadInput("mms: gif type", "mms", {**MMS, "attachment_type": "gif"}, "attachment_type", "is not supported"),
        BadInput("mms: bytes without a type", "mms", {**MMS, "attachment_type": None}, "attachment_type",
                 "required when attachment is bytes"),
        BadInput("mms: attachment is a number", "mms", {**MMS, "attachment": 42}, "attachment",
                 "expected bytes, a path or an ObjectStoragePath"),
        BadInput("mms: missing file", "mms", {**MMS, "attachment": "/nonexistent/coupon.png"}, "attachment",
                 "cannot read"),
        BadInput("mms: empty image", "mms", {**MMS, "attachment": b""}, "attachment", "empty image"),
        BadInput("mms: image over 300 KB", "mms", {**MMS, "attachment": PNG + b"\0" * 307_200}, "attachment",
                 "300"),
        BadInput("mms: jpeg bytes said to be png", "mms", {**MMS, "attachment": JPEG}, "attachment",
                 "not a png image"),
        BadInput("mms: no subject", "mms", {**MMS, "subject": ""}, "subject", "needs a subject"),
        BadInput("mms: ASCII subject of 96", "mms", {**MMS, "subject": "s" * 96}, "subject", "over the limit"),
        BadInput("mms: Chinese subject of 16", "mms", {**MMS, "subject": "優" * 16}, "subject", "over the limit"),
        BadInput("mms: templated subject renders too long", "mms", {**MMS, "subject": "{{ params.long_subject }}"},
                 "subject", "over the limit"),
        BadInput("mms: text of 4,001 characters", "mms", {**MMS, "message": "x" * 4001}, "message",
                 "over the MMS limit"),
        BadInput("mms: international number", "mms", {**MMS, "recipients": ["+14155550100"]}, "recipients[0]",
                 "international"),
        BadInput("mms: naive send_time", "mms", {**MMS, "send_time": datetime(2030, 1, 1)}, "send_time",
                 "naive datetime"),
    ]


def _param() -> list[BadInput]:
    def one(**entry: Any) -> dict[str, Any]:
        return {**PARAM, "recipients": [{"mobile": ON_CALL, **entry}]}

    return [
        BadInput("param: 6 params", "param", one(params=list("abcdef")), "recipients[0].params", "at most 5"),
        BadInput("param: | inside a param", "param", one(params=["a", "b|c"]), "recipients[0].params[1]",
                 "separator"),
        BadInput("param: params as text", "param", one(params="Lin"), "recipients[0].params",
                 "expected a list of at most 5 strings"),
        BadInput("param: a param is None", "param", one(params=["a", None]), "recipients[0].params[1]",
                 "expected text, got NoneType"),
        BadInput("param: bad mobile", "param", {**PARAM, "recipients": [{"mobile": "12", "params": ["a"]}]},
                 "recipients[0].mobile", "not a phone number"),
        BadInput("param: no mobile", "param", {**PARAM, "recipients": [{"params": ["a"]}]}, "recipients[0].mobile",
                 "required"),
        BadInput("param: unknown key", "param", one(params=["a"], phone="x"), "recipients[0]", "unknown key"),
        BadInput("param: bad e-mail", "param", one(params=["a"], email="nobody"), "recipients[0].email",
                 "not an e-mail address"),
        BadInput("param: per-recipient naive send_time", "param", one(params=["a"], send_time=datetime(2030, 1, 1)),
                 "recipients[0].send_time", "naive datetime"),
        BadInput("param: empty content", "param", {"recipients": [{"mobile": ON_CALL, "content": ""}]},
                 "recipients[0].content", "empty"),
        BadInput("param: numbers instead of dicts", "param", {**PARAM, "recipients": [ON_CALL]}, "recipients[0]",
                 "expected a dict with 'mobile'"),
        BadInput("param: no recipients", "param", {**PARAM, "recipients": []}, "recipients",
                 "expected a non-empty list of dicts"),
        BadInput("param: negative retry_time", "param", {**PARAM, "retry_time": -1}, "retry_time",
                 "must be a positive number of minutes"),
    ]


def _batches() -> list[BadInput]:
    return [
        BadInput("erase: not a batch id", "erase", {"batch_id": "not an id!"}, "batch_id[0]", "is not a batch id"),
        BadInput("erase: empty list", "erase", {"batch_id": []}, "batch_id", "no batch id given"),
        BadInput("erase: a number", "erase", {"batch_id": 42}, "batch_id", "expected a batch id"),
        BadInput("erase: templated id renders junk", "erase", {"batch_id": "{{ params.bad_batch }}"}, "batch_id[0]",
                 "is not a batch id"),
        BadInput("report: unknown format", "report", {"batch_ids": BATCH, "path": "/tmp/r.csv", "format": "xml"},
                 "format", "is not one of csv, jsonl", "parse"),
        BadInput("report: bad batch id", "report", {"batch_ids": [BATCH, "x y"], "path": "/tmp/r.csv"},
                 "batch_ids[1]", "is not a batch id"),
        BadInput("status: not a batch id", "status", {"batch_id": "bad id!"}, "batch_id[0]", "is not a batch id"),
        BadInput("status: no batch id", "status", {"batch_id": []}, "batch_id", "no batch id given"),
        BadInput("status: None", "status", {"batch_id": None}, "batch_id", "expected a batch id"),
        BadInput("status: templated id renders junk", "status", {"batch_id": "{{ params.bad_batch }}"},
                 "batch_id[0]", "is not a batch id"),
        BadInput("status: min_delivery_rate 1.5", "status", {"batch_id": BATCH, "min_delivery_rate": 1.5},
                 "min_delivery_rate", "between 0 and 1", "parse"),
        BadInput("reply: bad from_numbers", "reply", {"batch_id": BATCH, "from_numbers": ["0912"]},
                 "from_numbers[0]", "not a phone number"),
        BadInput("reply: pattern that is not a regex", "reply", {"batch_id": BATCH, "pattern": "(yes"}, "pattern",
                 "not a regular expression"),
        BadInput("reply: not a batch id", "reply", {"batch_id": "?"}, "batch_id[0]", "is not a batch id"),
    ]


def _notifier() -> list[BadInput]:
    return [
        BadInput("notifier: short number", "notifier", {**NOTE, "recipients": "0912"}, "recipients[0]",
                 "not a phone number", "parse"),
        BadInput("notifier: no recipients", "notifier", {**NOTE, "recipients": []}, "recipients", "no recipients",
                 "parse"),
        BadInput("notifier: int recipients", "notifier", {**NOTE, "recipients": 900000001}, "recipients",
                 "expected a number", "parse"),
        BadInput("notifier: empty message", "notifier", {**NOTE, "message": ""}, "message", "empty message",
                 "parse"),
        BadInput("notifier: fixed message over max_length", "notifier", {**NOTE, "message": "x" * 71}, "message",
                 "over max_length=70", "parse"),
        BadInput("notifier: max_length 0", "notifier", {**NOTE, "max_length": 0}, "max_length",
                 "whole number from 1 to 2000", "parse"),
        BadInput("notifier: max_length as text", "notifier", {**NOTE, "max_length": "70"}, "max_length",
                 "whole number from 1 to 2000", "parse"),
        BadInput("notifier: subject is a number", "notifier", {**NOTE, "subject": 5}, "subject", "expected text",
                 "parse"),
        BadInput("notifier: empty connection id", "notifier", {**NOTE, "every8d_conn_id": " "}, "every8d_conn_id",
                 "empty connection id", "parse"),
        BadInput("notifier: templated number renders letters", "notifier",
                 {**NOTE, "recipients": "{{ params.bad_number }}"}, "recipients[0]", "not a phone number"),
        BadInput("notifier: templated message renders blank", "notifier", {**NOTE, "message": "{{ params.blank }}"},
                 "message", "empty message"),
    ]


CASES: list[BadInput] = [*_numbers(), *_sms_fields(), *_options(), *_connections(), *_mms(), *_param(),
                         *_batches(), *_notifier()]
"""Every case, in a stable order (the test ids are their names)."""
