"""Crew emails: one per assigned crew member with an address: new, changed or cancelled charter.

Each carries a text and an HTML part (jinja2, HTML autoescaped: renter names and notes are data),
an ``.ics`` whose UID is stable per booking (so their calendar updates instead of duplicating),
links to the crew page and to confirm / decline, From the configured sender and Reply-To the
booking manager. Each member's email holds their own token, and nobody else's: in their
confirm / decline links and in their crew sheet link (``<crew page>#t=<token>``: the fragment never
reaches a server or a Referer, and the sheet's script opens their own row with it). The ``.ics``
names the plain crew page, without a token, because calendars get shared. Who gets what:

* a member not emailed before about this booking gets *new* (also someone added to the crew);
* a member emailed before gets *changed*, saying what changed (old → new), when anything they see
  changed; otherwise nothing (their id keeps its last message id);
* on cancellation, everyone emailed before gets *cancelled* (METHOD:CANCEL); a member taken off a
  live booking's crew gets the same, so the event leaves their calendar.

Each email is keyed by what it sends (:mod:`publishers.deliveries`): booking, member and kind;
``new`` goes once per member and booking, any other kind once per message it follows and content
(two different changes are two emails). A send whose answer was lost blocks the member's next
email until SES reports on it; when the "new" SES took showed an older state of the booking, a
"changed" follows it.

A step that never published writes every member's "new" sending mark and crew token in one
request, a transaction of conditional creates
(:meth:`state.deliveries.DynamoDeliveryLog.mark_together`), and their message ids in one more
once all are sent; a member whose mark is refused (a retry after a crash, another attempt) goes
the usual way from the mark found.

A *request* is not emailed: the owner has not accepted it yet.
"""

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from email.utils import formataddr
from functools import partial
from typing import Any, ClassVar, Literal

from bookings import Booking, CrewAssignment, CrewMember, Fleet, Kind, PermanentError, UnknownCrew
from publishers.base import (
    CrewLinkDrafts,
    CrewLinkIssuer,
    DeliveryLog,
    MarksTogether,
    SentRecords,
    StepContext,
)
from publishers.changes import CREW_FIELDS, Change, changes
from publishers.deliveries import AwaitingReport, Marked, Sent, send_once
from publishers.transport.ics import invitation
from publishers.transport.mail import Attachment, Email, Mailer, compose
from state import keys
from state.deliveries import Mark
from state.once import payload_hash
from templates import environment, source_digest
from templates.filters import clock, short_day, span

TEMPLATES = ("_email_layout.html", "crew_email.html", "crew_email.txt")
EmailKind = Literal["new", "changed", "cancelled", "removed"]
#: how many members' emails one publish sends at once (each waits mostly on SES and DynamoDB)
MEMBERS_AT_ONCE = 4
#: most members whose first marks and tokens go in one transaction (two writes each; DynamoDB
#: takes 100); a larger crew is marked member by member
MARKED_TOGETHER = 25


@dataclass(frozen=True)
class Notice:
    """One email to write: to whom, which kind, what changed, where their crew page is."""

    member: CrewMember
    kind: EmailKind
    changes: tuple[Change, ...] = ()
    crew_page: str | None = None


@dataclass(frozen=True)
class CrewEmailSettings:
    """Who the emails come from and where their links point."""

    #: a verified SES sender, e.g. ``JADA Charters <crew@jada.example>``
    from_address: str
    #: the booking manager: Reply-To and the invitation's organizer
    manager_address: str
    #: public base URL of the links API (confirm / decline)
    links_api_base_url: str
    #: how long after the charter ends a confirm / decline link still works
    link_grace: timedelta = timedelta(days=1)


