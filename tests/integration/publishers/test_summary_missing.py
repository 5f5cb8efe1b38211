"""A missing value is visible: a booking whose emails never gave a field its platform normally
sends is still summarised, and the summary names the field and the label-like words seen."""

import json

import boto3
import pytest
from bs4 import BeautifulSoup

from bookings import Kind, MarginPolicy, default_fleet
from publishers.summary import SummaryPublisher, SummarySettings
from publishers.transport.http import HttpPolicy, JsonHttp
from publishers.transport.mail import Mailer
from tests.support.deliveries import MemoryDeliveryLog
from tests.support.publishing import booking, context, parts, sent_mail

LABELS = ("seats booked", "trip total")


@pytest.fixture
def ses(aws):
    boto3.client("sesv2").create_email_identity(EmailIdentity="jada.example")
    return aws


def publisher(webhook_url: str | None = None) -> SummaryPublisher:
    settings = SummarySettings(
        from_address="charterhand@jada.example",
        manager_address="manager@jada.example",
        webhook_url=webhook_url,
    )
    return SummaryPublisher(
        default_fleet(),
        MarginPolicy(),
        settings,
        MemoryDeliveryLog(),
        mailer=None if webhook_url else Mailer(boto3.client("sesv2")),
        http=JsonHttp(HttpPolicy(timeout=2, retries=0)),
    )


def test_the_summary_names_the_missing_fields_and_the_labels_seen(ses):
    p = publisher()
    p.publish(context(p, booking(gross=None, party_size=None, unread_labels=LABELS)))

    [mail] = sent_mail(ses)
    text = parts(mail)["text/plain"]
    assert "Missing:     gross, party size (no email of this booking gave them)" in text
    assert "Labels seen that no field is known by: 'seats booked', 'trip total'" in text
    html = BeautifulSoup(parts(mail)["text/html"], "html.parser")
    section = html.find(id="missing")
    assert section is not None
    assert "gross, party size" in section.get_text(" ")
    assert [code.get_text() for code in section.find_all("code")] == [*LABELS, "[parsing]"]


def test_a_complete_booking_says_nothing_is_missing(ses):
    p = publisher()
    p.publish(context(p, booking(unread_labels=LABELS)))

    [mail] = sent_mail(ses)
    assert "Missing" not in parts(mail)["text/plain"]
    assert "trip total" not in parts(mail)["text/plain"]
    assert BeautifulSoup(parts(mail)["text/html"], "html.parser").find(id="missing") is None


def test_a_cancelled_booking_misses_nothing(ses):
    p = publisher()
    p.publish(context(p, booking(Kind.CANCELLED, gross=None), previous=booking()))

    assert "Missing" not in parts(sent_mail(ses)[0])["text/plain"]


def test_what_is_missing_is_part_of_the_summarys_input():
    p = publisher("https://script.example/exec")
    complete, lacking = booking(), booking(gross=None, unread_labels=LABELS)
    assert "missing" not in p.input_of(complete)  # nothing missing: the hash is as it was
    assert p.input_of(lacking)["missing"] == {"fields": ["gross"], "labels": list(LABELS)}


def test_the_webhook_receives_what_is_missing(httpserver):
    httpserver.expect_request("/exec", method="POST").respond_with_json({"id": "row-9"})
    p = publisher(httpserver.url_for("/exec"))
    p.publish(context(p, booking(gross=None, unread_labels=LABELS)))

    [(request, _)] = httpserver.log
    body = json.loads(request.data)
    assert body["missing"] == {"fields": ["gross"], "labels": list(LABELS)}
    assert "stamps" not in body["booking"]  # bookkeeping, not what the manager reads
