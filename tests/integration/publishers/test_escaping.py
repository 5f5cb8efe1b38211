"""Renter text is data, never markup: every email template shows it as text, in every kind.

Rendered through the publishers to moto's SES and read back, so this is what a mail client gets.
"""

from email.message import EmailMessage

import boto3
import pytest
from bs4 import BeautifulSoup

from bookings import Kind, MarginPolicy, default_fleet
from publishers.crew_email import CrewEmailPublisher, CrewEmailSettings
from publishers.summary import SummaryPublisher, SummarySettings
from publishers.transport.mail import Mailer
from tests.support.deliveries import MemoryDeliveryLog
from tests.support.publishing import MemoryLinkIssuer, booking, context, parts, sent_mail

NAME = '<script>alert("pwned")</script> O\'Brien & "Sons"'
NOTES = 'Bring <b>cake</b> & "candles" </td><img src=x onerror=alert(1)>'
UPSTREAM = {
    "crew_page": {"url": "https://jada.example/crew/0123.html"},
    "guest_page": {"url": "https://jada.example/g/xhqgmdh"},
}


@pytest.fixture
def ses(aws):
    boto3.client("sesv2").create_email_identity(EmailIdentity="jada.example")
    return aws


@pytest.fixture
def every_email(ses):
    """Crew new / changed / cancelled and summary new / changed / cancelled, all with nasty text."""
    mailer = Mailer(boto3.client("sesv2"))
    crew = CrewEmailPublisher(
        default_fleet(),
        CrewEmailSettings("crew@jada.example", "manager@jada.example", "https://links.example"),
        MemoryLinkIssuer(),
        mailer,
        MemoryDeliveryLog(),
    )
    summary = SummaryPublisher(
        default_fleet(),
        MarginPolicy(),
        SummarySettings("charterhand@jada.example", "manager@jada.example"),
        MemoryDeliveryLog(),
        mailer=mailer,
    )
    plain = booking(renter_name="Jane Doe", notes="Plain & simple")
    nasty = booking(Kind.MODIFIED, renter_name=NAME, notes=NOTES, meeting_point="Dock A & B")
    changed = nasty.model_copy(update={"party_size": 7})
    gone = changed.model_copy(update={"status": Kind.CANCELLED})
    for publisher in (crew, summary):
        ids = publisher.publish(context(publisher, nasty, upstream=UPSTREAM))
        ids = publisher.publish(
            context(publisher, changed, previous=plain, ids=ids, upstream=UPSTREAM)
        )
        publisher.publish(context(publisher, gone, previous=changed, ids=ids, upstream=UPSTREAM))
    mails = sent_mail(ses)
    kinds = {(m["X-Charterhand-Kind"], "manager" in m["To"]) for m in mails}
    assert kinds == {(k, who) for k in ("new", "changed", "cancelled") for who in (False, True)}
    return mails


def test_no_template_lets_renter_markup_through(every_email):
    for mail in every_email:
        html = parts(mail)["text/html"]
        assert "<script" not in html
        assert "<img" not in html
        assert "<b>cake" not in html


def naming_the_renter(mails: list[EmailMessage]) -> list[EmailMessage]:
    """Every email but a crew cancellation, which names no renter."""
    return [m for m in mails if m["X-Charterhand-Kind"] != "cancelled" or "manager" in m["To"]]


def test_renter_text_is_escaped_where_it_appears(every_email):
    for mail in naming_the_renter(every_email):
        html = parts(mail)["text/html"]
        assert (
            "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt; O&#39;Brien &amp; &#34;Sons&#34;"
            in html
        )


def test_a_reader_sees_the_renter_text_exactly_as_typed(every_email):
    for mail in naming_the_renter(every_email):
        shown = BeautifulSoup(parts(mail)["text/html"], "html.parser").get_text()
        assert NAME in shown
        assert NOTES in shown or mail["X-Charterhand-Kind"] == "cancelled"


def test_changes_old_and_new_values_are_escaped(every_email):
    changed = [m for m in every_email if m["X-Charterhand-Kind"] == "changed"]
    for mail in changed:
        html = parts(mail)["text/html"]
        assert "Plain &amp; simple" in html
        assert "Bring &lt;b&gt;cake&lt;/b&gt; &amp; &#34;candles&#34;" in html


def test_text_parts_read_as_typed_without_entities(every_email):
    for mail in every_email:
        text = parts(mail)["text/plain"]
        assert "&amp;" not in text
        assert "&#34;" not in text
        assert "&lt;" not in text
    changed_crew = next(
        m for m in every_email if m["X-Charterhand-Kind"] == "changed" and "manager" not in m["To"]
    )
    assert f"  - Renter: Jane Doe → {NAME}" in parts(changed_crew)["text/plain"]
