"""The every8d connection form of Airflow 2.11's Flask UI, in headless Chromium (Playwright).

Runs in the Airflow 3 environment of ``make deployment-test`` and starts ``airflow webserver`` from the
Airflow 2.11 environment (``.venv-af2``, made by ``make unit-airflow2``, which ``make test`` runs first):
the form shows the documented fields, its Test button reads the balance from the emulator, and a wrong
password shows the code's English meaning. 2.11's Test fails in the browser when the raw Extra box is
hidden (its script saves that box's editor first), which a test of the hook alone cannot see.
Screenshots as in test_browser.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from tests.harness.airflow_processes import DEADLINE, REPO, free_port, healthy, wait_for
from tests.harness.browser import chromium_page, step, unavailable

pytestmark = pytest.mark.deployment
if unavailable():
    pytest.skip(str(unavailable()), allow_module_level=True)
AIRFLOW2 = REPO / ".venv-af2" / "bin" / "airflow"
if not AIRFLOW2.exists():
    pytest.skip(f"no Airflow 2.11 environment at {AIRFLOW2.parent.parent} (make unit-airflow2 creates it)",
                allow_module_level=True)
USER, PASSWORD = "admin", "every8d-browser-admin"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Every8dEmulator]:
    with Every8dEmulator() as instance:
        yield instance


@pytest.fixture(scope="module")
def webserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("browser-airflow2")
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")},
           "AIRFLOW_HOME": str(home), "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
           "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
           "AIRFLOW__WEBSERVER__WORKERS": "1"}
    for args in (["db", "migrate"], ["users", "create", "-u", USER, "-p", PASSWORD, "-r", "Admin", "-f", "E",
                                     "-l", "Ight", "-e", "admin@example.com"]):
        subprocess.run([str(AIRFLOW2), *args], env=env, check=True, capture_output=True, timeout=DEADLINE)
    with (home / "webserver.log").open("wb") as log:
        process = subprocess.Popen([str(AIRFLOW2), "webserver", "-p", str(port), "-H", "127.0.0.1"], env=env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for("the Airflow 2.11 webserver", lambda: healthy(f"{url}/health"), time.monotonic() + DEADLINE, home)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


@pytest.fixture(scope="module")
def page(webserver: str) -> Iterator[Any]:
    with chromium_page(height=1200) as page:
        page.goto(f"{webserver}/login/")
        page.fill("#username", USER)
        page.fill("#password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)
        yield page


def _test(page: Any, webserver: str, emulator: Every8dEmulator, password: str) -> tuple[str, list[str]]:
    """Fill a new every8d connection and press Test; the alert's text and the page's script errors."""
    page.goto(f"{webserver}/connection/add")
    page.select_option("#conn_type", "every8d")
    page.fill("#conn_id", "every8d_ui")
    page.fill("#host", f"http://127.0.0.1:{emulator.port}")
    page.fill("#login", "demo")
    page.fill("#password", password)
    errors: list[str] = []  # script errors from the click on (2.11's own page-load errors are not ours)
    page.on("pageerror", lambda error: errors.append(str(error)))
    with page.expect_response(lambda r: r.url.endswith("/api/v1/connections/test")):
        page.click("#test-connection")
    alert = page.locator(".alert").filter(has_text="EVERY8D").or_(page.locator(".alert").filter(
        has_text="Connected to"))
    alert.first.wait_for()
    return str(alert.first.inner_text()), errors


def test_the_form_shows_the_documented_fields(page: Any, webserver: str) -> None:
    with step(page, "af2-01-connection-form", keep=True):
        page.goto(f"{webserver}/connection/add")
        page.select_option("#conn_type", "every8d")
        labels = [label.inner_text().strip(" *") for label in page.locator("label").all() if label.is_visible()]
        assert labels == ["Connection Id", "Connection Type", "Description", "Base URL", "UID", "PWD", "Extra",
                          "Timeout (seconds)", "Verify TLS certificates", "API version", "Authentication"]
        assert page.get_attribute("#host", "placeholder") == "https://oms.every8d.com or your dedicated URL"
        assert page.get_by_role("button", name="Test").is_visible()


def test_the_test_button_reads_the_balance(page: Any, webserver: str, emulator: Every8dEmulator) -> None:
    with step(page, "af2-02-test-succeeded", keep=True):
        text, errors = _test(page, webserver, emulator, "demo-password")
        assert (text.strip(), errors) == (f"Connected to http://127.0.0.1:{emulator.port}; balance 1000.00 points",
                                          [])


def test_a_wrong_password_shows_what_it_means(page: Any, webserver: str, emulator: Every8dEmulator) -> None:
    with step(page, "af2-03-wrong-password", keep=True):
        text, _ = _test(page, webserver, emulator, "not-the-password")
        assert "EVERY8D error -2 from getCredit.ashx: wrong account or password" in text
        assert "not-the-password" not in text
