"""Guests' photos arriving: counted for ``charterhand status``, and the manager told once a day.

The photos bucket notifies the bookings queue when an object is created (infra/terraform/site.tf);
``worker.decode`` reads those records as :class:`worker.decode.PhotoRef`, never as emails. For each,
this records the photo under its booking and day (:mod:`state.photos`: a set, so a redelivered
event counts once), then sends the manager one "new photos" email per booking and day, keyed by
what it sends (:func:`state.keys.photos_send`) through the same once-primitive as every other
email (:func:`publishers.deliveries.send_once`): the first photo of a day sends it, the rest of
that day's photos are counted and send nothing. The email links the booking's private gallery
(the crew page step's recorded ``gallery_url``).

Only a photo under ``photos/<booking key>/`` of a booking the worker stored is a guest's photo:
anything else in the bucket is ignored, with its reason. The day is the event's own time in the
boat's zone (a replayed event keeps its day, and is then already told).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

import structlog

from bookings import Booking, Fleet, UnknownBoat
from bookings.slugs import CREW_PAGE_STEP
from publishers.base import DeliveryLog
from publishers.deliveries import send_once
from publishers.transport.mail import Mailer, compose
from state import keys
from state.photos import PhotoArrivals
from state.store import StateStore
from templates.filters import short_day
from worker.decode import PhotoRef
from worker.outcomes import Ending, Outcome, ReasonClass

log = structlog.get_logger("charterhand.worker")

#: a guest's photo as the links API grants it: ``photos/<source>:<id>/<random>.<extension>``
PHOTO_KEY = re.compile(r"photos/(?P<booking>[a-z]+:[a-z0-9]{1,40})/(?P<name>[0-9a-f]{32}\.[a-z]+)")


@dataclass(frozen=True)
class PhotoMail:
    """Where the "new photos" email goes."""

    from_address: str
    manager_address: str


class PhotoNotices:
    """Handles one arrived photo: count it, tell the manager at most once a day."""

    def __init__(
        self,
        *,
        bucket: str,
        store: StateStore,
        arrivals: PhotoArrivals,
        fleet: Fleet,
        mailer: Mailer,
        deliveries: DeliveryLog,
        mail: PhotoMail,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        #: the photos bucket: S3 records of it are photos (``worker.decode``)
        self.bucket = bucket
        self.store = store
        self.arrivals = arrivals
        self.fleet = fleet
        self.mailer = mailer
        self.deliveries = deliveries
        self.mail = mail
        self.clock = clock

    def handle(self, photo: PhotoRef) -> Outcome:
        """The photo's outcome: done (counted, the manager told or already told that day), or
        ignored when it is not a guest's photo of a booking we know. Errors are raised."""
        shape = PHOTO_KEY.fullmatch(photo.key)
        if shape is None:
            return Outcome(
                Ending.IGNORED,
                "an object in the photos bucket that is not a guest's photo",
                ReasonClass.NOT_MAIL,
            )
        booking_key = shape["booking"]
        record = self.store.load(booking_key)
        if record.booking is None:
            reason = "a photo for a booking the worker never stored"
            return Outcome(Ending.IGNORED, reason, ReasonClass.NOT_MAIL, booking_key=booking_key)
        booking = self._in_boat_zone(record.booking)
        at = (photo.at or self.clock()).astimezone(booking.start.tzinfo)
        day = at.date().isoformat()
        today = self.arrivals.record(booking_key, day, shape["name"])
        gallery = record.step(CREW_PAGE_STEP).external_ids.get("gallery_url")
        sent = send_once(
            self.deliveries,
            keys.photos_send(booking_key, day),
            lambda tag: self._send(booking, at, today, gallery, tag),
        )
        log.info(
            "photo arrived", booking_key=booking_key, day=day, today=today, sent=sent.message_id
        )
        reason = f"guest photo recorded ({today} on {day}); the manager is told once that day"
        return Outcome(
            Ending.DONE,
            reason,
            ReasonClass.PUBLISHED,
            booking_key=booking_key,
        )

    def _send(
        self, booking: Booking, at: datetime, today: int, gallery: str | None, tag: str
    ) -> str:
        subject = (
            f"New guest photos: {booking.boat} {short_day(booking.start)}, {booking.renter_name}"
        )
        lines = [
            f"Guests uploaded photos of the charter on {booking.boat} on "
            f"{short_day(booking.start)} ({booking.key}): {today} so far on {short_day(at)}.",
            "",
            f"The private gallery (crew and you): {gallery}"
            if gallery
            else "The gallery link is on the crew page once it is published.",
            "",
            "You hear of new photos at most once a day for each charter.",
        ]
        text = "\n".join(lines) + "\n"
        message = compose(
            sender=self.mail.from_address,
            to=self.mail.manager_address,
            subject=subject,
            text=text,
            html=f"<pre style='font-family:inherit;white-space:pre-wrap'>{escape(text)}</pre>",
            headers={"X-Charterhand-Booking": booking.key, "X-Charterhand-Kind": "photos"},
        )
        return self.mailer.send(message, system="SES (new photos)", tag=tag)

    def _in_boat_zone(self, booking: Booking) -> Booking:
        try:
            zone = self.fleet.boat(booking.boat).zone
        except UnknownBoat:
            return booking
        return booking.model_copy(
            update={"start": booking.start.astimezone(zone), "end": booking.end.astimezone(zone)}
        )
