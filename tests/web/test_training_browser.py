"""Issue 15, training mode in Chromium: the banner is seen on every page a caseworker opens, at desktop
and phone widths and on paper, and the pages ask no outside host for it (tests/web/test_browser.py's
server and browser, on a runtime in training mode)."""
from __future__ import annotations

import pytest

from tests.browser import needs_browser
from tests.story import CASEWORKER

from .test_browser import browser, serving, sign_in  # noqa: F401 (browser: the fixture)
from .test_training_banner import BANNER_ZH, in_training

pytestmark = needs_browser


@pytest.fixture
def training_server(rt, people):
    yield from serving(in_training(rt))


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_issue15_the_training_banner_is_seen_on_every_page_on_a_phone_and_on_paper(training_server, browser):  # noqa: F811
    page = sign_in(browser, training_server, CASEWORKER)
    for path in ("/queue", "/cases", "/dashboard", "/reminders", "/account"):
        page.goto(f"{training_server}{path}")
        banner = page.locator("#training-banner")
        assert banner.is_visible() and BANNER_ZH in banner.inner_text(), path
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{training_server}/queue")
    assert page.locator("#training-banner").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.emulate_media(media="print")  # a printed page of practice data says so too
    assert page.locator("#training-banner").is_visible() and not page.locator("header.top").is_visible()
    page.close()
