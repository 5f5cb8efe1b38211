"""The demo's own code path, end to end: every part real, on loopback, in this process."""

import os
import re
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from commands.demo import render
from sandbox.demo import DemoReport, run, running_demo
from tests.support.cli import charterhand


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[tuple[DemoReport, Path, str]]:
    out = tmp_path_factory.mktemp("demo-out")
    with running_demo() as running:
        report = run(running, out)
        yield report, out, running.site.base_url


def _outcomes(report: DemoReport) -> list[tuple[str, str | None]]:
    return [(o.outcome, o.booking) for o in report.outcomes]


def test_every_email_settles_as_an_operator_expects(demo):
    report, _out, _site = demo
    assert _outcomes(report) == [
        ("done", "boatsetter:xhqgmdh"),
        ("done", "boatsetter:kpwzrta"),
        ("done", "boatsetter:rmvdcse"),
        ("done", "getmyboat:4817263"),
        ("done", "boatsetter:xhqgmdh"),
        ("done", "boatsetter:xhqgmdh"),
        ("done", "boatsetter:xhqgmdh"),
        ("ignored", None),
        ("dead-letter", None),
    ]
    assert "ran nothing" in report.outcomes[6].reason


def test_the_unreadable_email_waits_in_the_dlq_with_the_fields_it_lacks(demo):
    report, _out, _site = demo
    [letter] = report.dead_letters
    assert letter.attributes["step"] == "parse"
    assert "booking_id, start, end" in letter.reason


def test_one_calendar_entry_and_one_scc_event_per_booking(demo):
    report, _out, _site = demo
    for holdings in (report.calendar, report.scc):
        by_booking = Counter(r["booking_id"] for r in holdings)
        assert set(by_booking.values()) == {1}
        assert len(by_booking) == 4
        cancelled = [r for r in holdings if r["status"] == "cancelled"]
        assert [r["booking_id"] for r in cancelled] == ["boatsetter:xhqgmdh"]


def test_each_crew_member_gets_new_changed_cancelled_once_and_nothing_twice(demo):
    report, out, _site = demo
    sent = Counter((to, subject) for to, subject, _path in report.emails_sent)
    assert max(sent.values()) == 1, f"an email went out twice: {sent.most_common(1)}"
    for person in ("sam@example.com", "alex@example.com"):
        may_30 = [s for to, s, _ in report.emails_sent if person in to and "May 30" in s]
        assert [s.split(":")[0] for s in may_30] == ["New charter", "Changed", "Cancelled"]
    assert all(path.parent == out / "emails" and path.exists() for *_, path in report.emails_sent)


def test_the_pages_are_served_and_the_cancelled_one_says_so(demo):
    report, _out, site = demo
    pages = {b.key: b for b in report.bookings}
    cancelled = pages["boatsetter:xhqgmdh"]
    assert re.fullmatch(
        rf"{re.escape(site)}/g/xhqgmdh-[a-z2-7]{{16}}", cancelled.links["guest_page"]
    )
    with urllib.request.urlopen(cancelled.links["guest_page"], timeout=10) as answer:
        assert "cancelled" in answer.read().decode().lower()
    live = pages["boatsetter:kpwzrta"]
    assert live.links["crew_page"] is not None
    with urllib.request.urlopen(live.links["crew_page"], timeout=10) as answer:
        assert "noindex" in answer.read().decode()


def test_the_table_names_every_link_and_the_dlq_reason(demo):
    report, out, _site = demo
    table = render(report, out)
    for booking in report.bookings:
        assert booking.links["guest_page"] in table
        assert booking.links["crew_page"] in table
        assert f"    gallery     {booking.links['gallery']}" in table
        assert re.search(r"/photos/[a-z0-9]+-[0-9a-f]{32}$", booking.links["gallery"])
    assert "cannot read booking_id, start, end" in table
    assert "EMAILS SENT: 23" in table


def test_a_decline_from_a_crew_email_reaches_the_manager_and_the_check_reminds_the_silent(demo):
    report, out, _site = demo
    declined, checked = report.crew
    assert (declined.outcome, declined.reason) == (
        "done",
        "crew answers on boatsetter:kpwzrta: told the manager (1 decline)",
    )
    assert (checked.outcome, checked.reason) == (
        "done",
        "crew check: 1 reminder, 1 silent list over 3 upcoming",
    )
    sent = [(to, subject) for to, subject, _ in report.emails_sent]
    assert sent[-5:-2] == [  # then the audit's two (test_the_audit_finds_...)
        ("manager@example.com", "Alex Chen can't make the JADA charter Sat, Jun 12, 5:30 PM"),
        ("Sam Rivera <sam@example.com>", "Can you make it? JADA charter Sat, Jun 12, 5:30 PM"),
        ("manager@example.com", "No answer yet from Sam Rivera: JADA charter Sat, Jun 12, 5:30 PM"),
    ]
    table = render(report, out)
    assert "CREW ANSWERS, after the emails" in table
    assert "told the manager (1 decline)" in table


def test_the_audit_finds_the_booking_with_no_email_once_and_tells_the_manager_once(demo):
    """The sandbox's iCal exports carry every live booking, an owner's weekly block and one
    GetMyBoat charter whose email never came: that one is found on every run, told once. A
    calendar entry deleted by hand between the first two runs is published again once."""
    report, out, _site = demo
    first, second, third = report.audit
    missed = (
        "JADA: booked on GetMyBoat for Mon, Jun 14, 2027, 10:00 AM – 2:00 PM PDT, but no "
        "booking email was read"
    )
    assert (first.outcome, first.reason) == (
        "1 finding(s), 1 email(s) to the manager so far",
        missed,
    )
    assert second.what.endswith("after boatsetter:kpwzrta's calendar entry was deleted by hand")
    assert (second.outcome, second.reason) == (
        "2 finding(s), 2 email(s) to the manager so far",
        f"{missed}; the calendar entry of boatsetter:kpwzrta (JADA, Sat 12 Jun 2027 17:30-20:30) "
        "is gone (absent): published again",
    )
    assert (third.outcome, third.reason) == (
        "1 finding(s), 2 email(s) to the manager so far",
        missed,
    )
    live = [r for r in report.calendar if r["booking_id"] == "boatsetter:kpwzrta"]
    assert [r["status"] for r in live] == ["active"]
    sent = [(to, subject) for to, subject, _ in report.emails_sent]
    assert ("manager@example.com", "A booking we have no email for: JADA") in sent
    assert "AUDIT of the platforms' calendars" in render(report, out)


def test_the_demo_command_exits_0_with_the_table(tmp_path):
    """What `make demo` runs, as a person runs it: its own process, its own moto."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CHARTERHAND_"))}
    done = charterhand("demo", "--out", str(tmp_path / "out"), env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    headings = ("EMAILS, in the order", "CREW ANSWERS", "BOOKINGS", "CALENDAR SANDBOX holds 4")
    for heading in (*headings, "DEAD-LETTER"):
        assert heading in done.stdout
    assert re.search(r"/g/xhqgmdh-[a-z2-7]{16}\b", done.stdout)
    assert "WITH SCC TURNED OFF" in done.stdout
    assert len(list((tmp_path / "out" / "emails").glob("*.eml"))) == 23
    assert "but no booking email was read" in done.stdout
