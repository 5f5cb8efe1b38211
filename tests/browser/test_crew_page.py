"""A crew member opens the crew sheet from their own email (``#t=<token>``) in headless Chromium:
their own row has their confirm / decline links, everyone else's answer is shown read-only; they
follow a link to the page that asks, and answer with its button."""

from typing import Any

import pytest

from bookings import Kind
from ops.status import recent_bookings
from tests.browser.conftest import Stack
from tests.support.bookings_factory import booking
from tests.support.pages import TABLE, stored_answer

pytestmark = pytest.mark.browser

HOSTILE_NOTE = "<script>window.__pwned=1</script><img src=x onerror=window.__pwned=2> & cake"


def open_crew_page(stack: Stack, browser: Any, member: str = "alex", **changes: Any) -> Any:
    """The sheet as ``member`` opens it from their crew email, once their row is ready."""
    b = booking(**changes)
    _, crew_url = stack.publish(b)
    page = browser().new_page()
    page.goto(stack.member_link(b, member, crew_url))
    if b.is_live:
        page.locator("tr.you").wait_for(timeout=10_000)
    return page


def row(page: Any, crew_id: str) -> Any:
    return page.locator(f'tr[data-crew="{crew_id}"]')


def test_confirm_link_followed_in_the_browser_asks_then_records_the_answer(
    stack, browser, artifacts
):
    page = open_crew_page(stack, browser)
    page.screenshot(path=str(artifacts / "crew-page-phone.png"), full_page=True)

    page.get_by_role("link", name="Confirm Alex for this charter").click()

    assert page.url.startswith(f"{stack.api_url}/crew/")
    assert page.locator("h1").inner_text() == "Confirm you'll crew this charter"
    assert "Crew: Alex Chen" in page.locator("main").inner_text()
    assert (
        stored_answer(stack.dynamodb, "boatsetter:xhqgmdh", "alex") == {}
    )  # opening is not answering
    page.screenshot(path=str(artifacts / "crew-confirm-question.png"), full_page=True)

    page.get_by_role("button", name="Yes, I'll be there").click()

    assert page.locator("h1").inner_text() == "Thanks Alex, you're confirmed"
    answer = stored_answer(stack.dynamodb, "boatsetter:xhqgmdh", "alex")
    assert answer["answer"] == "confirmed"
    assert stored_answer(stack.dynamodb, "boatsetter:xhqgmdh", "sam") == {}
    (shown,) = recent_bookings(stack.dynamodb, TABLE)  # what `charterhand status` prints
    assert shown.answers == {"alex": "confirmed"}
    page.screenshot(path=str(artifacts / "crew-confirmed.png"), full_page=True)


def test_a_member_gets_buttons_in_their_own_row_and_sees_the_others_answers_read_only(
    stack, browser, artifacts
):
    sam = open_crew_page(stack, browser, member="sam")
    sam.get_by_role("link", name="Decline: Sam cannot sail").click()
    sam.get_by_role("button", name="I can't make it").click()

    page = open_crew_page(stack, browser, member="alex")

    assert row(page, "alex").get_by_role("link").count() == 2
    assert row(page, "sam").get_by_role("link").count() == 0
    assert row(page, "sam").locator("td.answer").inner_text() == "Declined"
    assert page.get_by_role("link", name="Confirm Sam for this charter").count() == 0
    assert page.get_by_role("link", name="Decline: Sam cannot sail").count() == 0
    page.screenshot(path=str(artifacts / "crew-page-own-row.png"), full_page=True)


def test_the_sheet_without_a_members_token_answers_for_nobody(stack, browser):
    _, crew_url = stack.publish(booking())
    page = browser().new_page()
    page.goto(crew_url)  # forwarded, or opened from the calendar entry

    assert page.locator("table.crew").get_by_role("link").count() == 0
    assert "use the links in it" in page.locator("#answer-hint").inner_text()


def test_a_made_up_token_in_the_link_gets_no_buttons(stack, browser):
    b = booking()
    _, crew_url = stack.publish(b)
    link = stack.member_link(b, "alex", crew_url)
    page = browser().new_page()
    page.goto(link[:-4] + ("AAAA" if not link.endswith("AAAA") else "BBBB"))

    page.get_by_text("This link is not valid.").wait_for(timeout=10_000)
    assert page.locator("table.crew").get_by_role("link").count() == 0