class CrewEmailPublisher:
    """Emails each assigned crew member what they need to know about a charter."""

    step: ClassVar[str] = "crew_email"
    depends_on: ClassVar[tuple[str, ...]] = ("crew_page",)

    def __init__(
        self,
        fleet: Fleet,
        settings: CrewEmailSettings,
        links: CrewLinkIssuer,
        mailer: Mailer,
        deliveries: DeliveryLog,
        *,
        members_at_once: int = MEMBERS_AT_ONCE,
    ) -> None:
        self._fleet = fleet
        #: members are emailed side by side, a few at a time (their lanes are independent)
        self._pool = ThreadPoolExecutor(
            max_workers=members_at_once, thread_name_prefix="crew-email"
        )
        self._settings = settings
        self._links = links
        self._mailer = mailer
        self._deliveries = deliveries

    def input_of(self, booking: Booking) -> Mapping[str, Any]:
        crew = self._fleet.assign(booking)  # UnknownBoat: permanent, the fleet lacks the boat
        return {
            "status": booking.status.value,
            "fields": {label: read(booking) for label, read in CREW_FIELDS},
            "crew": [[m.id, m.name, m.email, m.role] for m in crew.everyone],
            "templates": source_digest(*TEMPLATES),
        }

    def publish(self, ctx: StepContext) -> Mapping[str, str]:
        booking = ctx.booking
        sent = dict(ctx.external_ids)
        if booking.status is Kind.REQUEST:
            return sent
        crew = self._fleet.assign(booking)
        assigned = {m.id: m for m in crew.everyone if m.email}
        waiting: list[AwaitingReport] = []  # members whose lane waits; the others go on
        tokens: dict[str, str] = {}  # one token per member in this publish: see _letter
        jobs: dict[str, Callable[[], str]] = {}
        # the records of the jobs' sends, written together (one send per member's lane in them):
        # with the run's others at its end when the worker holds them, else once all are sent
        held = ctx.records if ctx.records is not None else SentRecords()
        own = ctx.records is None
        if not booking.is_live:
            for member_id, last in list(sent.items()):
                member = assigned.get(member_id) or self._known(member_id)
                if member is not None:
                    notice = Notice(member, "cancelled")
                    jobs[member_id] = partial(self._send, ctx, crew, notice, last, tokens, held)
            try:
                sent.update(self._each(jobs, waiting))
            finally:
                if own:
                    held.write()
            return _all_sent(sent, waiting)
        crew_page = self._crew_page_url(ctx)
        what_changed = changes(ctx.previous, booking, CREW_FIELDS)
        for member_id in [m for m in sent if m not in assigned]:
            self._links.revoke(booking.key, member_id)
            member = self._known(member_id)
            if member is not None:
                self._send(ctx, crew, Notice(member, "removed"), sent[member_id], tokens)
            del sent[member_id]
        # never published: no removal can have been sent in any lane, so each member's "new"
        # is marked without reading their lane first (the mark's refusal brings back what is
        # there), every member's in one request with their tokens
        fresh = ctx.previous is None and not ctx.external_ids
        firsts = [m for m in assigned.values() if m.id not in sent]
        marked = self._mark_firsts(ctx, firsts, tokens) if fresh else {}
        for member in assigned.values():
            if member.id not in sent:
                jobs[member.id] = partial(
                    self._first,
                    ctx,
                    crew,
                    member,
                    crew_page,
                    tokens,
                    fresh=fresh,
                    marked=marked.get(member.id),
                    held=held,
                )
            elif what_changed:
                notice = Notice(member, "changed", tuple(what_changed), crew_page)
                after = sent[member.id]
                jobs[member.id] = partial(self._send, ctx, crew, notice, after, tokens, held)
        skipped: list[str] = []
        try:
            sent.update(self._each(jobs, waiting, skipped))
        finally:
            if own:
                held.write()
            for member_id in skipped:  # marked, never sent: nothing reached SES
                if member_id in marked and marked[member_id].found is None:
                    self._deliveries.unmark(_first_key(ctx, member_id))
        return _all_sent(sent, waiting)

    def _mark_firsts(
        self, ctx: StepContext, members: list[CrewMember], tokens: dict[str, str]
    ) -> dict[str, Marked]:
        """Every member's first sending mark and crew token in one transaction, where the log
        and the issuer can (two members or more): each member's answer (:class:`Marked`), and
        their tokens put in ``tokens``. A refused mark cancels the transaction: those members
        get the mark found, and the others are tried again together (nothing of a cancelled
        transaction is written). A member left without an answer is marked on their own."""
        log, links = self._deliveries, self._links
        if not isinstance(log, MarksTogether) or not isinstance(links, CrewLinkDrafts):
            return {}
        booking = ctx.booking
        expires = booking.end + self._settings.link_grace
        shown, payload = crew_view_hash(booking), booking.model_dump_json()
        answers: dict[str, Marked] = {}
        pending = members if len(members) <= MARKED_TOGETHER else []
        while len(pending) > 1:
            marks = {m.id: Mark(_first_key(ctx, m.id), shown, payload) for m in pending}
            drafts = {m.id: links.draft(booking.key, m.id, expires) for m in pending}
            found = log.mark_together(list(marks.values()), list(drafts.values()))
            if found is None:
                for member in pending:
                    answers[member.id] = Marked(None)
                    tokens[member.id] = drafts[member.id].token
                return answers
            refused = {member_id for member_id, mark in marks.items() if mark.key in found}
            if not refused:  # cancelled for no mark of ours (a conflict): each on their own
                break
            for member_id in refused:
                answers[member_id] = Marked(found[marks[member_id].key])
            pending = [m for m in pending if m.id not in refused]
        return answers

    def _each(
        self,
        jobs: Mapping[str, Callable[[], str]],
        waiting: list[AwaitingReport],
        skipped: list[str] | None = None,
    ) -> dict[str, str]:
        """Each member's email, members side by side (bounded): each member's lane is its own
        once-record partition, so their sends are independent. A lane that waits is noted in
        ``waiting`` and the others go on; after any other error no member not yet started is
        started (noted in ``skipped``), and the first error is raised once those running are
        done (what they sent is recorded in their lanes, and recalled next time)."""
        stop = threading.Event()
        not_started: list[str] = skipped if skipped is not None else []

        def guarded(member_id: str, job: Callable[[], str]) -> str | None:
            if stop.is_set():
                not_started.append(member_id)
                return None  # not started: another member's email failed
            try:
                return job()
            except AwaitingReport:
                raise
            except Exception:
                stop.set()
                raise

        if len(jobs) <= 1:
            futures = {
                member_id: _done(partial(guarded, member_id, job))
                for member_id, job in jobs.items()
            }
        else:
            futures = {
                member_id: self._pool.submit(guarded, member_id, job)
                for member_id, job in jobs.items()
            }
        results: dict[str, str] = {}
        failure: Exception | None = None
        for member_id, future in futures.items():
            try:
                result = future.result()
            except AwaitingReport as exc:
                waiting.append(exc)
            except Exception as exc:  # raised below, once the others are done
                failure = failure or exc
            else:
                if result is not None:
                    results[member_id] = result
        if failure is not None:
            raise failure
        return results

    def _known(self, member_id: str) -> CrewMember | None:
        """A person of the fleet we can still write to (they may have left the roster)."""
        try:
            person = self._fleet.person(member_id)
        except UnknownCrew:
            return None
        return person if person.email else None

    def _crew_page_url(self, ctx: StepContext) -> str:
        url = ctx.upstream.get("crew_page", {}).get("url")
        if not url:
            raise PermanentError("crew_email needs the crew page's url", step=self.step)
        return url

    def _first(
        self,
        ctx: StepContext,
        crew: CrewAssignment,
        member: CrewMember,
        crew_page: str,
        tokens: dict[str, str],
        *,
        fresh: bool = False,
        marked: Marked | None = None,
        held: SentRecords | None = None,
    ) -> str:
        """The member's "new" email: once per booking (and once more after each removal). When
        the one SES took showed an older state (its answer was lost and the booking changed
        before SES reported), a "changed" follows with what changed since. ``fresh``: the step
        never published, so the lane holds no removal and its first send is plain ``new``;
        ``marked``: its mark was written with the other members' (:meth:`_mark_firsts`), and
        its record then waits in ``held`` (no "changed" follows a send under our own fresh mark;
        one may follow any other "new", so its record is written at once)."""
        lane = keys.crew_email_lane(ctx.booking.key, member.id)
        earlier = [] if fresh else [record.what for record in self._deliveries.lane(lane)]
        notice = Notice(member, "new", (), crew_page)
        key = keys.first_send(lane, earlier)
        held = held if marked is not None else None
        sent = self._deliver(ctx, crew, notice, key, tokens, fresh=fresh, marked=marked, held=held)
        if sent.payload_hash == crew_view_hash(ctx.booking) or not sent.payload:
            return sent.message_id
        shown = Booking.model_validate_json(sent.payload)
        since = changes(shown, ctx.booking, CREW_FIELDS)
        if not since:
            return sent.message_id
        notice = Notice(member, "changed", tuple(since), crew_page)
        return self._send(ctx, crew, notice, sent.message_id, tokens)

    def _send(
        self,
        ctx: StepContext,
        crew: CrewAssignment,
        notice: Notice,
        after: str,
        tokens: dict[str, str],
        held: SentRecords | None = None,
    ) -> str:
        """Send one email that follows the member's message ``after``: once per kind, message
        it follows and what it shows (the delivery log); its record waits in ``held`` when the
        caller sends nothing more to this member in this publish."""
        lane = keys.crew_email_lane(ctx.booking.key, notice.member.id)
        key = keys.send_key(lane, notice.kind, after, crew_view_hash(ctx.booking))
        return self._deliver(ctx, crew, notice, key, tokens, held=held).message_id

    def _deliver(
        self,
        ctx: StepContext,
        crew: CrewAssignment,
        notice: Notice,
        key: keys.SendKey,
        tokens: dict[str, str],
        *,
        fresh: bool = False,
        marked: Marked | None = None,
        held: SentRecords | None = None,
    ) -> Sent:
        return send_once(
            self._deliveries,
            key,
            lambda tag: self._mailer.send(
                self._letter(ctx, crew, notice, tokens), system="SES (crew email)", tag=tag
            ),
            payload_hash=crew_view_hash(ctx.booking),
            payload=ctx.booking.model_dump_json(),
            fresh=fresh,
            marked=marked,
            held=held,
        )

    def _letter(
        self, ctx: StepContext, crew: CrewAssignment, notice: Notice, tokens: dict[str, str]
    ) -> Email:
        """One email; an invitation carries the member's token for this publish (``tokens``:
        issued on their first letter, the same in a "changed" that follows it)."""
        booking, member, kind = ctx.booking, notice.member, notice.kind
        assert member.email is not None
        invited = kind in ("new", "changed")
        links: dict[str, str] = {}
        if invited:
            token = tokens.get(member.id)
            if token is None:
                token = self._links.issue(
                    booking.key, member.id, booking.end + self._settings.link_grace
                )
                tokens[member.id] = token
            base = self._settings.links_api_base_url.rstrip("/")
            links = {
                "confirm": f"{base}/crew/{token}/confirm",
                "decline": f"{base}/crew/{token}/decline",
            }
            if notice.crew_page:
                links["crew_page"] = member_sheet(notice.crew_page, token)
        view = crew_view(self._fleet, booking, crew, notice, links)
        view["manager"] = self._settings.manager_address
        env = environment()
        description = f"{booking.boat} charter, booking {booking.key}."
        if notice.crew_page:
            description += f"\nCrew page: {notice.crew_page}"
        ics = invitation(
            booking if invited else booking.model_copy(update={"status": Kind.CANCELLED}),
            summary=f"{booking.boat} charter ({member.role})",
            description=description,
            organizer=self._settings.manager_address,
            attendee=member.email,
            attendee_name=member.name,
            url=notice.crew_page,
        )
        return compose(
            sender=self._settings.from_address,
            to=formataddr((member.name, member.email)),
            reply_to=self._settings.manager_address,
            subject=subject_of(kind, booking),
            text=env.get_template("crew_email.txt").render(m=view),
            html=env.get_template("crew_email.html").render(m=view),
            attachments=[
                Attachment(
                    filename=f"{booking.boat}-{booking.booking_id}.ics",
                    content=ics,
                    mime_type="text/calendar",
                    params={"method": "REQUEST" if invited else "CANCEL"},
                )
            ],
            headers={"X-Charterhand-Booking": booking.key, "X-Charterhand-Kind": kind},
        )


