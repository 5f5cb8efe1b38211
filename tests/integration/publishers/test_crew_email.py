"""Crew emails through SES on moto's server, read back and parsed as a mail client would."""

from collections.abc import Mapping
from email.message import EmailMessage

import boto3
import icalendar
import pytest
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError

from bookings import (
    Boat,
    Booking,
    CrewMember,
    Fleet,
    Kind,
    PermanentError,
    TransientError,
    default_fleet,
)
from publishers.crew_email import CrewEmailPublisher, CrewEmailSettings
from publishers.transport.mail import Mailer
from sandbox.aws import MotoServer
from tests.support.deliveries import MemoryDeliveryLog
from tests.support.publishing import (
    MemoryLinkIssuer,
    booking,
    context,
    lifecycle,
    parts,
    sent_mail,
)

SENDER = "JADA Crew <crew@jada.example>"
MANAGER = "manager@jada.example"
CREW_PAGE = {"crew_page": {"url": "https://jada.example/crew/0123456789abcdef.html", "key": "k"}}
SETTINGS = CrewEmailSettings(
    from_address=SENDER, manager_address=MANAGER, links_api_base_url="https://links.jada.example"
)


@pytest.fixture
def ses(aws):
    boto3.client("sesv2").create_email_identity(EmailIdentity="jada.example")
    return aws


@pytest.fixture
def links():
    return MemoryLinkIssuer()


def crew_publisher(
    links: MemoryLinkIssuer,
    fleet: Fleet | None = None,
    deliveries: MemoryDeliveryLog | None = None,
    sender: str = SENDER,
) -> CrewEmailPublisher:
    settings = CrewEmailSettings(
        from_address=sender, manager_address=MANAGER, links_api_base_url=SETTINGS.links_api_base_url
    )
    return CrewEmailPublisher(
        fleet or default_fleet(),
        settings,
        links,
        Mailer(boto3.client("sesv2")),
        deliveries or MemoryDeliveryLog(),
    )


def publish(
    publisher: CrewEmailPublisher,
    state: Booking,
    previous: Booking | None = None,
    ids: Mapping[str, str] | None = None,
) -> Mapping[str, str]:
    return publisher.publish(
        context(publisher, state, previous=previous, ids=ids, upstream=CREW_PAGE)
    )


def run_lifecycle(publisher: CrewEmailPublisher) -> Mapping[str, str]:
    new, modified, cancelled = lifecycle()
    ids = publish(publisher, new)
    ids = publish(publisher, modified, previous=new, ids=ids)
    return publish(publisher, cancelled, previous=modified, ids=ids)


def mail_to(moto: MotoServer, address: str) -> list[EmailMessage]:
    return [m for m in sent_mail(moto) if address in m["To"]]


def invite(message: EmailMessage) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(parts(message)["text/calendar"])


def test_each_crew_member_gets_new_changed_cancelled_sharing_one_uid(ses, links):
    run_lifecycle(crew_publisher(links))

    for address in ("sam@example.com", "alex@example.com"):
        mails = mail_to(ses, address)
        assert [m["X-Charterhand-Kind"] for m in mails] == ["new", "changed", "cancelled"]
        calendars = [invite(m) for m in mails]
        events = [c.walk("VEVENT")[0] for c in calendars]
        assert len({str(e["UID"]) for e in events}) == 1
        sequences = [int(str(e["SEQUENCE"])) for e in events]
        assert sequences == sorted(sequences)
        assert len(set(sequences)) == 3
        assert [str(c["METHOD"]) for c in calendars] == ["REQUEST", "REQUEST", "CANCEL"]
        assert str(events[-1]["STATUS"]) == "CANCELLED"


def test_subjects_say_what_happened(ses, links):
    run_lifecycle(crew_publisher(links))

    assert [m["Subject"] for m in mail_to(ses, "sam@example.com")] == [
        "New charter: JADA, Sat, Jun 14, 10:00 AM",
        "Changed: JADA charter Sat, Jun 14, 11:00 AM",
        "Cancelled: JADA charter Sat, Jun 14, 11:00 AM",
    ]


