"""GetMyBoat: numeric reservation ids, often only inside a click-tracking link.

The confirmation names the renter in a sentence ("Keisha Brown just confirmed payment for your
listing."), the listing and the departure as "Label: value" paragraphs, and links to
``/inbox/<reservation>/`` through ``email.getmyboat.com`` with the real URL base64-encoded; a
request carries the id as "Booking request #5201746" and in ``/owner/bookings/<id>/respond/``.
"""

import re

from parsers.source import Source

SOURCE = Source(
    name="getmyboat",
    domains=("getmyboat.com",),
    booking_id=re.compile(r"[0-9]{4,12}"),
    id_in_url=re.compile(
        r"^https?://(?:[\w-]+\.)*getmyboat\.com/(?:[\w.-]+/)*?"
        r"(?:inbox|trips?|bookings?|reservations?|booking-requests?|requests?|charters?)/"
        r"(?P<id>\d{4,12})(?:[/?#]|$)",
        re.IGNORECASE,
    ),
    renter_in_body=(
        re.compile(
            r"^(?P<name>[^\n]{2,60}?)\s+(?:just\s+|has\s+)?(?:confirmed|booked|requested|"
            r"cancell?ed|changed|modified|updated)\s+(?:payment|your|a|the|their|for|to)\b",
            re.IGNORECASE | re.MULTILINE,
        ),
    ),
)
