"""The manager's summary through SES (moto's server) or the Apps Script webhook (a real server)."""

import json
from collections.abc import Mapping

import boto3
import pytest
from bs4 import BeautifulSoup
from werkzeug import Response

from bookings import (
    Booking,
    Kind,
    MarginPolicy,
    PermanentError,
    Provenance,
    TransientError,
    default_fleet,
)
from publishers.summary import SummaryPublisher, SummarySettings
from publishers.transport.http import HttpPolicy, JsonHttp
from publishers.transport.mail import Mailer
from tests.support.deliveries import MemoryDeliveryLog
from tests.support.publishing import booking, context, lifecycle, parts, sent_mail

MANAGER = "manager@jada.example"
UPSTREAM = {
    "calendar": {"entry_id": "cal-1"},
    "scc": {"event_id": "evt-1"},
    "guest_page": {"url": "https://jada.example/g/xhqgmdh", "key": "g/xhqgmdh.html"},
    "crew_page": {"url": "https://jada.example/crew/0123.html", "key": "crew/0123.html"},
}
WORKED_EXAMPLE = [
    ["Gross", "3 h charter", "$840.75"],
    ["Crew", "Alex Chen: 5 h at $50.00/h", "-$250.00"],
    ["Captain", "3 h at $50.00/h", "-$150.00"],
    ["Platform fee", "18% of gross", "-$151.34"],
    ["Net", "34.4% of gross", "$289.41"],
]


@pytest.fixture
def ses(aws):
    boto3.client("sesv2").create_email_identity(EmailIdentity="jada.example")
    return aws


def ses_publisher(deliveries: MemoryDeliveryLog | None = None) -> SummaryPublisher:
    settings = SummarySettings(from_address="charterhand@jada.example", manager_address=MANAGER)
    return SummaryPublisher(
        default_fleet(),
        MarginPolicy(),
        settings,
        deliveries or MemoryDeliveryLog(),
        mailer=Mailer(boto3.client("sesv2")),
    )


def webhook_publisher(url: str) -> SummaryPublisher:
    settings = SummarySettings(
        from_address="charterhand@jada.example", manager_address=MANAGER, webhook_url=url
    )
    return SummaryPublisher(
        default_fleet(),
        MarginPolicy(),
        settings,
        MemoryDeliveryLog(),
        http=JsonHttp(HttpPolicy(timeout=2, retries=0)),
    )


def publish(
    publisher: SummaryPublisher, state: Booking, previous: Booking | None = None
) -> Mapping[str, str]:
    return publisher.publish(context(publisher, state, previous=previous, upstream=UPSTREAM))


def margin_table(html: str) -> list[list[str]]:
    table = BeautifulSoup(html, "html.parser").find("table", class_="margin")
    assert table is not None
    rows = table.find_all("tr")[1:]
    return [[cell.get_text(strip=True) for cell in row.find_all("td")] for row in rows]


def test_the_worked_example_margin_is_exact_in_the_html_table(ses):
    publish(ses_publisher(), booking())

    [mail] = sent_mail(ses)
    assert margin_table(parts(mail)["text/html"]) == WORKED_EXAMPLE


def test_the_worked_example_margin_is_exact_in_the_text(ses):
    publish(ses_publisher(), booking())

    text = parts(sent_mail(ses)[0])["text/plain"]
    assert "  Gross             $840.75   3 h charter" in text
    assert "  Crew             -$250.00   Alex Chen: 5 h at $50.00/h" in text
    assert "  Captain          -$150.00   3 h at $50.00/h" in text
    assert "  Platform fee     -$151.34   18% of gross" in text
    assert "  Net               $289.41   34.4% of gross" in text


def test_the_summary_goes_to_the_manager_with_a_subject_that_says_it_all(ses):
    ids = publish(ses_publisher(), booking())

    [mail] = sent_mail(ses)
    assert mail["To"] == MANAGER
    assert mail["Subject"] == "New booking: JADA Sat, Jun 14, Jane Doe, net $289.41 (34.4%)"
    assert ids == {"message_id": ids["message_id"]}
    assert ids["message_id"]


def test_a_change_says_what_changed_including_the_net(ses):
    new, modified, _ = lifecycle()
    publish(ses_publisher(), modified, previous=new)

    [mail] = sent_mail(ses)
    text = parts(mail)["text/plain"]
    assert mail["Subject"].startswith("Changed booking: JADA Sat, Jun 14")
    assert "  - Status: confirmed → modified" in text
    assert "  - Party size: 6 → 8" in text
    assert "  - Net: $289.41 (34.4%) → $189.41 (22.5%)" in text


def test_a_cancellation_says_so(ses):
    _, modified, cancelled = lifecycle()
    publish(ses_publisher(), cancelled, previous=modified)

    [mail] = sent_mail(ses)
    assert mail["Subject"] == "Cancelled booking: JADA Sat, Jun 14, Jane Doe"
    assert "This booking was CANCELLED." in parts(mail)["text/plain"]
    assert "  - Status: modified → cancelled" in parts(mail)["text/plain"]


def test_a_cancellation_before_any_announcement_is_one_clear_line(ses):
    """The cancellation arrives first (the confirmation was lost, or is still on its way): the
    manager was never told of the booking, so there is nothing "Cancelled" to announce."""
    _, _, cancelled = lifecycle()
    publish(ses_publisher(), cancelled, previous=None)

    [mail] = sent_mail(ses)
    assert mail["Subject"] == "Cancelled before it was confirmed: JADA Sat, Jun 14, Jane Doe"
    text = parts(mail)["text/plain"].strip()
    assert text == (
        "Booking boatsetter:xhqgmdh (JADA Sat, Jun 14, Jane Doe) was cancelled before it was "
        "confirmed."
    )
    assert "Cancelled booking" not in parts(mail)["text/html"]
    assert text in " ".join(BeautifulSoup(parts(mail)["text/html"], "html.parser").text.split())


