"""requests older than 2.32.2 (pyproject allows 2.31, Airflow 2.11 allows 2.27) has no
``HTTPAdapter.get_connection_with_tls_context``: the sync client's short way (transport/adapter.py) must step
aside there, before anything is sent, and leave the POST to ``Session.post``, which works on every version.
Checked by hand against requests 2.31.0 in a venv of its own: the balance is read (an AttributeError before)."""

from __future__ import annotations

import pytest
import requests
from requests.adapters import HTTPAdapter

from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.protocol import build
from airflow_provider_every8d.settings import ClientSettings
from airflow_provider_every8d.transport.core import prepare
from airflow_provider_every8d.transport.sync import Every8dClient


def test_without_the_tls_context_choice_the_short_way_sends_nothing_and_steps_aside(
        every8d_emulator: Every8dEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(HTTPAdapter, "get_connection_with_tls_context")  # as in requests < 2.32.2
    settings = ClientSettings(base_url=every8d_emulator.url, uid="demo", password="demo-password",
                              connect_retries=0)
    client = Every8dClient(settings, requests.Session())  # requests' way (a proxy, netrc, a session)
    url, body, headers = prepare(build.credit_request(), settings)
    answered = client.adapter.post(client.session, url, body=body, headers=headers, timeout=5.0)
    client.close()
    assert answered is None  # the caller then takes Session.post (requests' whole way)
    assert every8d_emulator.requests == []
