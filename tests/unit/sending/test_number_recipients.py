"""A send's recipients are kept as one list of numbers, not an object per recipient: 100,000 live tuples
would make Python's full garbage collection walk the task process's heap again and again."""

from __future__ import annotations

import gc

from airflow_provider_every8d.sending import Recipient, phone_recipients
from airflow_provider_every8d.sending.ledger import Ledger, MemoryStore
from airflow_provider_every8d.sending.plan import Send, make_plan

NUMBERS = [f"0900{n:06d}" for n in range(5000)]


def test_recipients_add_no_tracked_object_per_number() -> None:
    phone_recipients(NUMBERS[:1])  # the modules it imports on first use
    gc.disable()
    try:
        before = len(gc.get_objects())
        recipients = phone_recipients(NUMBERS)
        added = len(gc.get_objects()) - before
    finally:
        gc.enable()
    assert len(recipients) == 5000 and added < 50


def test_they_read_as_recipients_keyed_by_number() -> None:
    recipients = phone_recipients(["0900000002", "+886900000001", "0900000002"])
    assert list(recipients) == [Recipient("0900000002", "0900000002", "0900000002"),
                                Recipient("0900000001", "0900000001", "0900000001")]
    assert recipients[1].key == "0900000001" and list(recipients[:1]) == [recipients[0]]


def test_a_plan_of_them_chunks_the_numbers_in_order() -> None:
    built: list[list[str]] = []

    def build(items: list[str], recheck: bool) -> object:
        from airflow_provider_every8d.protocol.build import sms_request

        built.append(list(items))
        return sms_request("hi", items)

    plan = make_plan(Send(phone_recipients(NUMBERS), build, chunk_size=2000), Ledger(MemoryStore()))  # type: ignore[arg-type]
    assert [len(chunk.keys) for chunk in plan.chunks] == [2000, 2000, 1000]
    assert [key for chunk in plan.chunks for key in chunk.keys] == NUMBERS
    assert built == [NUMBERS[:2000], NUMBERS[2000:4000], NUMBERS[4000:]] and plan.estimated_cost == 5000
