"""Guest page slugs: the public name of a booking in ``/g/<slug>``, and the way back to its key.

A slug is ``<booking id>-<code>``, ``code`` the first 80 bits of HMAC-SHA256(link signing key,
booking key) in lower-case base32 (16 characters): nobody without the key can count their way to
another guest's page, yet the same booking always gets the same slug, so links already sent keep
working. The id part lets the links API find the booking without a lookup table; it then accepts
the slug only if it is the one the worker published for that booking (the guest page step's
recorded key), so the API never needs the key itself.

The crew's photo gallery (served by the links API) is named the same way: ``<booking id>-<crew
page id>``, the crew page's own 128-bit id (HMAC under the same key), so whoever holds the crew
page's link holds the gallery's, and the API accepts it only when it is the crew page the worker
published for that booking (:func:`booking_keys_for_gallery`).

Pages published before this were at the bare booking id (:func:`legacy_slug`), which anyone could
count to; those links keep working until their charter ends, and no new page is published there.
"""

import base64
import hashlib
import hmac
import re

from bookings.events import BOOKING_ID_PATTERNS

#: what the CloudFront function accepts in ``/g/<slug>``; anything else is a 404 there
SLUG_PATTERN = re.compile(r"[a-z0-9-]{1,64}")
#: a slug as :func:`guest_slug` makes it
GUEST_SLUG = re.compile(r"(?P<id>[a-z0-9]{1,40})-(?P<code>[a-z2-7]{16})")
#: the step that publishes guest pages; its recorded ``key`` names the slug a booking has
GUEST_PAGE_STEP = "guest_page"
#: the step that publishes crew pages; its recorded ``key`` (``crew/<page id>.html``) names the
#: crew page, and so the gallery, a booking has
CREW_PAGE_STEP = "crew_page"
#: a gallery id as :func:`gallery_id` makes it: the booking id and the crew page's id
GALLERY_ID = re.compile(r"(?P<id>[a-z0-9]{1,40})-(?P<page>[0-9a-f]{32})")
#: bytes of the HMAC kept in the slug (80 bits: 16 base32 characters, no padding)
CODE_BYTES = 10


def guest_slug(link_key: bytes, booking_key: str) -> str:
    """The slug of a booking's guest page: its id and an HMAC under the link signing key."""
    booking_id = booking_key.partition(":")[2].lower()
    digest = hmac.new(link_key, booking_key.encode(), hashlib.sha256).digest()
    code = base64.b32encode(digest[:CODE_BYTES]).decode().lower()
    slug = f"{booking_id}-{code}"
    if not GUEST_SLUG.fullmatch(slug) or not SLUG_PATTERN.fullmatch(slug):
        raise ValueError(f"booking {booking_key!r} cannot be a guest page slug")
    return slug


def legacy_slug(booking_id: str) -> str:
    """The slug pages had before they carried an HMAC: the bare booking id."""
    return booking_id.lower()


def booking_keys_for_slug(slug: str) -> list[str]:
    """The booking keys a slug, new or legacy, may stand for (at most one per source whose ids
    its id part fits). Which one it really names, if any, the published record decides."""
    shape = GUEST_SLUG.fullmatch(slug)
    booking_id = shape["id"] if shape else slug
    if not SLUG_PATTERN.fullmatch(booking_id) or "-" in booking_id:
        return []
    return [
        f"{source}:{booking_id}"
        for source, pattern in BOOKING_ID_PATTERNS.items()
        if pattern.fullmatch(booking_id)
    ]


def gallery_id(booking_key: str, crew_page_id: str) -> str:
    """The id of a booking's photo gallery: its booking id and its crew page's id."""
    gallery = f"{booking_key.partition(':')[2].lower()}-{crew_page_id}"
    if not GALLERY_ID.fullmatch(gallery):
        raise ValueError(f"booking {booking_key!r} cannot have a gallery id")
    return gallery


def booking_keys_for_gallery(gallery: str) -> tuple[list[str], str]:
    """The booking keys a gallery id may stand for, and the crew page key it names
    (``crew/<page id>.html``); ``([], "")`` for a malformed id. The crew page step's recorded
    key decides which booking, if any, it really names."""
    shape = GALLERY_ID.fullmatch(gallery)
    if shape is None:
        return [], ""
    return booking_keys_for_slug(shape["id"]), f"crew/{shape['page']}.html"