def _first_key(ctx: StepContext, member_id: str) -> keys.SendKey:
    """A member's first send of a step that never published (no removal in their lane)."""
    return keys.first_send(keys.crew_email_lane(ctx.booking.key, member_id), [])


def member_sheet(crew_page: str, token: str) -> str:
    """The crew sheet as one member opens it: their token in the fragment, which browsers keep
    out of requests, server logs and Referer headers; the sheet's script reads it."""
    return f"{crew_page}#t={token}"


def _done(job: Callable[[], str | None]) -> "Future[str | None]":
    """``job`` run here and now, as a finished future (one member needs no thread)."""
    future: Future[str | None] = Future()
    try:
        future.set_result(job())
    except Exception as exc:  # handed over in the future, as a pool would
        future.set_exception(exc)
    return future


def _all_sent(sent: dict[str, str], waiting: list[AwaitingReport]) -> dict[str, str]:
    """The ids, once no member's lane waits (else the first wait: the step is retried)."""
    if waiting:
        raise waiting[0]
    return sent


def crew_view_hash(booking: Booking) -> str:
    """What a crew email shows of the booking, hashed: two emails with the same hash say the
    same (the fields crew care about, as they read)."""
    return payload_hash({label: read(booking) for label, read in CREW_FIELDS})


def subject_of(kind: EmailKind, booking: Booking) -> str:
    when = f"{short_day(booking.start)}, {clock(booking.start)}"
    return {
        "new": f"New charter: {booking.boat}, {when}",
        "changed": f"Changed: {booking.boat} charter {when}",
        "cancelled": f"Cancelled: {booking.boat} charter {when}",
        "removed": f"You're off the {booking.boat} charter {when}",
    }[kind]


def crew_view(
    fleet: Fleet,
    booking: Booking,
    crew: CrewAssignment,
    notice: Notice,
    links: Mapping[str, str],
) -> dict[str, Any]:
    """Everything the crew email templates show."""
    boat = fleet.boat(booking.boat)
    member = notice.member
    return {
        "kind": notice.kind,
        "first_name": member.first_name,
        "role": member.role,
        "boat": booking.boat,
        "booking_key": booking.key,
        "start": booking.start,
        "end": booking.end,
        "when": span(booking.start, booking.end),
        "call": booking.start - timedelta(minutes=boat.call_minutes_before),
        "meeting_point": booking.meeting_point or boat.meeting_point,
        "map_url": boat.map_url,
        "party_size": booking.party_size,
        "renter_name": booking.renter_name,
        "notes": booking.notes,
        "team": [(m.name, m.role) for m in crew.everyone],
        "changes": list(notice.changes),
        "crew_page": links.get("crew_page", notice.crew_page),
        "confirm_url": links.get("confirm"),
        "decline_url": links.get("decline"),
    }
