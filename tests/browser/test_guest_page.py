"""A guest opens the published guest page in headless Chromium, on a phone-sized screen."""

from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from bookings import Kind
from tests.browser.conftest import origin, png
from tests.support.bookings_factory import booking

pytestmark = pytest.mark.browser

HOSTILE_NAME = "<img/src=x/onerror=window.__pwned=1><script>window.__pwned=2</script> Smith"


class Recorder:
    """The page's network log and any dialogs or console errors it raised."""

    def __init__(self, page: Any) -> None:
        self.urls: list[str] = []
        self.requests: list[tuple[str, str]] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("request", self._request)
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _request(self, request: Any) -> None:
        self.urls.append(request.url)
        self.requests.append((request.method, request.url))

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def origins(self) -> set[str]:
        return {origin(url) for url in self.urls}


def upload_outcome(page: Any) -> str:
    """The status line once the upload has succeeded or failed (not while it is busy)."""
    page.locator("#photo-status.ok, #photo-status.error").wait_for(timeout=10_000)
    text: str = page.locator("#photo-status").inner_text()
    return text


def open_page(browser: Any, url: str, *, javascript: bool = True) -> tuple[Any, Recorder, Any]:
    page = browser(javascript=javascript).new_page()
    recorder = Recorder(page)
    response = page.goto(url)
    return page, recorder, response


def test_picked_image_lands_in_the_photos_bucket(stack, browser, artifacts):
    guest_url, _ = stack.publish(booking())
    page, _, _ = open_page(browser, guest_url)
    page.screenshot(path=str(artifacts / "guest-page-phone.png"), full_page=True)
    image = png()

    page.set_input_files(
        "#photo-input", files=[{"name": "sunset.png", "mimeType": "image/png", "buffer": image}]
    )

    assert upload_outcome(page) == "Thank you! Your photo is uploaded."
    (stored,) = stack.photos()
    assert stored["Key"].startswith("photos/boatsetter:xhqgmdh/")
    obj = stack.s3.get_object(Bucket=stack.photos_bucket, Key=stored["Key"])
    assert obj["ContentType"] == "image/png"
    assert obj["Body"].read() == image
    page.screenshot(path=str(artifacts / "guest-page-uploaded.png"), full_page=True)


def test_page_talks_only_to_itself_the_links_api_and_the_upload(stack, browser):
    guest_url, _ = stack.publish(booking())
    page, recorder, _ = open_page(browser, guest_url)
    page.set_input_files(
        "#photo-input", files=[{"name": "a.png", "mimeType": "image/png", "buffer": png()}]
    )
    assert upload_outcome(page) == "Thank you! Your photo is uploaded."

    assert recorder.origins() == {stack.site_url, stack.api_url, stack.upload_origin}
    uploads = [u for m, u in recorder.requests if m == "POST" and origin(u) == stack.upload_origin]
    assert uploads == [f"{stack.upload_origin}/{stack.photos_bucket}"]
    assert recorder.errors == []


def listed(page: Any) -> Any:
    """The list of this browser's own uploads, once a thumbnail in it has loaded."""
    page.wait_for_function(
        "() => { const i = document.querySelector('#photo-list img');"
        " return i !== null && i.complete && i.naturalWidth > 0; }",
        timeout=10_000,
    )
    return page.locator("#photo-list li")


def test_guest_sees_their_upload_listed_with_its_thumbnail(stack, browser, artifacts):
    guest_url, _ = stack.publish(booking())
    page, recorder, _ = open_page(browser, guest_url)

    page.set_input_files(
        "#photo-input", files=[{"name": "sunset.png", "mimeType": "image/png", "buffer": png(3, 2)}]
    )

    assert upload_outcome(page) == "Thank you! Your photo is uploaded."
    items = listed(page)
    assert items.count() == 1
    assert items.inner_text().strip() == "sunset.png"
    (stored,) = stack.photos()
    thumbnail = items.locator("img")
    assert thumbnail.evaluate("i => i.naturalWidth") == 3  # the stored photo itself, loaded
    src = unquote(urlsplit(thumbnail.get_attribute("src")).path)
    assert src == f"/{stack.photos_bucket}/{stored['Key']}"
    assert recorder.errors == []
    page.screenshot(path=str(artifacts / "guest-page-listed.png"), full_page=True)


def test_another_guest_does_not_see_the_first_guests_uploads(stack, browser):
    guest_url, _ = stack.publish(booking())
    first, _, _ = open_page(browser, guest_url)
    first.set_input_files(
        "#photo-input", files=[{"name": "mine.png", "mimeType": "image/png", "buffer": png()}]
    )
    assert upload_outcome(first) == "Thank you! Your photo is uploaded."
    listed(first)

    second, recorder, _ = open_page(browser, guest_url)
    second.wait_for_load_state("networkidle")

    assert second.locator("#photo-list li").count() == 0
    assert stack.upload_origin not in recorder.origins()  # nothing of the bucket was fetched


def test_non_image_is_refused_with_a_message_on_the_page(stack, browser, artifacts):
    guest_url, _ = stack.publish(booking())
    page, recorder, _ = open_page(browser, guest_url)

    page.set_input_files(
        "#photo-input",
        files=[{"name": "contract.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}],
    )

    assert upload_outcome(page) == (
        "“contract.pdf” is not a photo. Please choose an image file (JPEG, PNG, HEIC or WebP)."
    )
    assert stack.photos() == []
    assert stack.upload_origin not in recorder.origins()
    page.screenshot(path=str(artifacts / "guest-page-not-an-image.png"), full_page=True)


def test_page_weighs_under_60_kb_and_loads_nothing_else(stack, browser):
    guest_url, _ = stack.publish(booking())
    page, recorder, response = open_page(browser, guest_url)
    page.wait_for_load_state("networkidle")
    assert response.status == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert len(response.body()) < 60 * 1024
    assert recorder.urls == [guest_url]  # CSS and JS are inline: one request, the page


def test_hostile_renter_name_shows_as_text_and_runs_nothing(stack, browser):
    guest_url, _ = stack.publish(booking(renter_name=HOSTILE_NAME))
    page, recorder, _ = open_page(browser, guest_url)
    page.wait_for_load_state("networkidle")
    assert "<script>window.__pwned=2</script>" in page.locator("header.hero").inner_text()
    assert page.evaluate("window.__pwned") is None
    assert recorder.dialogs == []
    assert recorder.urls == [guest_url]  # the <img src=x> was never requested


def test_page_reads_without_javascript_except_the_upload(stack, browser):
    guest_url, _ = stack.publish(booking())
    page, _, _ = open_page(browser, guest_url, javascript=False)
    text = page.locator("main").inner_text()
    assert "Saturday, June 14, 2031" in text
    assert "Harbor Island West Marina" in text
    assert "Uploading photos needs JavaScript" in text
    assert not page.locator("#photo-form").is_visible()


def test_cancelled_booking_page_says_so(stack, browser, artifacts):
    stack.publish(booking())
    guest_url, _ = stack.publish(booking(kind=Kind.CANCELLED))
    page, _, _ = open_page(browser, guest_url)
    assert page.get_by_role("alert").locator("h2").inner_text() == "This charter has been cancelled"
    assert page.locator("#photo-input").count() == 0
    page.screenshot(path=str(artifacts / "guest-page-cancelled.png"), full_page=True)
