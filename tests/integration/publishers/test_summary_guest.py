"""The summary gives the manager what reaches the guest and the crew's photos: a ready-to-paste
message with the guest page's link, in the fleet's words, and the private gallery's link."""

from dataclasses import replace

import boto3
import pytest
from bs4 import BeautifulSoup

from bookings import Kind, MarginPolicy, default_fleet
from publishers.guest_message import check_template
from publishers.summary import SummaryPublisher, SummarySettings
from publishers.transport.mail import Mailer
from tests.integration.publishers.test_summary import MANAGER, UPSTREAM
from tests.support.deliveries import MemoryDeliveryLog
from tests.support.publishing import booking, context, parts, sent_mail

GUEST_PAGE = UPSTREAM["guest_page"]["url"]
GALLERY = "https://links.jada.example/photos/xhqgmdh-" + "0" * 32
WITH_GALLERY = {**UPSTREAM, "crew_page": {**UPSTREAM["crew_page"], "gallery_url": GALLERY}}
HOSTILE = "<b>Jane</b>&Co Doe"


@pytest.fixture
def ses(aws):
    boto3.client("sesv2").create_email_identity(EmailIdentity="jada.example")
    return aws


def summary(ses, state=None, **settings) -> tuple[str, str]:
    """(text, html) of the one summary sent for ``state``."""
    config = SummarySettings(
        from_address="charterhand@jada.example", manager_address=MANAGER, **settings
    )
    publisher = SummaryPublisher(
        default_fleet(),
        MarginPolicy(),
        config,
        MemoryDeliveryLog(),
        mailer=Mailer(boto3.client("sesv2")),
    )
    publisher.publish(context(publisher, state or booking(), upstream=WITH_GALLERY))
    (mail,) = sent_mail(ses)
    found = parts(mail)
    return found["text/plain"], found["text/html"]


def test_the_summary_carries_a_ready_to_paste_message_with_the_guest_link(ses):
    text, html = summary(ses)
    message = BeautifulSoup(html, "html.parser").find(id="guest-message")
    assert message is not None
    assert message.get_text() == (
        f"Hi Jane, here is everything for Saturday on JADA: {GUEST_PAGE} (the time, where to "
        "meet, what to bring, and a place to share your photos after)"
    )
    assert "paste this into the Boatsetter chat" in text
    assert f"  Hi Jane, here is everything for Saturday on JADA: {GUEST_PAGE}" in text
    assert "Doe" not in message.get_text()  # the first name only


def test_the_message_is_in_the_fleets_words(ses):
    text, _ = summary(ses, guest_message="Ahoy {first_name}! {boat} on {day}: {link}")
    assert f"Ahoy Jane! JADA on Saturday, June 14: {GUEST_PAGE}" in text


def test_a_hostile_first_name_is_text_in_the_html(ses):
    _, html = summary(ses, booking(renter_name=HOSTILE))
    assert "&lt;b&gt;Jane&lt;/b&gt;&amp;Co" in html
    assert "<b>Jane</b>" not in html


def test_a_cancelled_booking_carries_no_guest_message(ses):
    text, html = summary(ses, booking(Kind.CANCELLED))
    assert 'id="guest-message"' not in html
    assert "For the guest" not in text


def test_the_summary_links_the_bookings_private_photo_gallery(ses):
    text, html = summary(ses)
    links = {a.get_text(): a["href"] for a in BeautifulSoup(html, "html.parser").find_all("a")}
    assert links["Guests' photos"] == GALLERY
    assert f"Photos:      {GALLERY}" in text


@pytest.mark.parametrize(
    ("template", "complaint"),
    [
        ("Hi {name}: {link}", "unknown placeholder(s) ['name']"),
        ("Hi {first_name}", "must carry {link}"),
        ("{link.__class__}", "unknown placeholder(s) ['link.__class__']"),
        ("{link:>99999}", "no format spec"),
        ("{link!r}", "no format spec or conversion"),
        ("Hi {", "guest_message:"),
    ],
)
def test_a_template_we_cannot_fill_is_refused_naming_why(template, complaint):
    with pytest.raises(ValueError, match="guest_message") as refused:
        check_template(template)
    assert complaint in str(refused.value)


def test_the_default_settings_carry_a_valid_template():
    settings = SummarySettings(from_address="a@jada.example", manager_address=MANAGER)
    assert check_template(settings.guest_message) == replace(settings).guest_message