def test_the_changed_email_says_what_changed_old_to_new(ses, links):
    run_lifecycle(crew_publisher(links))

    changed = mail_to(ses, "alex@example.com")[1]
    text = parts(changed)["text/plain"]
    assert (
        "When: Saturday, June 14, 2025, 10:00 AM – 1:00 PM PDT → "
        "Saturday, June 14, 2025, 11:00 AM – 3:00 PM PDT"
    ) in text
    assert "Party size: 6 → 8" in text
    assert "Boat:" not in text  # unchanged fields are not listed


def test_from_reply_to_and_to_are_set(ses, links):
    publish(crew_publisher(links), booking())

    [mail] = mail_to(ses, "sam@example.com")
    assert (mail["From"], mail["Reply-To"], mail["To"]) == (
        SENDER,
        MANAGER,
        "Sam Rivera <sam@example.com>",
    )


def test_confirm_and_decline_links_carry_a_token_for_that_member(ses, links):
    publish(crew_publisher(links), booking())

    [mail] = mail_to(ses, "alex@example.com")
    html = parts(mail)["text/html"]
    confirm = html.split('href="https://links.jada.example/crew/')[1].split('"')[0]
    token, _, action = confirm.partition("/")
    assert action == "confirm"
    assert f"https://links.jada.example/crew/{token}/decline" in html
    assert links.verify(token) == ("boatsetter:xhqgmdh", "alex")


def test_the_email_links_to_the_crew_page(ses, links):
    publish(crew_publisher(links), booking())

    [mail] = mail_to(ses, "sam@example.com")
    assert CREW_PAGE["crew_page"]["url"] in parts(mail)["text/html"]
    assert CREW_PAGE["crew_page"]["url"] in parts(mail)["text/plain"]


def sheet_link(mail: EmailMessage, part: str = "text/html") -> str:
    """The crew sheet link in one member's email."""
    url = CREW_PAGE["crew_page"]["url"]
    return url + parts(mail)[part].split(url, 1)[1].split('"')[0].split()[0]


def test_each_member_opens_the_crew_sheet_with_their_own_token(ses, links):
    publish(crew_publisher(links), booking())

    for member in ("alex", "sam"):
        [mail] = mail_to(ses, f"{member}@example.com")
        link = sheet_link(mail)
        page, _, token = link.partition("#t=")
        assert page == CREW_PAGE["crew_page"]["url"]  # the token rides in the fragment only
        assert links.verify(token) == ("boatsetter:xhqgmdh", member)
        assert f"https://links.jada.example/crew/{token}/confirm" in parts(mail)["text/html"]
        assert sheet_link(mail, "text/plain") == link


def test_no_email_holds_another_members_token(ses, links):
    publish(crew_publisher(links), booking())

    [alex] = mail_to(ses, "alex@example.com")
    [sam] = mail_to(ses, "sam@example.com")
    alex_token = sheet_link(alex).partition("#t=")[2]
    assert alex_token not in str(parts(sam))
    assert alex_token not in str(invite(alex).to_ical())  # calendars are shared: no token there


def test_returns_one_ses_message_id_per_member(ses, links):
    ids = publish(crew_publisher(links), booking())

    assert set(ids) == {"sam", "alex"}
    assert all(ids.values())


def test_replaying_the_same_input_sends_nothing_new(ses, links):
    publisher = crew_publisher(links)
    ctx = context(publisher, booking(), upstream=CREW_PAGE)

    first = publisher.publish(ctx)
    again = publisher.publish(ctx)  # the worker died before storing the ids

    assert again == first
    assert len(sent_mail(ses)) == 2


def test_a_member_without_an_address_is_skipped(ses, links):
    fleet = default_fleet()
    people = [p if p.id != "alex" else p.model_copy(update={"email": None}) for p in fleet.people]
    fleet = fleet.model_copy(update={"people": people})

    ids = publish(crew_publisher(links, fleet=fleet), booking())

    assert set(ids) == {"sam"}
    assert [m["To"] for m in sent_mail(ses)] == ["Sam Rivera <sam@example.com>"]


def test_a_request_is_not_emailed(ses, links):
    assert publish(crew_publisher(links), booking(Kind.REQUEST)) == {}
    assert sent_mail(ses) == []


