"""What both transports share (transport/core.py): the way out (proxies), the request's form, the logs."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from airflow_provider_every8d.protocol import build
from airflow_provider_every8d.settings import ClientSettings
from airflow_provider_every8d.transport.core import prepare, proxies_for

PROXY = "http://proxy.internal:3128"
ENVIRONMENT = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy",
               "no_proxy")


def settings(base_url: str = "https://oms.every8d.com", **kwargs: object) -> ClientSettings:
    return ClientSettings(base_url=base_url, uid="demo", password="demo-password", **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch):
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch.setenv


@pytest.mark.parametrize(("base_url", "env", "expected"), [
    ("https://oms.every8d.com", {}, {}),
    ("https://oms.every8d.com", {"HTTPS_PROXY": PROXY}, {"https": PROXY}),
    ("https://oms.every8d.com", {"https_proxy": PROXY, "ALL_PROXY": PROXY}, {"https": PROXY, "all": PROXY}),
    ("https://oms.every8d.com", {"HTTPS_PROXY": PROXY, "NO_PROXY": "*"}, {}),
    ("https://oms.every8d.com", {"HTTPS_PROXY": PROXY, "NO_PROXY": "every8d.com"}, {}),
    ("https://oms.every8d.com", {"HTTPS_PROXY": PROXY, "NO_PROXY": ".every8d.com"}, {}),
    ("https://oms.every8d.com", {"HTTPS_PROXY": PROXY, "NO_PROXY": "example.com,other.tw"}, {"https": PROXY}),
    ("http://127.0.0.1:8080", {"HTTP_PROXY": PROXY, "NO_PROXY": "127.0.0.1"}, {}),
    ("http://10.1.2.3:8080", {"HTTP_PROXY": PROXY, "NO_PROXY": "10.0.0.0/8"}, {}),
    ("http://192.168.1.2", {"HTTP_PROXY": PROXY, "NO_PROXY": "10.0.0.0/8, bad/net"}, {"http": PROXY}),
])
def test_the_environments_way_out(environment, base_url: str, env: dict[str, str],
                                  expected: dict[str, str]) -> None:
    for name, value in env.items():
        environment(name, value)
    assert proxies_for(settings(base_url)) == expected


def test_the_connections_proxies_replace_the_environments_whole(environment) -> None:
    environment("HTTPS_PROXY", "http://elsewhere:1")
    environment("NO_PROXY", "*")
    assert proxies_for(settings(proxies={"http": PROXY})) == {"http": PROXY}


def test_prepare_puts_the_credentials_in_the_body_only_and_logs_numbers_masked(caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="airflow_provider_every8d.transport")
    request = build.sms_request("secret text", ["0900000123", "0900000124", "0900000125", "0900000126"])
    url, body, headers = prepare(request, settings())
    assert url == "https://oms.every8d.com/API21/HTTP/sendSMS.ashx" and "demo-password" not in url
    assert b"PWD=demo-password" in body and headers["Content-Type"].startswith("application/x-www-form")
    assert "0900***123" in caplog.text and "and 1 more" in caplog.text
    assert "0900000123" not in caplog.text and "secret text" not in caplog.text


def test_the_async_transport_does_not_load_requests() -> None:
    script = ("import sys\nfrom airflow_provider_every8d.settings import ClientSettings\n"
              "from airflow_provider_every8d.transport.aio import AsyncEvery8dClient\n"
              "AsyncEvery8dClient(ClientSettings(base_url='http://127.0.0.1:9', uid='u', password='p'))\n"
              "print('requests' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "False"
