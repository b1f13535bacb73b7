"""Headless Chromium for the browser tests: Playwright driving the system's Chromium (Debian's ``chromium``;
the machine cannot download a browser build), a throwaway profile, and the screenshot folder.

``unavailable()`` says why the browser tests cannot run here (None when they can); ``make browser``
installs Chromium when missing and the user is root.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.harness.airflow_processes import REPO

CHROMIUM = os.environ.get("EVERY8D_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = Path(os.environ.get("EVERY8D_SCREENSHOTS") or REPO / "build" / "browser-screenshots")
"""Screenshots: a few on success, and ``<step>-FAILED.png`` whenever a step fails."""
WAIT_MS = 30_000


def unavailable() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    if not os.access(CHROMIUM, os.X_OK):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium, or make browser as root)"
    return None


@contextmanager
def chromium_page(width: int = 1400, height: int = 1000) -> Iterator[Any]:
    """A page of a fresh headless Chromium (empty profile, deleted afterwards), waits bounded by WAIT_MS."""
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="every8d-chromium-") as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, headless=True, args=FLAGS,
                                                        viewport={"width": width, "height": height})
        context.set_default_timeout(WAIT_MS)
        try:
            yield context.new_page()
        finally:
            context.close()


@contextmanager
def step(page: Any, name: str, keep: bool = False) -> Iterator[None]:
    """Run a step; screenshot the page into SHOTS when it fails (``<name>-FAILED.png``), or with ``keep``."""
    try:
        yield
    except BaseException:
        page.screenshot(path=str(SHOTS / f"{name}-FAILED.png"), full_page=True)
        raise
    if keep:
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
