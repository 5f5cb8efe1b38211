"""Test emails that carry their BookingEvent as JSON, and the MailReader that reads them.

For tests of the worker's own behaviour (outcomes, leases, order, faults) where what matters is
the event an email stands for, not how the parsers read it. Tests of the whole pipeline use the
real sample emails and the real parsers instead.
"""

import hashlib
import json
from datetime import datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from zoneinfo import ZoneInfo

from bookings import BookingEvent, Kind, NotABooking, ParseError
from parsers import Hop
from trust.origin import MailOrigin

LA = ZoneInfo("America/Los_Angeles")


def event(
    kind: Kind = Kind.CONFIRMED,
    *,
    booking_id: str = "xhqgmdh",
    day: int = 0,
    hours: int = 3,
    as_of_minutes: int = 0,
    gross: str = "840.75",
) -> BookingEvent:
    start = datetime(2027, 5, 30, 10, tzinfo=LA) + timedelta(days=day)
    return BookingEvent(
        source="boatsetter",
        kind=kind,
        booking_id=booking_id,
        boat="JADA",
        renter_name="Maya Thompson",
        start=start,
        end=start + timedelta(hours=hours),
        party_size=6,
        gross=Decimal(gross),
        as_of=datetime(2027, 3, 1, 9, tzinfo=LA) + timedelta(minutes=as_of_minutes),
    )


def email_for(
    ev: BookingEvent | None,
    *,
    forwarded_by: str | None = None,
    not_a_booking: bool = False,
    unreadable: bool = False,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Boatsetter <no-reply@boatsetter.com>"
    msg["To"] = "bookings@in.example.com"
    msg["Subject"] = "test booking email"
    if forwarded_by:
        msg["X-Forwarded-For"] = forwarded_by
    if not_a_booking:
        msg["X-Test"] = "not-a-booking"
    if unreadable:
        msg["X-Test"] = "unreadable"
    msg.set_content(ev.model_dump_json() if ev is not None else "hello")
    return msg.as_bytes()


class EventMailReader:
    """Reads :func:`email_for` emails: the JSON body is the event."""

    def identity(self, raw: bytes) -> str:
        return "sha256:" + hashlib.sha256(raw).hexdigest()

    def origin(self, raw: bytes) -> MailOrigin:
        msg = BytesParser(policy=default).parsebytes(raw)
        forwarder = msg.get("X-Forwarded-For")
        return MailOrigin(
            original_sender="no-reply@boatsetter.com",
            forwarded_by=forwarder,
            from_address="no-reply@boatsetter.com",
            style="auto" if forwarder else None,
            hops=(Hop(str(forwarder), "auto"),) if forwarder else (),
        )

    def forget(self) -> None:
        pass

    def parse(self, raw: bytes, received_at: datetime | None = None) -> BookingEvent:
        msg = BytesParser(policy=default).parsebytes(raw)
        if msg.get("X-Test") == "not-a-booking":
            raise NotABooking("a newsletter")
        if msg.get("X-Test") == "unreadable":
            raise ParseError(
                "boatsetter confirmed email without a date",
                source="boatsetter",
                kind="confirmed",
                missing=["start"],
            )
        body = msg.get_body()
        assert body is not None
        return BookingEvent.model_validate(json.loads(body.get_content()))
