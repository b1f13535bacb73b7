"""The bearer-token flow sans I/O (transport/tokens.py): what is posted, when a token is asked for, what a
refusal or a transport failure leads to; and the cache's renewal age, sharing and fork rule."""

from __future__ import annotations

import os
from typing import Any

import pytest

from airflow_provider_every8d.protocol import build
from airflow_provider_every8d.protocol.errors import Every8dApiError, Every8dTransportError
from airflow_provider_every8d.settings import ClientSettings
from airflow_provider_every8d.transport import tokens as flow
from airflow_provider_every8d.transport.tokens import Obtain, Post, TokenCache

REFUSED = (200, b"-2,Token expired")
ACCEPTED = (200, b"1230.00,1,1,0,220478cc-8506-49b2-93b7-2505f651c12e")
SETTINGS = ClientSettings(base_url="https://new.e8d.tw", uid="demo", password="pw", api_version="2.2",
                          auth="token", token_renew_after=60)


def _drive(answers: list[Any]) -> tuple[list[Any], Any]:
    """Run the flow for one send, answering each step from ``answers``; the steps seen and the result."""
    steps, generator, outcome = [], flow.exchange(build.sms_request("hi", "0900000001")), None
    while True:
        try:
            step = generator.send(outcome)
        except StopIteration as done:
            return steps, done.value
        steps.append(step)
        outcome = answers.pop(0)


def test_a_token_is_asked_for_then_the_call_made_with_it() -> None:
    steps, result = _drive(["T1", ACCEPTED])
    assert steps[0] == Obtain(None) and isinstance(steps[1], Post) and steps[1].token == "T1"
    assert result == ACCEPTED


def test_a_refused_token_is_replaced_once_and_the_call_repeated() -> None:
    steps, result = _drive(["T1", REFUSED, "T2", ACCEPTED])
    assert [type(s).__name__ for s in steps] == ["Obtain", "Post", "Obtain", "Post"]
    assert steps[2] == Obtain("T1") and steps[3].token == "T2" and result == ACCEPTED


def test_a_second_refusal_is_an_error_saying_nothing_was_sent() -> None:
    with pytest.raises(Every8dApiError, match="nothing was sent"):
        _drive(["T1", REFUSED, "T2", REFUSED])


def test_a_transport_failure_of_the_call_is_returned_not_repeated() -> None:
    lost = Every8dTransportError("ReadTimeout (the request may have reached the server)")
    steps, result = _drive(["T1", lost])
    assert len(steps) == 2 and result is lost


def test_no_token_means_the_call_is_not_made() -> None:
    failed = Every8dTransportError("getting a bearer token: HTTP 500", may_have_reached_server=False)
    steps, result = _drive([failed])
    assert steps == [Obtain(None)] and result is failed


def test_the_cache_renews_after_the_configured_age_and_skips_a_refused_token() -> None:
    now = [0.0]
    cache = TokenCache(clock=lambda: now[0])
    cache.store(SETTINGS, "T1")
    assert cache.current(SETTINGS) == "T1" and cache.current(SETTINGS, refused="T1") is None
    now[0] = 59.9
    assert cache.current(SETTINGS) == "T1"
    now[0] = 60.0
    assert cache.current(SETTINGS) is None


def test_one_token_per_account_and_password() -> None:
    cache = TokenCache()
    cache.store(SETTINGS, "T1")
    other_password = ClientSettings(**{**SETTINGS.__dict__, "password": "other"})
    other_host = ClientSettings(**{**SETTINGS.__dict__, "base_url": "https://biz3.every8d.com.tw/x"})
    assert cache.current(other_password) is None and cache.current(other_host) is None
    assert cache.current(ClientSettings(**SETTINGS.__dict__)) == "T1"


def test_only_the_tokens_of_this_process_are_closed() -> None:
    cache = TokenCache()
    cache.store(SETTINGS, "T1")
    cache._entries[next(iter(cache._entries))].pid = os.getpid() + 1  # as if inherited from a parent
    assert cache.take_own() == []
