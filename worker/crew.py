"""The worker's own tasks (:mod:`bookings.tasks`): the crew's answers reach the manager.

* ``crew-answer`` (the links API recorded an answer on a booking): the manager hears of each
  decline at once, and of a confirmation that follows a decline they were told of.
* ``crew-check`` (hourly, from the schedule): for every booking of the fleet's boats that will
  sail (the sparse index, :mod:`state.upcoming`), the same as a crew answer (a decline whose
  announcement was lost is told now); and for those starting within ``remind_before`` (48 h by
  default), each member who has not answered gets one reminder and the manager one list of who is
  still silent.

Both only read what the state table holds and send what is due; every email goes once
(:mod:`publishers.crew_answers`), so a duplicate delivery, two checks at once, or a worker killed
between the answer's record and the send changes nothing: the next attempt finds what went.
The clock is injected: tests drive the check through the hours before a charter.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import structlog

from bookings import Booking, CharterhandError, Fleet, Kind, Waiting
from bookings.tasks import CREW_ANSWER, CREW_CHECK
from publishers.crew_answers import CrewAnswerMail
from state.links import LinksState
from state.store import BookingRecord, StateStore
from state.upcoming import UpcomingBookings
from worker.decode import Task
from worker.outcomes import Ending, Outcome, ReasonClass

log = structlog.get_logger("charterhand.worker")

#: answers older than this are not told again by the check: the delivery log forgets a send
#: after 35 days (``state.deliveries``), so an older decline would otherwise be told twice
CATCH_UP = timedelta(days=30)
#: how far ahead the check looks for declines not yet told (a crew token lives about as long)
HORIZON = timedelta(days=400)
#: the crew page step's record holds the page's URL (``publishers.crew_page``)
CREW_PAGE_STEP = "crew_page"


@dataclass
class Tally:
    """What one task sent, for its outcome's reason."""

    declines: int = 0
    changes_of_mind: int = 0
    reminders: int = 0
    silent_lists: int = 0
    bookings: int = 0
    errors: list[CharterhandError] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return self.declines + self.changes_of_mind + self.reminders + self.silent_lists


class CrewWork:
    """Handles the crew tasks; safe from several threads at once (it keeps no state)."""

    def __init__(
        self,
        *,
        fleet: Fleet,
        store: StateStore,
        answers: LinksState,
        upcoming: UpcomingBookings,
        mail: CrewAnswerMail,
        remind_before: timedelta = timedelta(hours=48),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.fleet = fleet
        self.store = store
        self.answers = answers
        self.upcoming = upcoming
        self.mail = mail
        self.remind_before = remind_before
        self.clock = clock

    def handle(self, task: Task) -> Outcome:
        """The task's outcome: done (what it sent, or that nothing was due), or its error's."""
        if task.kind == CREW_ANSWER and task.booking_key is not None:
            return self._answered(task.booking_key)
        if task.kind == CREW_CHECK:
            return self._check()
        raise ValueError(f"not a crew task: {task}")

    # --- a crew answer ---------------------------------------------------------------------------

    def _answered(self, booking_key: str) -> Outcome:
        tally = Tally()
        record = self.store.load(booking_key)
        if record.booking is not None and _sails(record.booking):
            with _counted(tally):
                self._tell_manager(record.booking, self.clock(), tally)
        if tally.errors:
            return Outcome.of_error(_first(tally.errors), booking_key=booking_key)
        what = f"crew answers on {booking_key}"
        if tally.sent == 0:
            reason = f"{what}: ran nothing (no decline or change of mind to tell)"
            return Outcome(Ending.DONE, reason, ReasonClass.CURRENT, booking_key=booking_key)
        reason = f"{what}: told the manager ({_told(tally)})"
        log.info("crew answers told", booking_key=booking_key, declines=tally.declines)
        return Outcome(Ending.DONE, reason, ReasonClass.PUBLISHED, booking_key=booking_key)

    def _tell_manager(self, booking: Booking, now: datetime, tally: Tally) -> None:
        """Each recent decline (and each confirmation after a decline told) to the manager."""
        crew = self.fleet.assign(booking).everyone
        answers = self.answers.recorded_answers(booking.key)
        for member in crew:
            given = answers.get(member.id)
            if given is None or given.answered_at < now - CATCH_UP:
                continue
            if given.answer == "declined":
                tally.declines += self.mail.declined(booking, crew, member, answers)
            else:
                tally.changes_of_mind += self.mail.back_on(booking, crew, member, answers)

    # --- the hourly check ------------------------------------------------------------------------

    def _check(self) -> Outcome:
        now = self.clock()
        tally = Tally()
        for boat in self.fleet.boats:
            for key in self.upcoming.starting(boat.name, now, now + HORIZON):
                with _counted(tally):
                    self._check_booking(self.store.load(key), now, tally)
        if tally.errors:
            return Outcome.of_error(_first(tally.errors))
        if tally.sent == 0:
            reason = f"crew check: ran nothing ({tally.bookings} upcoming, nothing due)"
            return Outcome(Ending.DONE, reason, ReasonClass.CURRENT)
        log.info("crew check sent", reminders=tally.reminders, silent_lists=tally.silent_lists)
        reason = f"crew check: {_told(tally)} over {tally.bookings} upcoming"
        return Outcome(Ending.DONE, reason, ReasonClass.PUBLISHED)

    def _check_booking(self, record: BookingRecord, now: datetime, tally: Tally) -> None:
        booking = record.booking
        if booking is None or not _sails(booking) or booking.start <= now:
            return  # the index lags the table: read again, it may have changed
        tally.bookings += 1
        self._tell_manager(booking, now, tally)
        if booking.start - now > self.remind_before:
            return
        crew = self.fleet.assign(booking).everyone
        answers = self.answers.recorded_answers(booking.key)
        quiet = [m for m in crew if m.id not in answers]
        if not quiet:
            return
        crew_page = record.step(CREW_PAGE_STEP).external_ids.get("url")
        for member in quiet:
            tally.reminders += self.mail.remind(booking, member, crew_page)
        tally.silent_lists += self.mail.silent(booking, crew, answers)


def _sails(booking: Booking) -> bool:
    """Confirmed or modified: the crew were asked (a request is not emailed to them)."""
    return booking.status in (Kind.CONFIRMED, Kind.MODIFIED)


@contextmanager
def _counted(tally: Tally) -> Iterator[None]:
    """One booking's failure is noted and the others go on; the task ends with the worst."""
    try:
        yield
    except CharterhandError as exc:
        tally.errors.append(exc)


def _first(errors: list[CharterhandError]) -> CharterhandError:
    """A permanent failure first, then a real transient one, then one that only waits."""
    return sorted(errors, key=lambda e: (e.transient, isinstance(e, Waiting)))[0]


def _told(tally: Tally) -> str:
    parts = (
        (tally.declines, "decline", "declines"),
        (tally.changes_of_mind, "change of mind", "changes of mind"),
        (tally.reminders, "reminder", "reminders"),
        (tally.silent_lists, "silent list", "silent lists"),
    )
    return ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in parts if n)
