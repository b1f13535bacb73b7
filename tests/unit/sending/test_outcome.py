"""The outcome: its verdict is a type, and to_xcom() is the send XCom."""

from __future__ import annotations

from airflow_provider_every8d.sending.outcome import ChunkResult, Outcome, Verdict, failed

CHUNKS = (ChunkResult("B1", 2, 2.0, 0, 98.0), ChunkResult("", 0, 0.0, 0, None, ("0900000003",)),
          ChunkResult("B3", 1, 3.0, 1, 95.0, ("0900000004",)))


def test_to_xcom_adds_up_every_accepted_chunk() -> None:
    xcom = Outcome(Verdict.DONE, CHUNKS, credit=95.0).to_xcom()
    assert xcom == {"batch_ids": ["B1", "B3"], "sent": 3, "cost": 5.0, "unsent": 1, "credit": 95.0,
                    "filtered": ["0900000003", "0900000004"]}
    assert isinstance(xcom["cost"], float) and isinstance(xcom["credit"], float)


def test_an_empty_send_is_an_xcom_of_zeros() -> None:
    assert Outcome(Verdict.DONE, (), credit=10).to_xcom() == {"batch_ids": [], "sent": 0, "cost": 0.0,
                                                               "unsent": 0, "credit": 10.0, "filtered": []}


def test_the_verdicts_are_three() -> None:
    assert [verdict.value for verdict in Verdict] == ["done", "retry", "final"]


def test_a_failed_outcome_keeps_what_was_accepted_and_why() -> None:
    cause = ValueError("boom")
    outcome = failed(Verdict.RETRY, "chunk 2 of 3 was refused", CHUNKS[:1], retry_safe=True, cause=cause)
    assert (outcome.verdict, outcome.problem, outcome.batch_ids, outcome.retry_safe, outcome.cause) == (
        Verdict.RETRY, "chunk 2 of 3 was refused", ["B1"], True, cause)


def test_a_chunk_goes_into_the_ledger_with_its_filtered_numbers_as_digests() -> None:
    entry = CHUNKS[2].to_ledger(lambda number: f"d({number})")
    assert entry == {"batch_id": "B3", "sent": 1, "cost": 3.0, "unsent": 1, "credit": 95.0,
                     "filtered": ["d(0900000004)"]}
    assert ChunkResult.from_ledger(entry) == ChunkResult("B3", 1, 3.0, 1, 95.0, ("d(0900000004)",))
