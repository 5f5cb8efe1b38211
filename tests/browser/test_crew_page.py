"""A crew member opens the crew page in headless Chromium and answers through its links."""

from typing import Any

import pytest

from tests.bookings_factory import booking
from tests.browser.conftest import Stack
from tests.pages_support import stored_answer

pytestmark = pytest.mark.browser

HOSTILE_NOTE = "<script>window.__pwned=1</script><img src=x onerror=window.__pwned=2> & cake"


def open_crew_page(stack: Stack, browser: Any, **changes: Any) -> Any:
    _, crew_url = stack.publish(booking(**changes))
    page = browser().new_page()
    page.goto(crew_url)
    return page


def test_confirm_link_followed_in_the_browser_records_the_answer(stack, browser, artifacts):
    page = open_crew_page(stack, browser)
    page.screenshot(path=str(artifacts / "crew-page-phone.png"), full_page=True)

    page.get_by_role("link", name="Confirm Alex for this charter").click()

    heading = page.locator("h1")
    assert heading.inner_text() == "Thanks Alex, you're confirmed"
    assert page.url.startswith(f"{stack.api_url}/crew/")
    answer = stored_answer(stack.dynamodb, "boatsetter:xhqgmdh", "alex")
    assert answer["answer"] == "confirmed"
    assert stored_answer(stack.dynamodb, "boatsetter:xhqgmdh", "sam") == {}
    page.screenshot(path=str(artifacts / "crew-confirmed.png"), full_page=True)


def test_decline_link_records_a_decline(stack, browser):
    page = open_crew_page(stack, browser)
    page.get_by_role("link", name="Decline: Sam cannot sail").click()
    assert page.locator("h1").inner_text() == "Thanks Sam, you've declined"
    assert stored_answer(stack.dynamodb, "boatsetter:xhqgmdh", "sam")["answer"] == "declined"


def test_tampered_token_gets_the_link_not_valid_page(stack, browser, artifacts):
    page = open_crew_page(stack, browser)
    href = page.get_by_role("link", name="Confirm Alex for this charter").get_attribute("href")
    token = href.split("/crew/")[1].split("/")[0]
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")

    response = page.goto(href.replace(token, tampered))

    assert response.status == 404
    assert page.locator("h1").inner_text() == "This link is not valid"
    assert "Traceback" not in page.content()
    assert stored_answer(stack.dynamodb, "boatsetter:xhqgmdh", "alex") == {}
    page.screenshot(path=str(artifacts / "crew-link-not-valid.png"), full_page=True)


def test_hostile_note_shows_as_text_and_runs_nothing(stack, browser):
    page = open_crew_page(stack, browser, notes=HOSTILE_NOTE)
    assert page.locator("p.note").inner_text() == HOSTILE_NOTE
    assert page.evaluate("window.__pwned") is None


def test_checklist_ticks_survive_a_reload(stack, browser):
    page = open_crew_page(stack, browser)
    page.get_by_label("Cooler iced, ice bags aboard").check()
    page.reload()
    assert page.get_by_label("Cooler iced, ice bags aboard").is_checked()
    assert not page.get_by_label("Heads clean and stocked").is_checked()
