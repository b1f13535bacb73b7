"""The one mapping from a send's verdict to Airflow's exceptions: a retry-safe failure retries, a final
one never does."""

from __future__ import annotations

import pytest
from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

from airflow_provider_every8d.operators._verdict import exception_for, fail, raise_for
from airflow_provider_every8d.sending.outcome import Outcome, Verdict, failed


@pytest.mark.parametrize(("verdict", "final"), [(Verdict.RETRY, False), (Verdict.FINAL, True)])
def test_a_failure_raises_what_airflow_retries_or_not(verdict: Verdict, final: bool) -> None:
    cause = OSError("reset")
    with pytest.raises(AirflowException, match="chunk 1 of 1") as caught:
        raise_for(failed(verdict, "chunk 1 of 1 was refused", cause=cause))
    assert isinstance(caught.value, AirflowFailException) is final and caught.value.__cause__ is cause
    assert isinstance(exception_for(verdict, "x"), AirflowFailException) is final
    assert isinstance(fail("x", retryable=not final), AirflowFailException) is final


def test_done_raises_nothing() -> None:
    raise_for(Outcome(Verdict.DONE, credit=1.0))


def test_another_user_of_the_engine_says_what_was_not_sent() -> None:
    with pytest.raises(AirflowFailException, match=r"^EVERY8D: the question was not sent: out of credit$"):
        raise_for(failed(Verdict.FINAL, "out of credit"), prefix="EVERY8D: the question was not sent: ")
