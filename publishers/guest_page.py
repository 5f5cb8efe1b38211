"""The guest page: what a renter opens on their phone before the charter, at ``/g/<slug>``.

It shows only the renter's first name, never contact details or amounts. It is rendered to
``g/<slug>.html`` in the site bucket with a calendar file beside it (``g/<slug>.ics``, a real object
rather than a ``data:`` URL because phones' calendar apps open a served ``text/calendar`` file and
ignore data URLs), then CloudFront is told to forget ``/g/<slug>*``. The slug carries an HMAC under
the link signing key (:mod:`bookings.slugs`), so nobody can count their way to a guest's page.

A booking whose page was published before that, at its bare id (the step's recorded ``key`` or
``legacy_key`` says so), keeps that page current there too until the charter ends, so the link
its guest holds keeps working; the first publish after the end removes it.
"""

import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

from bookings import Boat, Booking, Fleet, Kind
from bookings.slugs import GUEST_PAGE_STEP, guest_slug, legacy_slug
from publishers.base import StepContext
from publishers.not_found import not_found_page
from publishers.transport import ics
from publishers.transport.ics_writer import Property, Uri, calendar
from publishers.transport.site import SiteBucket, SiteObject
from templates import environment, source_digest
from templates.assets import origin_of, page_assets

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

TEMPLATES = ("_layout.html", "guest_page.html", "page.css", "guest_upload.js")
#: browsers keep a copy 5 minutes; CloudFront keeps it a day, and is invalidated on every change
GUEST_CACHE_CONTROL = "public, max-age=300, s-maxage=86400"
CALENDAR_STATUS = {
    Kind.REQUEST.value: "TENTATIVE",
    Kind.CONFIRMED.value: "CONFIRMED",
    Kind.MODIFIED.value: "CONFIRMED",
    Kind.CANCELLED.value: "CANCELLED",
}
PLATFORMS = {"boatsetter": "Boatsetter", "getmyboat": "GetMyBoat"}


def upload_origin(s3: "S3Client", photos_bucket: str) -> str:
    """The origin the browser uploads photos to: where this client's presigned POSTs point.

    Computed locally (no request is made) from the same client configuration the links API uses,
    so the page's Content-Security-Policy allows exactly that origin.
    """
    return origin_of(s3.generate_presigned_post(photos_bucket, "probe")["url"])


def map_link(meeting_point: str | None, boat: Boat) -> str | None:
    """The boat's own map link for its usual meeting point, else a map search for the text."""
    if meeting_point is None:
        return None
    if meeting_point == boat.meeting_point and boat.map_url:
        return boat.map_url
    return "https://www.google.com/maps/search/?api=1&query=" + quote_plus(meeting_point)


def local_time(view: Mapping[str, Any], field: str) -> datetime:
    """A time of the view, in the boat's own zone (so it prints PDT, not UTC-07:00)."""
    return datetime.fromisoformat(view[field]).astimezone(ZoneInfo(view["timezone"]))


