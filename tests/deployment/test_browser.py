"""The every8d connection in Airflow 3's UI, driven in headless Chromium (Playwright, the system's Chromium).

A real ``airflow api-server`` (tests/harness) and the emulator: the form shows the documented fields with
their labels and help, Save stores typed extras, the row's Test reads the balance from the emulator (with
the form as it comes: no Port, which 3.3.2 would send as 0, apache/airflow#73298), and a wrong password
shows the code's English meaning. Screenshots go to ``build/browser-screenshots`` (or
``$EVERY8D_SCREENSHOTS``): a few on success, and one of the page whenever a step fails.

Needs the ``playwright`` package and a Chromium (tests/harness/browser.py; ``make browser`` installs Debian's
``chromium`` when missing and it may); without them the module is skipped with the reason.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.get_provider_info import CONN_FIELDS
from tests.harness.airflow_processes import DEADLINE, Airflow, healthy, wait_for
from tests.harness.browser import chromium_page, step, unavailable

pytestmark = pytest.mark.deployment
pytest.importorskip("airflow.sdk", reason="the browser test drives Airflow 3's UI")
if unavailable():
    pytest.skip(str(unavailable()), allow_module_level=True)

CONN_ID = "every8d_ui"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Every8dEmulator]:
    with Every8dEmulator() as instance:
        yield instance


@pytest.fixture(scope="module")
def airflow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Airflow]:
    instance = Airflow(tmp_path_factory.mktemp("browser") / "home", [], {
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",  # no login page
        "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",  # Airflow disables Test by default
    })
    try:
        instance.start_all()
        wait_for("the API server", lambda: healthy(f"{instance.base_url}/api/v2/monitor/health"),
                 time.monotonic() + DEADLINE, instance.home)
        yield instance
    finally:
        instance.stop()


@pytest.fixture(scope="module")
def page(airflow: Airflow) -> Iterator[Any]:
    with chromium_page() as page:
        yield page


def open_new_every8d_form(page: Any, airflow: Airflow) -> Any:
    page.goto(f"{airflow.base_url}/connections")
    page.get_by_role("button", name="Add Connection").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Connection ID").fill(CONN_ID)
    dialog.get_by_role("combobox").fill("EVERY8D")
    page.keyboard.press("Enter")
    dialog.get_by_text("EVERY8D SMS", exact=True).wait_for()
    return dialog


def placeholder_fits(field: Any) -> bool:
    """The placeholder's text is no wider than the input's text box: shown whole, not cut."""
    return bool(field.evaluate("""el => {
        const style = getComputedStyle(el);
        const ctx = document.createElement('canvas').getContext('2d');
        ctx.font = style.font;
        const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        return ctx.measureText(el.placeholder).width <= room;
    }"""))


def test_the_form_shows_the_documented_fields(page: Any, airflow: Airflow) -> None:
    with step(page, "01-connection-form", keep=True):
        dialog = open_new_every8d_form(page, airflow)
        for label, placeholder in [("Base URL", "https://oms.every8d.com or your dedicated URL"),
                                   ("UID", "EVERY8D account (UID)"), ("PWD", "EVERY8D password (PWD)")]:
            field = dialog.get_by_label(label, exact=True)
            assert field.get_attribute("placeholder") == placeholder
            assert placeholder_fits(field), f"the {label} placeholder is cut"
        assert dialog.get_by_label("PWD", exact=True).get_attribute("type") == "password"
        for hidden in ("Port", "Schema", "Host", "Login", "Password"):  # hidden or relabelled
            assert dialog.get_by_label(hidden, exact=True).count() == 0, hidden
    with step(page, "02-extra-fields", keep=True):
        dialog.get_by_text("Extra Fields", exact=True).click()
        for name, field in CONN_FIELDS.items():  # every declared extra field, with its label and its help
            assert dialog.get_by_label(field["label"], exact=True).count() == 1, name
            assert dialog.get_by_text(field["description"], exact=True).is_visible(), name
        assert dialog.get_by_label("Timeout (seconds)", exact=True).input_value() == "30"
        assert dialog.get_by_label("Verify TLS certificates", exact=True).is_checked()


def test_save_stores_typed_extras(page: Any, airflow: Airflow, emulator: Every8dEmulator) -> None:
    with step(page, "03-saved"):
        dialog = open_new_every8d_form(page, airflow)
        dialog.get_by_label("Base URL", exact=True).fill(f"http://127.0.0.1:{emulator.port}")
        dialog.get_by_label("UID", exact=True).fill("demo")
        dialog.get_by_label("PWD", exact=True).fill("demo-password")
        dialog.get_by_text("Extra Fields", exact=True).click()
        dialog.get_by_label("Timeout (seconds)").fill("12")
        dialog.get_by_role("button", name="Save").click()
        page.get_by_role("cell", name=CONN_ID, exact=True).wait_for()
        # What Airflow stored, read back through its REST API with the UI's own session.
        stored = page.request.get(f"{airflow.base_url}/api/v2/connections/{CONN_ID}").json()
        assert (stored["conn_type"], stored["host"], stored["port"], stored["login"]) == (
            "every8d", f"http://127.0.0.1:{emulator.port}", None, "demo")
        extra = json.loads(stored["extra"])
        assert (extra["timeout"], extra["verify"]) == (12, True)  # a number and a boolean, not strings
        assert extra == {**{name: field["schema"]["default"] for name, field in CONN_FIELDS.items()}, "timeout": 12}


def _test_in_the_row(page: Any, airflow: Airflow) -> Any:
    page.goto(f"{airflow.base_url}/connections")
    row = page.get_by_role("row").filter(has=page.get_by_role("cell", name=CONN_ID, exact=True))
    with page.expect_response(lambda r: r.url.endswith("/api/v2/connections/test")) as answer:
        row.get_by_role("button", name="Test Connection").click()
    return answer.value


def test_the_rows_test_reads_the_balance(page: Any, airflow: Airflow, emulator: Every8dEmulator) -> None:
    with step(page, "04-test-succeeded", keep=True):
        response = _test_in_the_row(page, airflow)
        expected = f"Connected to http://127.0.0.1:{emulator.port}; balance 1000.00 points"
        assert (response.status, response.json()) == (200, {"status": True, "message": expected})
        page.get_by_text(expected).wait_for()
    assert [r.endpoint for r in emulator.requests][-1:] == ["getCredit"]


def test_a_wrong_password_shows_what_it_means(page: Any, airflow: Airflow) -> None:
    with step(page, "05-wrong-password", keep=True):
        page.goto(f"{airflow.base_url}/connections")
        row = page.get_by_role("row").filter(has=page.get_by_role("cell", name=CONN_ID, exact=True))
        row.get_by_role("button", name="Edit Connection").click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_label("PWD", exact=True).fill("not-the-password")
        dialog.get_by_role("button", name="Save").click()
        dialog.wait_for(state="hidden")
        response = _test_in_the_row(page, airflow)
        message = response.json()["message"]
        assert response.json()["status"] is False
        assert message.startswith("EVERY8D error -2 from getCredit.ashx: wrong account or password"), message
        assert "not-the-password" not in message
        page.get_by_text("wrong account or password", exact=False).wait_for()
