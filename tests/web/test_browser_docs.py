"""Issue 15: the API's documentation pages, /docs (Swagger UI) and /redoc, drawn in Chromium from
the app's own scripts and styles, showing the complete document, and asking no host but 127.0.0.1
(the `browser` fixture fails the test on any other)."""
from __future__ import annotations

import pytest

from tests.browser import needs_browser
from tests.web.test_browser import browser, server  # noqa: F401  # the pages' own browser and live service

pytestmark = [needs_browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]


def test_issue15_the_docs_draw_the_whole_document_offline(server, browser):  # noqa: F811
    page = browser.new_page()
    page.goto(f"{server}/docs")
    page.locator(".opblock").first.wait_for(timeout=20_000)  # blank when a CDN script is missing
    assert page.locator(".opblock").count() >= 50
    assert "Money in fen" in page.locator(".information-container").inner_text()  # the conventions

    # an act opened: its description says who may call it, its refusals are problems with examples
    approve = page.locator("#operations-actions-act_approve")
    approve.locator(".opblock-summary").click()
    approve.get_by_text("Who may call:").wait_for(timeout=10_000)
    responses = approve.locator(".responses-table").first.inner_text()
    assert all(status in responses for status in ("401", "403", "404", "409", "412", "422")), responses
    assert "application/problem+json" in approve.inner_text()

    page.goto(f"{server}/redoc")
    page.locator("h2", has_text="Apply: open a case (R1–R3)").first.wait_for(timeout=20_000)
    conventions = page.locator('[id="section/Conventions"]').inner_text()  # the description's own section
    assert "Idempotency-Key" in conventions and "Accept-Language" in conventions
