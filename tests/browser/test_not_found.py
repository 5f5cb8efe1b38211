"""A wrong or expired guest link, opened in headless Chromium: the site's own friendly page, in
the guest page's style, with a 404, served the way CloudFront serves it (the local site server
mimics the distribution's custom error response), never an error document."""

from typing import Any

import pytest

from tests.browser.test_guest_page import Recorder
from tests.support.bookings_factory import booking

pytestmark = pytest.mark.browser

WRONG_LINKS = [
    "/g/xhqgmdh-aaaaaaaaaaaaaaaa",  # a well-formed slug nobody published (mistyped code)
    "/g/XHQGMDH",  # malformed: the CloudFront function sends it to the not-found key
    "/g/xhqgmdh/extra",
    "/crew/0123456789abcdef0123456789abcdef.html",
    "/",
]


@pytest.mark.parametrize("path", WRONG_LINKS)
def test_a_wrong_link_shows_the_friendly_page_with_a_404(stack, browser, artifacts, path):
    stack.publish(booking())  # the worker publishes the site's 404.html with the first page
    page: Any = browser().new_page()
    recorder = Recorder(page)

    response = page.goto(stack.site_url + path)

    assert response.status == 404
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert page.locator("h1").inner_text() == "We can't find that page"
    assert "ask for a fresh link in the booking's chat" in page.locator("main").inner_text()
    assert "<Code>" not in page.content()  # S3's error XML
    assert "Error" not in page.content()
    # the guest page's own style: the same inline stylesheet, its hero header
    assert page.locator("header.hero").is_visible()
    hero_colour = page.locator("header.hero").evaluate("e => getComputedStyle(e).backgroundColor")
    assert hero_colour == "rgb(7, 63, 96)"  # --sea-dark
    assert recorder.urls == [stack.site_url + path]  # self-contained: nothing else loaded
    assert recorder.errors == []
    if path == WRONG_LINKS[0]:
        page.screenshot(path=str(artifacts / "not-found-phone.png"), full_page=True)