def test_a_request_is_summarised_as_a_request(ses):
    publish(ses_publisher(), booking(Kind.REQUEST))

    [mail] = sent_mail(ses)
    assert mail["Subject"].startswith("Booking request: JADA")


def test_without_a_gross_the_margin_is_unknown(ses):
    publish(ses_publisher(), booking(gross=None))

    assert "Margin: unknown (the email gave no gross)." in parts(sent_mail(ses)[0])["text/plain"]


def test_replaying_the_same_input_sends_nothing_new(ses):
    publisher = ses_publisher()
    ctx = context(publisher, booking(), upstream=UPSTREAM)

    assert publisher.publish(ctx) == publisher.publish(ctx)
    assert len(sent_mail(ses)) == 1


def test_the_webhook_receives_the_summary_as_json_with_exact_numbers(httpserver):
    httpserver.expect_request("/exec", method="POST").respond_with_json({"id": "row-7"})

    ids = publish(webhook_publisher(httpserver.url_for("/exec")), booking())

    [(request, _)] = httpserver.log
    body = json.loads(request.data)
    assert ids == {"message_id": "webhook:row-7"}
    assert body["kind"] == "new"
    assert body["margin"] == {
        "gross": "840.75",
        "hours": "3",
        "crew_hours": "5",
        "crew_cost": "250.00",
        "captain_cost": "150.00",
        "platform_fee": "151.34",
        "net": "289.41",
        "net_percent": "34.4",
    }
    assert body["links"]["calendar_entry"] == "cal-1"
    assert request.headers["Idempotency-Key"] == "summary:boatsetter:xhqgmdh:manager:new"


def test_the_webhook_follows_apps_scripts_redirect_with_a_get(httpserver):
    httpserver.expect_request("/exec", method="POST").respond_with_response(
        Response(status=302, headers={"Location": httpserver.url_for("/echo")})
    )
    httpserver.expect_request("/echo", method="GET").respond_with_json({"id": "row-8"})

    ids = publish(webhook_publisher(httpserver.url_for("/exec")), booking())

    assert ids == {"message_id": "webhook:row-8"}
    assert [r.method for r, _ in httpserver.log] == ["POST", "GET"]


def test_a_webhook_refusing_the_call_is_credentials_rejected(httpserver):
    httpserver.expect_request("/exec").respond_with_json({"error": "no"}, status=401)

    with pytest.raises(PermanentError, match="credentials rejected by summary webhook"):
        publish(webhook_publisher(httpserver.url_for("/exec")), booking())


def test_a_summary_needs_a_channel():
    settings = SummarySettings(from_address="a@jada.example", manager_address=MANAGER)
    with pytest.raises(ValueError, match="mailer"):
        SummaryPublisher(default_fleet(), MarginPolicy(), settings, MemoryDeliveryLog())


def test_a_hung_webhook_is_cut_by_the_timeout_and_is_transient(httpserver):
    import threading

    release = threading.Event()

    def hang(_request):
        release.wait(10)
        return Response("{}", content_type="application/json")

    httpserver.expect_request("/exec").respond_with_handler(hang)
    publisher = webhook_publisher(httpserver.url_for("/exec"))
    try:
        with pytest.raises(TransientError, match="summary webhook POST: no answer within 2 s"):
            publish(publisher, booking())
    finally:
        release.set()


VERIFIED = Provenance(verified=True, proof="DMARC pass for boatsetter.com")
FORWARDED = Provenance(
    verified=False,
    forwarded_by="dana@sailjada.com",
    proof="an inline forward carries no signature of the platform",
)


def test_the_summary_says_the_booking_was_verified_and_how(ses):
    publish(ses_publisher(), booking(provenance=VERIFIED))

    mail = parts(sent_mail(ses)[0])
    assert "Provenance:  verified (DMARC pass for boatsetter.com)" in mail["text/plain"]
    assert "verified (DMARC pass for boatsetter.com)" in mail["text/html"]


def test_the_summary_says_who_forwarded_an_unverified_booking(ses):
    publish(ses_publisher(), booking(provenance=FORWARDED))

    text = parts(sent_mail(ses)[0])["text/plain"]
    assert "Provenance:  forwarded by dana@sailjada.com, unverified (an inline forward" in text


def test_a_booking_proven_later_says_so_as_a_change(ses):
    forwarded = booking(provenance=FORWARDED)
    publish(ses_publisher(), booking(provenance=VERIFIED), previous=forwarded)

    text = parts(sent_mail(ses)[0])["text/plain"]
    assert "  - Provenance: forwarded by dana@sailjada.com, unverified" in text


def test_provenance_is_part_of_what_the_summary_shows_once_known():
    publisher = ses_publisher()
    assert "provenance" not in publisher.input_of(booking())  # stored before: hash unchanged
    assert publisher.input_of(booking(provenance=VERIFIED)) != publisher.input_of(
        booking(provenance=FORWARDED)
    )


def test_the_webhook_receives_the_provenance(httpserver):
    httpserver.expect_request("/exec", method="POST").respond_with_json({"id": "row-8"})

    publish(webhook_publisher(httpserver.url_for("/exec")), booking(provenance=FORWARDED))

    [(request, _)] = httpserver.log
    body = json.loads(request.data)
    assert body["provenance"].startswith("forwarded by dana@sailjada.com, unverified")
    assert body["booking"]["provenance"]["verified"] is False
