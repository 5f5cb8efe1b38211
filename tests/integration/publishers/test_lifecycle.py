"""One booking, new → modified → cancelled, through every publisher of this package at once.

The calendar and SCC are the sandbox servers over HTTP, email is SES on moto's server. Steps run
in dependency order, each handed its ids from the last run and its upstream's ids, as the worker
does. The world must end with one calendar entry and one SCC event, each updated then cancelled,
three emails per crew member sharing one UID, and three summaries.
"""

from collections.abc import Mapping

import boto3
import icalendar
import pytest

from bookings import Booking, MarginPolicy, default_fleet
from publishers.base import Publisher
from publishers.calendar import CalendarConfig, CalendarPublisher, calendar_api
from publishers.crew_email import CrewEmailPublisher, CrewEmailSettings
from publishers.scc import SccPublisher, scc_api
from publishers.summary import SummaryPublisher, SummarySettings
from publishers.transport.http import JsonHttp
from publishers.transport.mail import Mailer
from sandbox.calendar import CalendarSandbox
from sandbox.scc import SccSandbox
from tests.integration.publishers.conftest import DASHBOARD_TOKEN, SCC_KEY
from tests.support.deliveries import MemoryDeliveryLog
from tests.support.publishing import MemoryLinkIssuer, context, lifecycle, parts, sent_mail

PAGES = {
    "guest_page": {"url": "https://jada.example/g/xhqgmdh", "key": "g/xhqgmdh.html"},
    "crew_page": {"url": "https://jada.example/crew/0123.html", "key": "crew/0123.html"},
}
Ids = dict[str, Mapping[str, str]]


class Steps:
    """The publishers in dependency order, and the ids each has stored, as the worker keeps them."""

    def __init__(self, publishers: list[Publisher]) -> None:
        self.publishers = publishers
        self.ids: Ids = dict(PAGES)
        self.published: dict[str, Booking] = {}

    def run(self, state: Booking) -> None:
        for publisher in self.publishers:
            step = publisher.step
            upstream = {dep: self.ids.get(dep, {}) for dep in publisher.depends_on}
            ctx = context(
                publisher,
                state,
                previous=self.published.get(step),
                ids=self.ids.get(step, {}),
                upstream=upstream,
            )
            self.ids[step] = publisher.publish(ctx)
            self.published[step] = state

    def run_then_crash_and_replay(self, state: Booking) -> None:
        """Every step runs, the worker dies before storing anything, and the message comes back."""
        stored_ids, stored_published = dict(self.ids), dict(self.published)
        self.run(state)
        self.ids, self.published = stored_ids, stored_published
        self.run(state)


@pytest.fixture
def steps(aws, calendar_server: CalendarSandbox, scc_server: SccSandbox, http: JsonHttp) -> Steps:
    boto3.client("sesv2").create_email_identity(EmailIdentity="jada.example")
    fleet, mailer = default_fleet(), Mailer(boto3.client("sesv2"))
    calendar = CalendarConfig(transport="http", base_url=calendar_server.base_url)
    return Steps(
        [
            CalendarPublisher(calendar_api(calendar, token=lambda: DASHBOARD_TOKEN, http=http)),
            SccPublisher(scc_api(scc_server.base_url, lambda: SCC_KEY, http), fleet),
            CrewEmailPublisher(
                fleet,
                CrewEmailSettings("crew@jada.example", "manager@jada.example", "https://l.example"),
                MemoryLinkIssuer(),
                mailer,
                MemoryDeliveryLog(),
            ),
            SummaryPublisher(
                fleet,
                MarginPolicy(),
                SummarySettings("charterhand@jada.example", "manager@jada.example"),
                MemoryDeliveryLog(),
                mailer=mailer,
            ),
        ]
    )


def test_new_modified_cancelled_converges_everywhere(steps, aws, calendar_server, scc_server):
    for state in lifecycle():
        steps.run(state)

    [entry] = calendar_server.records_for("boatsetter:xhqgmdh")
    [event] = scc_server.records_for("boatsetter:xhqgmdh")
    assert entry["operations"] == event["operations"] == ["create", "update", "cancel"]
    mails = sent_mail(aws)
    for crew in ("sam@example.com", "alex@example.com"):
        theirs = [m for m in mails if crew in m["To"]]
        uids = {
            str(icalendar.Calendar.from_ical(parts(m)["text/calendar"]).walk("VEVENT")[0]["UID"])
            for m in theirs
        }
        assert [m["X-Charterhand-Kind"] for m in theirs] == ["new", "changed", "cancelled"]
        assert len(uids) == 1
    summaries = [m for m in mails if m["To"] == "manager@jada.example"]
    assert [m["X-Charterhand-Kind"] for m in summaries] == ["new", "changed", "cancelled"]


def test_replaying_every_step_with_the_same_input_creates_nothing(
    steps, aws, calendar_server, scc_server
):
    new, modified, _ = lifecycle()
    steps.run_then_crash_and_replay(new)
    steps.run_then_crash_and_replay(modified)

    creates = [
        r for s in (calendar_server, scc_server) for r in s.requests if r["method"] == "POST"
    ]
    assert len(creates) == 2
    assert len(calendar_server.records) == len(scc_server.records) == 1
    assert len(sent_mail(aws)) == 2 + 2 + 1 + 1  # crew new, crew changed, two summaries
