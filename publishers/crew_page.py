"""The crew page: the checklist sheet crew open before a charter, at an unguessable path.

The path is ``crew/<hmac>.html`` with ``hmac`` the first 32 hex digits of HMAC-SHA256(link signing
key, booking key): 128 bits nobody can guess without the key, yet the same for every publish of the
booking, so links already sent keep working. The page carries ``noindex`` (and robots.txt keeps
crawlers out of ``/crew/``) and a Referrer-Policy that keeps the path out of other sites' logs.

The page is the same for every member and holds no token and no answer link, so whoever it is
forwarded to cannot answer for anyone. Each member opens it from their own email as
``<page>#t=<token>``; its script asks the links API (``GET /crew/<token>/answers``) whose token
it is, gives that member's row their confirm / decline links, and shows everyone else's answer
read-only. Without the token (or without script) it is the plain sheet; the email's own confirm /
decline links still work.
"""

import hashlib
import hmac
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, ClassVar

from bookings import Booking, Fleet, Kind
from bookings.slugs import CREW_PAGE_STEP, gallery_id
from publishers.base import StepContext
from publishers.guest_page import PLATFORMS, local_time, map_link
from publishers.transport.site import SiteBucket, SiteObject
from templates import environment, source_digest
from templates.assets import origin_of, page_assets

TEMPLATES = ("_layout.html", "crew_page.html", "page.css", "crew_checklist.js")
#: crew pages carry the crew's details: never cached by a browser or a shared cache
CREW_CACHE_CONTROL = "private, no-store, max-age=0"


def crew_page_id(signing_key: bytes, booking_key: str) -> str:
    """The 128-bit page id: stable per booking, unguessable without the key."""
    return hmac.new(signing_key, booking_key.encode(), hashlib.sha256).hexdigest()[:32]


class CrewPagePublisher:
    """Publishes the crew page; returns ``{"url", "key", "gallery_url"}`` (the summary links the
    gallery)."""

    step: ClassVar[str] = CREW_PAGE_STEP
    depends_on: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        *,
        site: SiteBucket,
        fleet: Fleet,
        signing_key: bytes,
        links_api_base_url: str,
    ) -> None:
        if len(signing_key) < 16:
            raise ValueError("the link signing key must be at least 16 bytes")
        self.site = site
        self.fleet = fleet
        self.signing_key = signing_key
        self.links_api_base_url = links_api_base_url.rstrip("/")

    def key_of(self, booking_key: str) -> str:
        return f"crew/{crew_page_id(self.signing_key, booking_key)}.html"

    def gallery_url(self, booking_key: str) -> str:
        """The booking's private photo gallery (the links API's, at this page's own id)."""
        gallery = gallery_id(booking_key, crew_page_id(self.signing_key, booking_key))
        return f"{self.links_api_base_url}/photos/{gallery}"

    def input_of(self, booking: Booking) -> Mapping[str, Any]:
        """What the page shows (no token: members bring their own)."""
        boat = self.fleet.boat(booking.boat)  # UnknownBoat: permanent
        crew = self.fleet.assign(booking)
        zone = boat.zone
        meeting_point = booking.meeting_point or boat.meeting_point
        call = booking.start - timedelta(minutes=boat.call_minutes_before)
        return {
            "templates": source_digest(*TEMPLATES),
            "key": booking.key,
            "booking_id": booking.booking_id,
            "platform": PLATFORMS.get(booking.source, booking.source.title()),
            "status": booking.status.value,
            "boat": boat.name,
            "renter_name": booking.renter_name,
            "party_size": booking.party_size,
            "notes": booking.notes,
            "timezone": boat.timezone,
            "start": booking.start.astimezone(zone).isoformat(),
            "end": booking.end.astimezone(zone).isoformat(),
            "call": call.astimezone(zone).isoformat(),
            "meeting_point": meeting_point,
            "map_url": map_link(meeting_point, boat),
            "crew": [
                {
                    "id": m.id,
                    "name": m.name,
                    "first_name": m.first_name,
                    "role": m.role,
                }
                for m in crew.everyone
            ],
            "checklist": list(boat.checklist),
            "links_api": self.links_api_base_url,
            "gallery_url": self.gallery_url(booking.key),
        }

    def publish(self, ctx: StepContext) -> Mapping[str, str]:
        booking = ctx.booking
        view = self.input_of(booking)
        key = self.key_of(booking.key)
        self.site.put(
            SiteObject(
                key=key,
                body=self.render(view).encode("utf-8"),
                content_type="text/html; charset=utf-8",
                cache_control=CREW_CACHE_CONTROL,
            ),
            step=self.step,
        )
        self.site.put_robots_txt(step=self.step)
        self.site.invalidate(
            f"/{key.removesuffix('.html')}*", caller_reference=ctx.idempotency_key, step=self.step
        )
        return {"url": self.site.url(key), "key": key, "gallery_url": view["gallery_url"]}

    def render(self, view: Mapping[str, Any]) -> str:
        """The page's HTML for a view from ``input_of``."""
        cancelled = view["status"] == Kind.CANCELLED.value
        assets = page_assets(script="crew_checklist.js", connect_to=[origin_of(view["links_api"])])
        c = {
            **view,
            "start": local_time(view, "start"),
            "end": local_time(view, "end"),
            "call": local_time(view, "call"),
            "cancelled": cancelled,
            "pending": view["status"] == Kind.REQUEST.value,
            "answerable": not cancelled,
        }
        return environment().get_template("crew_page.html").render(page=assets, c=c)
