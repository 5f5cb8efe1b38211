"""Boatsetter: booking ids are seven lowercase letters; subjects carry the renter's name.

Subjects seen: "New booking request from Ben C.", "Booking confirmed: Maya T. on Sun, May 30",
"Booking updated: Maya T. on Sun, May 30", "Booking cancelled: Maya T. on Sun, May 30".
"""

import re

from parsers.source import Source

SOURCE = Source(
    name="boatsetter",
    domains=("boatsetter.com",),
    booking_id=re.compile(r"[a-z]{7}"),
    id_in_url=re.compile(
        r"^https?://(?:[\w-]+\.)*boatsetter\.com/(?:[\w.-]+/)*?"
        r"(?:bookings?|trips?|reservations?|booking-requests?|requests?|inbox)/"
        r"(?P<id>[a-z]{7})(?:[/?#]|$)",
        re.IGNORECASE,
    ),
    renter_in_subject=(
        re.compile(r":\s*(?P<name>[^:]+?)\s+on\s+[A-Z][a-z]{2}", re.IGNORECASE),
        re.compile(r"\bfrom\s+(?P<name>.+?)\s*$", re.IGNORECASE),
    ),
)