def test_decline_works_without_javascript(stack, browser):
    b = booking()
    _, crew_url = stack.publish(b)
    token = stack.member_link(b, "sam", crew_url).partition("#t=")[2]
    page = browser(javascript=False).new_page()
    page.goto(crew_url)
    assert page.locator("table.crew").get_by_role("link").count() == 0  # no script, no buttons
    page.goto(f"{stack.api_url}/crew/{token}/decline")  # the Decline link in Sam's email
    assert stored_answer(stack.dynamodb, "boatsetter:xhqgmdh", "sam") == {}

    page.get_by_role("button", name="I can't make it").click()

    assert page.locator("h1").inner_text() == "Thanks Sam, you've declined"
    assert stored_answer(stack.dynamodb, "boatsetter:xhqgmdh", "sam")["answer"] == "declined"


def test_changing_ones_mind_in_the_browser_replaces_the_answer(stack, browser):
    page = open_crew_page(stack, browser)
    page.get_by_role("link", name="Confirm Alex for this charter").click()
    page.get_by_role("button", name="Yes, I'll be there").click()

    page.get_by_role("link", name="Can't make it? Decline instead").click()
    assert "You confirmed on" in page.locator("main").inner_text()
    page.get_by_role("button", name="I can't make it").click()

    assert page.locator("h1").inner_text() == "Thanks Alex, you've declined"
    assert stored_answer(stack.dynamodb, "boatsetter:xhqgmdh", "alex")["answer"] == "declined"


def test_a_form_on_another_page_cannot_answer(stack, browser, site_bucket):
    page = open_crew_page(stack, browser)
    confirm_url = page.get_by_role("link", name="Confirm Alex for this charter").get_attribute(
        "href"
    )
    stack.s3.put_object(
        Bucket=site_bucket,
        Key="elsewhere.html",
        ContentType="text/html",
        Body=f'<form method="post" action="{confirm_url}"><button>Win a prize</button></form>',
    )
    page.goto(f"{stack.site_url}/elsewhere.html")

    page.get_by_role("button", name="Win a prize").click()

    assert page.locator("h1").inner_text() == "This answer was not recorded"
    assert stored_answer(stack.dynamodb, "boatsetter:xhqgmdh", "alex") == {}


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


def test_a_member_answers_from_their_own_link_and_then_sees_everyones_answers(stack, browser):
    b = booking()
    _, crew_url = stack.publish(b)
    sam = browser().new_page()
    sam.goto(stack.member_link(b, "sam", crew_url))
    sam.get_by_role("link", name="Decline: Sam cannot sail").click()
    sam.get_by_role("button", name="I can't make it").click()
    alex_link = stack.member_link(b, "alex", crew_url)
    page = browser().new_page()
    page.goto(alex_link)

    page.get_by_role("link", name="Confirm Alex for this charter").click()
    page.get_by_role("button", name="Yes, I'll be there").click()
    assert page.locator("h1").inner_text() == "Thanks Alex, you're confirmed"
    page.goto(alex_link)  # back to the sheet from their own email
    page.locator("tr.you").wait_for(timeout=10_000)

    assert row(page, "alex").locator("td.answer").inner_text().startswith("You confirmed.")
    assert row(page, "sam").locator("td.answer").inner_text() == "Declined"
    assert row(page, "sam").get_by_role("link").count() == 0
    assert page.locator("tr.you").count() == 1
    assert stored_answer(stack.dynamodb, b.key, "alex")["answer"] == "confirmed"


def test_a_cancelled_charter_shows_no_buttons_even_from_a_members_own_link(stack, browser):
    page = open_crew_page(stack, browser, kind=Kind.CANCELLED)
    page.wait_for_load_state("networkidle")

    assert page.get_by_role("alert").get_by_text("Cancelled: do not sail").count() == 1
    assert page.locator("table.crew").get_by_role("link").count() == 0
    assert page.locator("td.answer").count() == 0
    assert page.locator("tr.you").count() == 0
