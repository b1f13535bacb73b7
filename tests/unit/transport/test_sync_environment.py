"""The sync client reads the environment once, when it is built: the way out, the CA bundle, netrc."""

from __future__ import annotations

import urllib.request

import certifi
import pytest
import requests

from airflow_provider_every8d.settings import ClientSettings
from airflow_provider_every8d.transport.sync import Every8dClient
from airflow_provider_every8d.transport.wire import ca_bundle

BUNDLE = "/etc/ssl/certs/internal-ca.pem"
OTHER = "/etc/ssl/certs/curl-ca.pem"


def settings(**kwargs: object) -> ClientSettings:
    return ClientSettings(base_url="https://oms.every8d.com", uid="demo", password="demo-password",
                          **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("env", "verify", "expected"), [
    ({}, True, True),
    ({"REQUESTS_CA_BUNDLE": BUNDLE}, True, BUNDLE),
    ({"CURL_CA_BUNDLE": OTHER}, True, OTHER),
    ({"REQUESTS_CA_BUNDLE": BUNDLE, "CURL_CA_BUNDLE": OTHER}, True, BUNDLE),
    ({"REQUESTS_CA_BUNDLE": BUNDLE}, False, False),  # verification off stays off
    ({"REQUESTS_CA_BUNDLE": BUNDLE}, "/srv/every8d-ca.pem", "/srv/every8d-ca.pem"),  # the connection's own
])
def test_a_ca_bundle_in_the_environment_replaces_verify_true(monkeypatch: pytest.MonkeyPatch, env: dict[str, str],
                                                             verify: bool | str, expected: bool | str) -> None:
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with Every8dClient(settings(verify=verify), requests.Session()) as client:  # requests' way
        assert client.session.verify == expected and client.session.trust_env is False
    # the direct way verifies with the same bundle; requests' True is certifi's bundle
    assert ca_bundle(verify) == (certifi.where() if expected is True else expected)


def test_building_a_client_scans_the_proxy_environment_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every scan walks all of ``os.environ``: three of them were half of a small send's CPU."""
    scans = []
    real = urllib.request.getproxies_environment

    def counted() -> dict[str, str]:
        scans.append(1)
        return real()

    monkeypatch.setattr(urllib.request, "getproxies_environment", counted)
    Every8dClient(settings()).close()
    assert len(scans) == 1
