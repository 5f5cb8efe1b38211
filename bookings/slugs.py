"""Guest page slugs: the public name of a booking in ``/g/<slug>``, and the way back to its key.

The slug is the booking id (DESIGN.md: "Slug = booking id unless configured"). Booking ids of the
known sources are disjoint (seven letters vs digits), so a slug names at most one booking key; the
links API uses that to find a booking from the URL a guest holds, without a lookup table.
"""

import re

from bookings.events import BOOKING_ID_PATTERNS

#: what the CloudFront function accepts in ``/g/<slug>``; anything else is a 404 there
SLUG_PATTERN = re.compile(r"[a-z0-9-]{1,64}")


def guest_slug(booking_id: str) -> str:
    """The slug of a booking's guest page."""
    slug = booking_id.lower()
    if not SLUG_PATTERN.fullmatch(slug):
        raise ValueError(f"booking id {booking_id!r} cannot be a guest page slug")
    return slug


def booking_keys_for_slug(slug: str) -> list[str]:
    """The booking keys a slug may stand for (at most one per source whose ids it fits)."""
    if not SLUG_PATTERN.fullmatch(slug):
        return []
    return [
        f"{source}:{slug}"
        for source, pattern in BOOKING_ID_PATTERNS.items()
        if pattern.fullmatch(slug)
    ]