class GuestPagePublisher:
    """Publishes the guest page and its calendar file; returns ``{"url", "key"}``."""

    step: ClassVar[str] = GUEST_PAGE_STEP
    depends_on: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        *,
        site: SiteBucket,
        fleet: Fleet,
        signing_key: bytes,
        links_api_base_url: str,
        photos_upload_origin: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if len(signing_key) < 16:
            raise ValueError("the link signing key must be at least 16 bytes")
        self.site = site
        self.fleet = fleet
        self.signing_key = signing_key
        self.links_api_base_url = links_api_base_url.rstrip("/")
        self.photos_upload_origin = photos_upload_origin
        self.clock = clock
        #: the site's 404 page is written with this process's first page (publishers.not_found)
        self._not_found_written = False
        self._not_found_lock = threading.Lock()  # steps of two bookings run on two threads

    def input_of(self, booking: Booking) -> Mapping[str, Any]:
        """Everything the page shows, and the template version: a change to any re-publishes."""
        boat = self.fleet.boat(booking.boat)  # UnknownBoat: permanent
        crew = self.fleet.assign(booking)
        slug = guest_slug(self.signing_key, booking.key)
        meeting_point = booking.meeting_point or boat.meeting_point
        return {
            "templates": source_digest(*TEMPLATES),
            "slug": slug,
            "key": booking.key,
            "platform": PLATFORMS.get(booking.source, booking.source.title()),
            "status": booking.status.value,
            "boat": boat.name,
            "first_name": booking.renter_first_name,
            "timezone": boat.timezone,
            "start": booking.start.astimezone(boat.zone).isoformat(),
            "end": booking.end.astimezone(boat.zone).isoformat(),
            "meeting_point": meeting_point,
            "map_url": map_link(meeting_point, boat),
            "captain": crew.captain.first_name if crew.captain else None,
            "what_to_bring": list(boat.what_to_bring),
            "party_size": booking.party_size,
            "boat_photo": boat.photo_url,
            "day_phone": boat.day_phone,
            "tel_link": boat.tel_link,
            "whatsapp_link": boat.whatsapp_link,
            "photos_endpoint": self._photos_endpoint(slug),
            "photos_upload_origin": self.photos_upload_origin,
            "as_of": booking.as_of.astimezone(UTC).isoformat(),
            "sequence": ics.sequence(booking),
        }

    def publish(self, ctx: StepContext) -> Mapping[str, str]:
        view = self.input_of(ctx.booking)
        slug = view["slug"]
        page_key = self._put(view, ctx.idempotency_key)
        published = {"url": self.site.url(f"/g/{slug}"), "key": page_key}
        legacy = self._legacy_key(ctx)
        if legacy is None:
            return published
        old = legacy.removeprefix("g/").removesuffix(".html")
        if self.clock() < ctx.booking.end:  # the guest's old link works until the charter ends
            old_view = {**view, "slug": old, "photos_endpoint": self._photos_endpoint(old)}
            self._put(old_view, f"{ctx.idempotency_key}:legacy")
            return {**published, "legacy_key": legacy}
        for key in (legacy, f"g/{old}.ics"):
            self.site.delete(key, step=self.step)
        self.site.invalidate(
            f"/g/{old}*", caller_reference=f"{ctx.idempotency_key}:legacy", step=self.step
        )
        return published

    def _put(self, view: Mapping[str, Any], caller_reference: str) -> str:
        """Write the page and its calendar file at the view's slug; returns the page's key."""
        slug = view["slug"]
        page_key, ics_key = f"g/{slug}.html", f"g/{slug}.ics"
        self.site.put(
            SiteObject(
                key=ics_key,
                body=guest_calendar(view, self.site.url(f"/g/{slug}")),
                content_type="text/calendar; charset=utf-8",
                cache_control=GUEST_CACHE_CONTROL,
                content_disposition=f'attachment; filename="{view["boat"]}-{slug}.ics"',
            ),
            step=self.step,
        )
        self.site.put(
            SiteObject(
                key=page_key,
                body=self.render(view).encode("utf-8"),
                content_type="text/html; charset=utf-8",
                cache_control=GUEST_CACHE_CONTROL,
            ),
            step=self.step,
        )
        self.site.put_robots_txt(step=self.step)
        with self._not_found_lock:
            if not self._not_found_written:
                self.site.put(not_found_page(), step=self.step)
                self._not_found_written = True
        self.site.invalidate(f"/g/{slug}*", caller_reference=caller_reference, step=self.step)
        return page_key

    def _legacy_key(self, ctx: StepContext) -> str | None:
        """The page key of the booking's bare-id link, when an earlier publish wrote it."""
        legacy = f"g/{legacy_slug(ctx.booking.booking_id)}.html"
        recorded = (ctx.external_ids.get("key"), ctx.external_ids.get("legacy_key"))
        return legacy if legacy in recorded else None

    def _photos_endpoint(self, slug: str) -> str:
        return f"{self.links_api_base_url}/g/{slug}/photos"

    @staticmethod
    def _image_origins(view: Mapping[str, Any], *, live: bool) -> list[str]:
        """Where the page's images come from besides the site: the boat's photo, and the
        guest's own uploads (while the charter is live)."""
        origins = [view["photos_upload_origin"]] if live else []
        photo = view.get("boat_photo")
        if photo and not photo.startswith("/"):
            origins.append(origin_of(photo))
        return origins

    def render(self, view: Mapping[str, Any]) -> str:
        """The page's HTML for a view from ``input_of``."""
        live = view["status"] != Kind.CANCELLED.value
        assets = page_assets(
            script="guest_upload.js" if live else None,
            connect_to=[origin_of(view["photos_endpoint"]), view["photos_upload_origin"]],
            images_from=self._image_origins(view, live=live),
        )
        g = {
            **view,
            "start": local_time(view, "start"),
            "end": local_time(view, "end"),
            "cancelled": not live,
            "pending": view["status"] == Kind.REQUEST.value,
            "ics_path": f"/g/{view['slug']}.ics",
            "ics_name": f"{view['boat']}-{view['slug']}.ics",
        }
        return environment().get_template("guest_page.html").render(page=assets, g=g)


def guest_calendar(view: Mapping[str, Any], page_url: str) -> bytes:
    """The ``.ics`` beside the page: one event, UID stable per booking, SEQUENCE as crew emails'.

    A cancelled booking keeps its file, marked CANCELLED, so a re-import removes the event.
    """
    as_of = datetime.fromisoformat(view["as_of"])
    event: list[Property] = [
        ("uid", f"{view['key'].replace(':', '-')}-guest@charterhand", {}),
        ("dtstamp", as_of, {}),
        ("sequence", view["sequence"], {}),
        ("dtstart", datetime.fromisoformat(view["start"]).astimezone(UTC), {}),
        ("dtend", datetime.fromisoformat(view["end"]).astimezone(UTC), {}),
        ("summary", f"Charter on {view['boat']}", {}),
    ]
    if view["meeting_point"]:
        event.append(("location", view["meeting_point"], {}))
    lines = [f"Captain: {view['captain']}"] if view["captain"] else []
    if view["what_to_bring"]:
        lines.append("Bring: " + ", ".join(view["what_to_bring"]))
    lines.append(f"Details: {page_url}")
    event += [
        ("description", "\n".join(lines), {}),
        ("url", Uri(page_url), {}),
        ("status", CALENDAR_STATUS[view["status"]], {}),
    ]
    head: list[Property] = [
        ("prodid", "-//charterhand//guest page//EN", {}),
        ("version", "2.0", {}),
        ("method", "PUBLISH", {}),
    ]
    return calendar(head, event)
