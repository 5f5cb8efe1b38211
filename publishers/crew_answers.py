"""The emails the crew's answers call for: the manager hears of a decline at once (and of a change
of mind after it); before the charter, a member who has not answered gets one reminder and the
manager the list of who is still silent.

Each is sent once through the delivery log (:func:`publishers.deliveries.send_once`), keyed by
what it sends:

* to the manager, lane ``crew-answers:<booking>:manager`` (:func:`state.keys.crew_answers_lane`):
  ``declined:<member>:<digest of the answer's time>`` (a member who declines, confirms, then
  declines again is news twice; the same decline clicked twice is one answer, kept with its first
  time by :meth:`state.links.LinksState.record_answer`), ``confirmed:<member>:<digest>`` (only
  after the manager was told of that member's decline), and ``silent`` (once per booking);
* to a member, their crew email lane: ``reminder`` (once per member and booking), so a reminder
  waits behind a crew email whose answer was lost, as every send to one recipient does.

Every email is plain text (its HTML part is that text, escaped): the manager reads names, emails
and phone numbers from the fleet's configuration, and the member their own confirm / decline
links and their crew sheet (a fresh token, as in their crew email).
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from email.utils import formataddr
from html import escape

from bookings import Booking, CrewMember, Fleet
from publishers.base import CrewLinkIssuer, DeliveryLog
from publishers.crew_email import member_sheet
from publishers.deliveries import send_once
from publishers.guest_page import PLATFORMS
from publishers.transport.mail import Mailer, compose
from state import keys
from state.links import RecordedAnswer
from templates.filters import clock, day, short_day, span


@dataclass(frozen=True)
class CrewAnswerSettings:
    """Who the emails come from, who the manager is, where the members' links point."""

    from_address: str
    manager_address: str
    links_api_base_url: str
    #: how long after the charter ends a reminder's confirm / decline link still works
    link_grace: timedelta = timedelta(days=1)


class CrewAnswerMail:
    """Sends each email the crew's answers call for, once. Every method returns True when it
    sent the email now, False when it had gone before (the delivery log recalled it)."""

    def __init__(
        self,
        fleet: Fleet,
        settings: CrewAnswerSettings,
        links: CrewLinkIssuer,
        mailer: Mailer,
        deliveries: DeliveryLog,
    ) -> None:
        self._fleet = fleet
        self._settings = settings
        self._links = links
        self._mailer = mailer
        self._deliveries = deliveries

    # --- to the manager --------------------------------------------------------------------------

    def declined(
        self,
        booking: Booking,
        crew: Sequence[CrewMember],
        member: CrewMember,
        answers: Mapping[str, RecordedAnswer],
    ) -> bool:
        """The manager hears that ``member`` declined, who has confirmed, and how to reach the
        rest of the crew (and the fleet's other people, who might stand in)."""
        answer = answers[member.id]
        key = keys.send_key(
            keys.crew_answers_lane(booking.key),
            f"declined:{member.id}",
            answer.answered_at.isoformat(),
        )
        subject = f"{member.name} can't make the {booking.boat} charter {_when(booking)}"
        lines = [
            f"{member.name} ({member.role}) declined the {booking.boat} charter on "
            f"{_charter(booking)}.",
            "",
            *_crew_lines(crew, answers, leave_out=member.id),
            "",
            *self._stand_ins(crew),
            "",
            f"{member.name}: {_contact(member)}",
        ]
        return self._to_manager(booking, key, subject, lines, kind="crew-declined")

    def back_on(
        self,
        booking: Booking,
        crew: Sequence[CrewMember],
        member: CrewMember,
        answers: Mapping[str, RecordedAnswer],
    ) -> bool:
        """``member`` confirmed after the manager was told they declined: tell the manager."""
        lane = keys.crew_answers_lane(booking.key)
        told = f"declined:{member.id}:"
        if not any(r.what.startswith(told) and r.completed for r in self._deliveries.lane(lane)):
            return False  # the manager never heard of a decline: a confirmation waits for status
        answer = answers[member.id]
        key = keys.send_key(lane, f"confirmed:{member.id}", answer.answered_at.isoformat())
        subject = f"{member.name} can make the {booking.boat} charter {_when(booking)} after all"
        lines = [
            f"{member.name} ({member.role}) declined, then confirmed the {booking.boat} charter "
            f"on {_charter(booking)}.",
            "",
            *_crew_lines(crew, answers, leave_out=None),
        ]
        return self._to_manager(booking, key, subject, lines, kind="crew-confirmed")

    def silent(
        self,
        booking: Booking,
        crew: Sequence[CrewMember],
        answers: Mapping[str, RecordedAnswer],
    ) -> bool:
        """Before the charter: who has not answered (each was reminded), and everyone's answer."""
        key = keys.send_key(keys.crew_answers_lane(booking.key), "silent")
        quiet = [m for m in crew if m.id not in answers]
        subject = f"No answer yet from {_names(quiet)}: {booking.boat} charter {_when(booking)}"
        lines = [
            f"The {booking.boat} charter on {_charter(booking)} is coming up, and "
            f"{_names(quiet)} {'has' if len(quiet) == 1 else 'have'} not answered yet "
            "(whoever has an email address was reminded just now).",
            "",
            *_crew_lines(crew, answers, leave_out=None),
            "",
            *self._stand_ins(crew),
        ]
        return self._to_manager(booking, key, subject, lines, kind="crew-silent")

    # --- to a member -----------------------------------------------------------------------------

    def remind(self, booking: Booking, member: CrewMember, crew_page: str | None) -> bool:
        """``member`` has not answered: one reminder, with their own links."""
        if member.email is None:
            return False
        key = keys.send_key(keys.crew_email_lane(booking.key, member.id), "reminder")

        def letter(tag: str) -> str:
            token = self._links.issue(
                booking.key, member.id, booking.end + self._settings.link_grace
            )
            base = self._settings.links_api_base_url.rstrip("/")
            lines = [
                f"Hi {member.first_name},",
                "",
                f"The {booking.boat} charter is on {_charter(booking)}, and we haven't heard "
                "whether you can make it. Please answer, so the booking manager can find "
                "someone else in time if you can't:",
                "",
                f"Confirm: {base}/crew/{token}/confirm",
                f"Decline: {base}/crew/{token}/decline",
            ]
            if crew_page:
                lines += ["", f"Crew sheet: {member_sheet(crew_page, token)}"]
            lines += ["", f"Questions? Reply to this email ({self._settings.manager_address})."]
            message = compose(
                sender=self._settings.from_address,
                to=formataddr((member.name, member.email or "")),
                reply_to=self._settings.manager_address,
                subject=f"Can you make it? {booking.boat} charter {_when(booking)}",
                text=_text(lines),
                html=_html(lines),
                headers={"X-Charterhand-Booking": booking.key, "X-Charterhand-Kind": "reminder"},
            )
            return self._mailer.send(message, system="SES (crew reminder)", tag=tag)

        return _sent_now(self._deliveries, key, letter)

    # --- internals -------------------------------------------------------------------------------

    def _to_manager(
        self, booking: Booking, key: keys.SendKey, subject: str, lines: list[str], *, kind: str
    ) -> bool:
        def letter(tag: str) -> str:
            message = compose(
                sender=self._settings.from_address,
                to=self._settings.manager_address,
                subject=subject,
                text=_text(lines),
                html=_html(lines),
                headers={"X-Charterhand-Booking": booking.key, "X-Charterhand-Kind": kind},
            )
            return self._mailer.send(message, system="SES (crew answers)", tag=tag)

        return _sent_now(self._deliveries, key, letter)

    def _stand_ins(self, crew: Sequence[CrewMember]) -> list[str]:
        """The fleet's people not on this charter, who might stand in."""
        on = {m.id for m in crew}
        others = [p for p in self._fleet.people if p.id not in on]
        if not others:
            return ["Nobody else is in the fleet's crew list."]
        return [
            "Others in the fleet who might stand in:",
            *(f"  {p.name} ({p.role}): {_contact(p)}" for p in others),
        ]


