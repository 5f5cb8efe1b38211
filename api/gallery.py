"""The crew's photo gallery: a booking's photos, each behind a presigned GET living 15 minutes.

Served by the links API at ``/photos/<booking id>-<crew page id>``
(:func:`bookings.slugs.gallery_id`) and linked from the crew sheet and the manager's summary. Why
there, and why that id: the photos bucket stays private (no public read, no listing from a
browser), so something holding AWS rights must list the booking's prefix and sign each GET at the
moment someone looks; the links API already holds the photo rights and reads the state table. The
crew page's id is the secret the crew and the manager already share (every member's email and every
summary carries the crew page), so the gallery needs no token of its own and the manager, who has
no crew token, can open it. The API accepts the id only when it is the crew page the worker
published for that booking, so it never needs the link signing key; an id it did not publish lists
nothing. The page is never cached and never indexed, and each link in it expires: a forwarded copy
of the page stops showing photos.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from api.http import Response
from api.photos import PHOTO_URL_TTL, Photo
from bookings import Booking
from templates import environment
from templates.assets import origin_of, page_assets


@dataclass(frozen=True)
class Shown:
    """A photo on the page: its link, and when it arrived in the boat's zone."""

    url: str
    uploaded_at: str
    name: str


def gallery_page(booking: Booking, photos: Sequence[Photo]) -> Response:
    """The gallery's HTML (``booking`` with its times in its boat's zone)."""
    zone = booking.start.tzinfo
    shown = [
        Shown(
            url=photo.url,
            uploaded_at=photo.uploaded_at.astimezone(zone).strftime("%a %b %d, %H:%M %Z"),
            name=photo.key.rsplit("/", 1)[-1],
        )
        for photo in photos
    ]
    assets = page_assets(images_from=sorted({origin_of(photo.url) for photo in photos}))
    minutes = int(PHOTO_URL_TTL.total_seconds() // 60)
    page = (
        environment()
        .get_template("gallery.html")
        .render(page=assets, booking=booking, photos=shown, minutes=minutes)
    )
    return Response.html(200, page)
