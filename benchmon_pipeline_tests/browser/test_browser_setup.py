"""The browser fixture itself: a real Chromium renders a page, reports its console errors
and writes a screenshot."""

from __future__ import annotations


def test_chromium_renders_and_reports_console_errors(watched_page) -> None:
    page = watched_page.page
    page.set_content("<h1 id='t'>benchmon</h1><script>console.error('boom')</script>")
    assert page.inner_text("#t") == "benchmon"
    assert watched_page.errors == ["console: boom"]
    shot = watched_page.screenshot("browser setup")
    assert shot.name == "browser-setup.png"
    assert shot.stat().st_size > 1000