def test_a_member_taken_off_the_crew_gets_a_cancellation(ses, links):
    publisher = crew_publisher(links)
    ids = publish(publisher, booking())
    fleet = default_fleet()
    boat = fleet.boats[0].model_copy(update={"crew": ["jo"]})
    jo = CrewMember(id="jo", name="Jo Park", email="jo@example.com")
    fleet = Fleet(boats=[boat], people=[*fleet.people, jo])

    ids = publish(crew_publisher(links, fleet=fleet), booking(), previous=booking(), ids=ids)

    assert set(ids) == {"sam", "jo"}
    assert [m["X-Charterhand-Kind"] for m in mail_to(ses, "alex@example.com")] == [
        "new",
        "removed",
    ]
    assert str(invite(mail_to(ses, "alex@example.com")[1])["METHOD"]) == "CANCEL"
    assert [m["X-Charterhand-Kind"] for m in mail_to(ses, "jo@example.com")] == ["new"]
    assert [m["X-Charterhand-Kind"] for m in mail_to(ses, "sam@example.com")] == ["new"]


def test_a_member_taken_off_the_crew_has_their_links_revoked(ses, links):
    ids = publish(crew_publisher(links), booking())
    alex_token = sheet_link(mail_to(ses, "alex@example.com")[0]).partition("#t=")[2]
    sam_token = sheet_link(mail_to(ses, "sam@example.com")[0]).partition("#t=")[2]
    fleet = default_fleet()
    fleet = Fleet(boats=[fleet.boats[0].model_copy(update={"crew": []})], people=fleet.people)

    publish(crew_publisher(links, fleet=fleet), booking(), previous=booking(), ids=ids)

    assert links.verify(alex_token) is None
    assert links.verify(sam_token) == ("boatsetter:xhqgmdh", "sam")


def test_an_unverified_sender_is_permanent_and_names_ses(ses, links):
    publisher = crew_publisher(links, sender="nobody@unverified.example")

    with pytest.raises(PermanentError, match="SES"):
        publish(publisher, booking())


def test_a_boat_missing_from_the_fleet_is_permanent(ses, links):
    fleet = Fleet(boats=[Boat(name="WANDA")])

    with pytest.raises(PermanentError, match="boat 'JADA'"):
        publish(crew_publisher(links, fleet=fleet), booking())


def test_after_one_member_failed_the_retry_emails_only_the_rest(ses, links):
    client = boto3.client("sesv2", config=Config(retries={"total_max_attempts": 1}))
    sends = []

    def network_drops_the_second_send(**_):
        sends.append(1)
        if len(sends) == 2:
            raise EndpointConnectionError(endpoint_url=ses.endpoint_url)

    client.meta.events.register("before-send.sesv2.SendEmail", network_drops_the_second_send)
    # one member at a time: "the second send" is then Alex's, in crew order
    publisher = CrewEmailPublisher(
        default_fleet(), SETTINGS, links, Mailer(client), MemoryDeliveryLog(), members_at_once=1
    )
    ctx = context(publisher, booking(), upstream=CREW_PAGE)

    with pytest.raises(TransientError, match="SES"):
        publisher.publish(ctx)
    ids = publisher.publish(ctx)  # the worker's next delivery

    assert set(ids) == {"sam", "alex"}
    assert [m["To"] for m in sent_mail(ses)] == [
        "Sam Rivera <sam@example.com>",
        "Alex Chen <alex@example.com>",
    ]


def test_a_name_with_a_comma_is_quoted_in_the_to_header(ses, links):
    fleet = default_fleet()
    people = [
        p if p.id != "alex" else p.model_copy(update={"name": "Chen, Alex"}) for p in fleet.people
    ]

    publish(crew_publisher(links, fleet=fleet.model_copy(update={"people": people})), booking())

    assert '"Chen, Alex" <alex@example.com>' in [m["To"] for m in sent_mail(ses)]


def test_the_invitation_is_at_the_charters_time(ses, links):
    publish(crew_publisher(links), booking())

    event = invite(mail_to(ses, "sam@example.com")[0]).walk("VEVENT")[0]
    assert event.decoded("DTSTART") == booking().start
    assert event.decoded("DTEND") == booking().end
