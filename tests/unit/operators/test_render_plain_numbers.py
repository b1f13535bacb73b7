"""A templated list of plain numbers, or a plain string, is not sent through Jinja one string at a time (about
0.15 ms each: 15 s of a task's CPU for 100,000 literal recipients); anything Jinja would change still is."""

from __future__ import annotations

from typing import Any

import jinja2
import pytest
from jinja2.nativetypes import NativeEnvironment

from airflow_provider_every8d.operators.every8d import Every8dSendSmsOperator

NUMBERS = [f"0900{n:06d}" for n in range(300)]


class Counting(jinja2.Environment):
    compiled = 0

    def from_string(self, source: Any, *args: Any, **kwargs: Any) -> Any:
        type(self).compiled += 1
        return super().from_string(source, *args, **kwargs)


@pytest.fixture
def env() -> Counting:
    Counting.compiled = 0
    return Counting()


def _rendered(recipients: Any, env: jinja2.Environment, message: str = "hi") -> Any:
    operator = Every8dSendSmsOperator(task_id="send", message=message, recipients=recipients)
    operator.render_template_fields({"n": "0900000999"}, jinja_env=env)  # type: ignore[arg-type]
    return operator


@pytest.mark.parametrize("recipients", [NUMBERS, tuple(NUMBERS), ["+886 900 000 001", "0900-000-002"]])
def test_plain_numbers_are_kept_without_jinja(recipients: Any, env: Counting) -> None:
    operator = _rendered(recipients, env)
    assert operator.recipients == recipients and type(operator.recipients) is type(recipients)
    assert Counting.compiled == 0  # the message and the connection id are plain text too


@pytest.mark.parametrize(("message", "expected", "compiled"), [
    ("Your order has shipped. 100% (really)", "Your order has shipped. 100% (really)", 0),
    ("Order {{ n }} shipped", "Order 0900000999 shipped", 1),
    ("Shipped {# note #}", "Shipped ", 1),
    ("Shipped\n", "Shipped", 1),  # Jinja drops a trailing newline: still rendered by Jinja
])
def test_a_plain_message_is_kept_and_a_template_rendered(message: str, expected: str, compiled: int,
                                                         env: Counting) -> None:
    assert _rendered(NUMBERS[:2], env, message).message == expected and Counting.compiled == compiled


@pytest.mark.parametrize(("recipients", "expected"), [
    (["0900000001", "{{ n }}"], ["0900000001", "0900000999"]),
    (["0900000001 {# note #}"], ["0900000001 "]),
    (["0900000001\n"], ["0900000001"]),  # Jinja drops a trailing newline: still rendered by Jinja
])
def test_anything_jinja_would_change_is_rendered(recipients: list[str], expected: list[str], env: Counting) -> None:
    assert _rendered(recipients, env).recipients == expected


class CountingNative(NativeEnvironment):
    compiled = 0

    def from_string(self, source: Any, *args: Any, **kwargs: Any) -> Any:
        type(self).compiled += 1
        return super().from_string(source, *args, **kwargs)


def test_a_native_environment_still_renders_every_number() -> None:
    """Airflow's render_template_as_native_obj may turn text into other types: left to Airflow, as before."""
    _rendered(NUMBERS[:10], CountingNative())
    assert CountingNative.compiled == 12  # the numbers, the message and the connection id
