"""The one place a verdict becomes Airflow's exception: a retry-safe failure raises ``AirflowException``
(Airflow retries it while ``retries`` allow), a final one ``AirflowFailException`` (never retried).

The send engine (:mod:`airflow_provider_every8d.sending`) returns verdicts and knows nothing of Airflow;
the send operators and their wait for delivery raise through here.
"""

from __future__ import annotations

from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

from airflow_provider_every8d.sending.outcome import Outcome, Verdict


def exception_for(verdict: Verdict, message: str) -> AirflowException:
    """The exception that fails the task as ``verdict`` says (RETRY or FINAL)."""
    return AirflowException(message) if verdict is Verdict.RETRY else AirflowFailException(message)


def fail(message: str, retryable: bool) -> AirflowException:
    """:func:`exception_for` for code that knows only whether a retry is safe (the wait after a send)."""
    return exception_for(Verdict.RETRY if retryable else Verdict.FINAL, message)


NOT_RETRIED = "; not retried, since a retry would send again"


def after_send(message: str, retry_safe: bool) -> AirflowException:
    """A failure once the send succeeded (waiting for delivery): retried only where a retry cannot send
    again, and saying so when it is not."""
    return fail(message if retry_safe else message + NOT_RETRIED, retry_safe)


def raise_for(outcome: Outcome, *, prefix: str = "") -> None:
    """Return when the send is done; raise the verdict's exception, chained to its cause, otherwise. Any
    user of the engine raises through here (``prefix`` says what was sent, e.g. ``"the question: "``)."""
    if outcome.verdict is Verdict.DONE:
        return
    raise exception_for(outcome.verdict, prefix + outcome.problem) from outcome.cause
