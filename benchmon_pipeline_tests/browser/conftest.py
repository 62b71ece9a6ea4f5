"""Headless Chromium for the browser tests.

The browser is Debian's `chromium` (installed by `make test` through
`tools/install-chromium`), driven by Playwright through `executable_path`: Playwright
downloads no browser. Each test gets a fresh context whose console errors and uncaught
page errors are collected in `WatchedPage.errors`; screenshots go to
`test-artifacts/screenshots/` at the checkout's root, which the test run keeps (it is
git-ignored, never cleaned by the suite).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def chromium_path() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).is_file():
        pytest.fail(
            "Debian's chromium is not installed: run tools/install-chromium (`make test` does it)"
        )
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium per test module. Not per session: Playwright's sync API keeps an
    asyncio loop running in the main thread while it is open, and Dagster's
    `evaluate_automation_conditions` (test_automation.py) calls `asyncio.run`, which refuses
    to start inside a running loop."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path())
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class WatchedPage:
    """A page plus every console error and uncaught exception it has raised."""

    page: Page
    errors: list[str] = field(default_factory=list)

    def screenshot(self, name: str) -> Path:
        """Save a full-page screenshot as test-artifacts/screenshots/<name>.png."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def watched_page(browser: Browser) -> Iterator[WatchedPage]:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    watched = WatchedPage(page)

    def on_console(message) -> None:
        if message.type == "error":
            watched.errors.append(f"console: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: watched.errors.append(f"page error: {error}"))
    try:
        yield watched
    finally:
        context.close()
