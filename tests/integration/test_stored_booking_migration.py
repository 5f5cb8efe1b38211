"""A booking stored before its fields carried stamps is read, and then reduced field by field:
every field it holds takes the item's own ``as_of`` (lazy, on read; written at its next change).

The item is written by hand in the exact shape the state table held before (no ``stamps``, no
``unread_labels``, in the booking or in a step's ``published`` copy) on moto's DynamoDB.
"""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import boto3

from bookings import BookingEvent, Kind
from state import keys

LA = ZoneInfo("America/Los_Angeles")
KEY = "boatsetter:xhqgmdh"
AS_OF = datetime(2027, 3, 1, 9, tzinfo=LA)
#: Booking.model_dump_json() as the code before per-field stamps wrote it
OLD_BOOKING = (
    '{"key":"boatsetter:xhqgmdh","source":"boatsetter","booking_id":"xhqgmdh",'
    '"status":"confirmed","boat":"JADA","renter_name":"Maya Thompson",'
    '"timezone":"America/Los_Angeles","start":"2027-05-30T10:00:00-07:00",'
    '"end":"2027-05-30T13:00:00-07:00","party_size":6,"gross":"840.75","notes":null,'
    '"meeting_point":null,"as_of":"2027-03-01T09:00:00-08:00",'
    '"provenance":{"verified":true,"forwarded_by":null,"proof":"DMARC pass for boatsetter.com"}}'
)


def store_old_item(table_name: str) -> None:
    boto3.client("dynamodb").put_item(
        TableName=table_name,
        Item={
            **keys.state_key(KEY),
            "booking": {"S": OLD_BOOKING},
            "as_of": {"S": AS_OF.isoformat()},
            "version": {"N": "1"},
            "fence": {"N": "1"},
            "updated_at": {"S": "2027-03-01T17:00:05.000Z"},
            "steps": {
                "M": {
                    "summary": {
                        "M": {
                            "published_hash": {"S": "old"},
                            "status": {"S": "published"},
                            "external_ids": {"M": {"message_id": {"S": "m-1"}}},
                            "published": {"S": OLD_BOOKING},
                        }
                    }
                }
            },
        },
    )


def notice(kind: Kind, minutes: int, **stated: object) -> BookingEvent:
    """An email ``minutes`` after the stored one's that states only what it is given."""
    start = datetime(2027, 5, 30, 10, tzinfo=LA)
    fields: dict[str, object] = {
        "source": "boatsetter",
        "kind": kind,
        "booking_id": "xhqgmdh",
        "boat": "JADA",
        "renter_name": "Maya Thompson",
        "start": start,
        "end": start + timedelta(hours=3),
        "as_of": AS_OF + timedelta(minutes=minutes),
    }
    return BookingEvent(**{**fields, **stated})


def test_an_old_item_reads_with_every_field_stamped_by_its_as_of(stack, store):
    store_old_item(stack.table_name)
    record = store.load(KEY)
    booking = record.booking
    assert booking is not None
    assert set(booking.stamps) == {"boat", "renter_name", "when", "party_size", "gross"}
    assert {s.as_of for s in booking.stamps.values()} == {AS_OF}
    assert {s.kind for s in booking.stamps.values()} == {Kind.CONFIRMED}
    assert all(s.verified for s in booking.stamps.values())
    assert booking.unread_labels == ()
    published = record.step("summary").published
    assert published is not None
    assert published.stamps == booking.stamps


def test_a_change_notice_without_the_gross_keeps_the_old_items_gross(stack, store, orchestrator):
    store_old_item(stack.table_name)
    moved = datetime(2027, 5, 30, 14, tzinfo=LA)
    applied = orchestrator.apply(
        notice(Kind.MODIFIED, 30, start=moved, end=moved + timedelta(hours=3)), run_id="r1"
    )
    assert applied.state_changed
    assert applied.complete
    booking = store.load(KEY).booking
    assert booking is not None
    assert (booking.status, booking.start) == (Kind.MODIFIED, moved)
    assert (booking.gross, booking.party_size) == (Decimal("840.75"), 6)
    assert booking.stamps["gross"].as_of == AS_OF  # migrated: written with its stamps now
    assert booking.stamps["when"].as_of == AS_OF + timedelta(minutes=30)


def test_an_older_email_fills_what_the_old_item_never_had(stack, store, orchestrator):
    store_old_item(stack.table_name)
    older = notice(Kind.CONFIRMED, -60, gross=Decimal("700.00"), notes="Birthday")
    orchestrator.apply(older, run_id="r1")
    booking = store.load(KEY).booking
    assert booking is not None
    assert booking.gross == Decimal("840.75")  # the stored item is newer
    assert booking.notes == "Birthday"  # nobody newer said anything about notes
    assert booking.as_of == AS_OF
