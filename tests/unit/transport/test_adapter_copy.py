"""A copied or unpickled sync client still posts: requests' HTTPAdapter pickles only its ``__attrs__``, so
the adapter's own caches must be made again (without them every post raised AttributeError, which the
send-once engine cannot classify)."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest
import requests

from airflow_provider_every8d.protocol import build
from airflow_provider_every8d.protocol.errors import Every8dTransportError
from airflow_provider_every8d.settings import ClientSettings
from airflow_provider_every8d.transport.sync import Every8dClient


@pytest.mark.parametrize("way", ["direct", "requests"])
@pytest.mark.parametrize("duplicate", [copy.deepcopy, lambda client: pickle.loads(pickle.dumps(client))],
                         ids=["deepcopy", "pickle"])
def test_a_copied_client_still_posts(duplicate: Any, way: str) -> None:
    client = Every8dClient(ClientSettings(base_url="http://127.0.0.1:9", uid="u", password="p", timeout=1,
                                          connect_retries=0), requests.Session() if way == "requests" else None)
    assert client.direct is (way == "direct")
    outcome = duplicate(client).post(build.credit_request(), None)  # port 9: connection refused
    assert isinstance(outcome, Every8dTransportError) and not outcome.may_have_reached_server