def _sent_now(log: DeliveryLog, key: keys.SendKey, send: Callable[[str], str]) -> bool:
    """Send under ``key`` once; True when it went now (not recalled from the log)."""
    went: list[str] = []

    def sending(tag: str) -> str:
        message_id = send(tag)
        went.append(message_id)
        return message_id

    send_once(log, key, sending)
    return bool(went)


def _crew_lines(
    crew: Sequence[CrewMember], answers: Mapping[str, RecordedAnswer], *, leave_out: str | None
) -> list[str]:
    """Each member of the charter's crew: their answer and how to reach them."""
    shown = [m for m in crew if m.id != leave_out]
    confirmed = [m for m in shown if _said(answers, m) == "confirmed"]
    lines = [f"Confirmed so far: {_names(confirmed) if confirmed else 'nobody'}."]
    if not shown:
        return [*lines, "Nobody else is on this charter's crew."]
    lines.append("The crew on this charter:")
    for member in shown:
        said = _said(answers, member) or "no answer yet"
        lines.append(f"  {member.name} ({member.role}), {said}: {_contact(member)}")
    return lines


def _said(answers: Mapping[str, RecordedAnswer], member: CrewMember) -> str | None:
    given = answers.get(member.id)
    return given.answer if given else None


def _contact(member: CrewMember) -> str:
    ways = [way for way in (member.email, member.phone) if way]
    return " · ".join(ways) if ways else "no email or phone in the fleet's configuration"


def _names(members: Sequence[CrewMember]) -> str:
    names = [m.name for m in members]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _when(booking: Booking) -> str:
    return f"{short_day(booking.start)}, {clock(booking.start)}"


def _charter(booking: Booking) -> str:
    platform = PLATFORMS.get(booking.source, booking.source.title())
    return (
        f"{day(booking.start)}, {span(booking.start, booking.end)} "
        f"({platform} {booking.booking_id})"
    )


def _text(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


def _html(lines: list[str]) -> str:
    body = escape(_text(lines))
    return f"<pre style='font-family:inherit;white-space:pre-wrap'>{body}</pre>"
