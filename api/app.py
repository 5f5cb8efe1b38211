"""The links API: photo upload grants for guests, confirm / decline for crew.

Routes (payload v2, any stage):
  POST    /g/{slug}/photos            → JSON presigned POST, or JSON ``{"message"}`` saying why not
                                        (only for a slug the worker published: see bookings.slugs)
  OPTIONS /g/{slug}/photos            → CORS preflight (the site's origin only)
  GET     /crew/{token}/confirm|decline → the question and one button; records nothing
  POST    /crew/{token}/confirm|decline → records the answer, says thanks
  GET     /crew/{token}/answers         → JSON for the crew sheet: whose link it is, the answers
  GET     /photos/{gallery}             → the booking's private photo gallery (api.gallery), at the
                                        crew page's own id; an id the worker did not publish: 404

Crew links are GETs in emails, and mail scanners (Safe Links, gateways' prefetchers) open every
link in a message, so only the button's POST records an answer. A bad token gets "link not valid"
either way. A token answers only for its own member, and only while that member is on the booking's
crew (the fleet's current assignment) and their links have not been revoked; the crew sheet reads
``/answers`` with the token of the member who opened it, to show their own row with the buttons
and everyone else's answer read-only.

A recorded answer that changed is announced on the bookings queue (:mod:`api.announce`): the
worker tells the manager of a decline at once (from the worker, which already sends the
manager's mail once; the API sends no email).

Every failure ends in a clear page or message; nothing ever answers with a stack trace.
"""

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

import structlog
from botocore.config import Config

from api import pages
from api.announce import Announcer, QueueAnnouncer
from api.config import LinksApiConfig
from api.gallery import gallery_page
from api.http import Request, Response
from api.pages import Verb
from api.photos import PhotoGrants, PhotoRefused, checked_content_type
from aws import clients
from bookings import Booking, CharterhandError, TransientError, UnknownBoat, UnknownCrew
from bookings.slugs import GUEST_SLUG, booking_keys_for_gallery, booking_keys_for_slug
from state.crew_tokens import CrewGrant, CrewTokens, InvalidLink
from state.links import LinksState, RecordedAnswer
from templates.assets import origin_of

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

log = structlog.get_logger("charterhand.api")

#: API Gateway route keys this API answers; infra/terraform/api.tf routes exactly these (API
#: Gateway's CORS configuration answers the photos route's preflight itself)
ROUTES = (
    "POST /g/{slug}/photos",
    "GET /crew/{token}/confirm",
    "POST /crew/{token}/confirm",
    "GET /crew/{token}/decline",
    "POST /crew/{token}/decline",
    "GET /crew/{token}/answers",
    "GET /photos/{gallery}",
)
PHOTOS_ROUTE = re.compile(r"/g/(?P<slug>[^/]+)/photos")
CREW_ROUTE = re.compile(r"/crew/(?P<token>[^/]+)/(?P<answer>confirm|decline)")
SHEET_ROUTE = re.compile(r"/crew/(?P<token>[^/]+)/answers")
GALLERY_ROUTE = re.compile(r"/photos/(?P<gallery>[^/]+)")
ANSWERS: dict[Verb, Literal["confirmed", "declined"]] = {
    "confirm": "confirmed",
    "decline": "declined",
}
CREW_METHODS = "GET, HEAD, POST"
NOT_VALID = "This link is not valid."


class LinksApi:
    """Answers payload-v2 events; built with its clients, like every class here."""

    def __init__(
        self,
        *,
        config: LinksApiConfig,
        state: LinksState,
        tokens: CrewTokens,
        photos: PhotoGrants,
        announcer: Announcer | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.config = config
        self.state = state
        self.tokens = tokens
        self.photos = photos
        #: tells the worker of a recorded answer (None: the hourly crew check finds it)
        self.announcer = announcer
        self.clock = clock
        self.site_origin = origin_of(config.site_base_url)

    @classmethod
    def build(
        cls,
        config: LinksApiConfig,
        *,
        dynamodb: "DynamoDBClient | None" = None,
        s3: "S3Client | None" = None,
        sqs: "SQSClient | None" = None,
    ) -> "LinksApi":
        """Wire the API from configuration; clients are built only when none are given."""
        dynamodb = dynamodb or clients.client("dynamodb")
        # SigV4 for the presigned POSTs and GETs: the photos are encrypted with our KMS key, and
        # S3 serves KMS-encrypted objects only to SigV4 requests (botocore presigns SigV2 here)
        s3 = s3 or clients.client("s3", Config(signature_version="s3v4"))
        queue = config.answers_queue_url
        return cls(
            config=config,
            state=LinksState(table_name=config.table_name, dynamodb=dynamodb),
            tokens=CrewTokens(table_name=config.table_name, dynamodb=dynamodb),
            photos=PhotoGrants(
                s3=s3, bucket=config.photos_bucket, max_bytes=config.photo_max_bytes
            ),
            announcer=QueueAnnouncer(sqs or clients.client("sqs"), queue) if queue else None,
        )

    def handle(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """The Lambda contract: event in, payload-v2 response out, never an exception."""
        try:
            request = Request.from_event(event)
        except (ValueError, TypeError):
            return Response.json(400, {"message": "Malformed request."}).to_event()
        return self.respond(request).to_event()

    def respond(self, request: Request) -> Response:
        photos = PHOTOS_ROUTE.fullmatch(request.path)
        if photos:
            return self._with_cors(request, self._photos(request, photos["slug"]))
        crew = CREW_ROUTE.fullmatch(request.path)
        if crew:
            verb: Verb = "confirm" if crew["answer"] == "confirm" else "decline"
            return self._crew(request, crew["token"], verb)
        sheet = SHEET_ROUTE.fullmatch(request.path)
        if sheet:
            return self._with_cors(request, self._sheet(request, sheet["token"]), methods="GET")
        gallery = GALLERY_ROUTE.fullmatch(request.path)
        if gallery:
            return self._gallery(request, gallery["gallery"])
        return pages.not_found()

    # --- guests' photos --------------------------------------------------------------------------

    def _photos(self, request: Request, slug: str) -> Response:
        if request.method == "OPTIONS":
            return Response(204, headers={"access-control-max-age": "600"})
        if request.method != "POST":
            return Response.json(405, {"message": "Use POST."}, allow="POST, OPTIONS")
        origin = request.headers.get("origin")
        if origin is not None and origin != self.site_origin:
            return Response.json(403, {"message": "Uploads are only accepted from the guest page."})
        try:
            return self._grant_photo(request, slug)
        except PhotoRefused as refused:
            return Response.json(refused.status, {"message": refused.message})
        except TransientError as exc:
            log.warning("photo_grant_unavailable", reason=exc.reason)
            return Response.json(
                503, {"message": "Uploads are busy right now. Please try again in a minute."}
            )
        except Exception:
            log.exception("photo_grant_failed", slug=slug)
            return Response.json(500, {"message": "Something went wrong on our side."})

    def _grant_photo(self, request: Request, slug: str) -> Response:
        try:
            payload = request.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            raise PhotoRefused(400, "The upload request was not understood.")
        content_type = checked_content_type(payload.get("content_type"))
        size = payload.get("size")
        limit = self.config.photo_max_bytes
        if isinstance(size, int) and size > limit:
            megabytes = limit // (1024 * 1024)
            raise PhotoRefused(
                413, f"That photo is larger than {megabytes} MB. Please pick a smaller one."
            )
        now = self.clock()
        booking = self._booking_for_slug(slug, now)
        if booking is None:
            raise PhotoRefused(404, "We could not find this charter.")
        if not booking.is_live:
            raise PhotoRefused(409, "This charter was cancelled, so photo uploads are closed.")
        if now > booking.end + timedelta(days=self.config.photo_upload_days_after):
            raise PhotoRefused(410, "Photo uploads for this charter have closed.")
        quota = self.state.take_photo_slot(
            booking.key, now=now, limit=self.config.photo_uploads_per_hour
        )
        if not quota.allowed:
            wait = max(1, int((quota.resets_at - now).total_seconds()))
            return Response.json(
                429,
                {"message": "That's a lot of photos! Please try again in a little while."},
                **{"retry-after": str(wait)},
            )
        grant = self.photos.grant(booking.key, content_type, now=now)
        log.info("photo_granted", booking_key=booking.key, key=grant.key)
        return Response.json(200, grant.as_json())

    def _booking_for_slug(self, slug: str, now: datetime) -> Booking | None:
        """The booking whose published guest page is at ``slug``: the HMAC slug the worker
        recorded, or (until the charter ends) the bare-id slug an older page had. A slug nobody
        published, counted or forged, names nothing."""
        page = f"g/{slug}.html"
        for key in booking_keys_for_slug(slug):
            booking, published = self.state.published_guest_page(key)
            if booking is None:
                continue
            if published.get("key") == page and GUEST_SLUG.fullmatch(slug):
                return booking
            if page in (published.get("key"), published.get("legacy_key")) and now < booking.end:
                return booking
        return None

    def _with_cors(
        self, request: Request, response: Response, methods: str = "POST, OPTIONS"
    ) -> Response:
        """Let the site's pages (and only them) read the answer and send JSON."""
        if request.headers.get("origin") != self.site_origin:
            return response.with_headers({"vary": "Origin"})
        return response.with_headers(
            {
                "access-control-allow-origin": self.site_origin,
                "access-control-allow-methods": methods,
                "access-control-allow-headers": "content-type",
                "vary": "Origin",
            }
        )

    # --- the crew's photo gallery ----------------------------------------------------------------

    def _gallery(self, request: Request, gallery: str) -> Response:
        """The booking's photos, for whoever holds its crew page's link (api.gallery)."""
        if request.method not in ("GET", "HEAD"):
            return pages.not_allowed("GET, HEAD")
        try:
            booking = self._booking_for_gallery(gallery)
            if booking is None:
                log.info("gallery_link_invalid")
                return pages.link_not_valid(expired=False)
            photos = self.photos.gallery(booking.key)
        except TransientError as exc:
            log.warning("gallery_unavailable", reason=exc.reason)
            return pages.try_later()
        except (CharterhandError, Exception):
            log.exception("gallery_failed")
            return pages.failed()
        log.info("gallery_opened", booking_key=booking.key, photos=len(photos))
        return gallery_page(self._in_boat_zone(booking), photos)

    def _booking_for_gallery(self, gallery: str) -> Booking | None:
        """The booking whose published crew page has the gallery's id; None for any other."""
        booking_keys, crew_page = booking_keys_for_gallery(gallery)
        for key in booking_keys:
            booking, published = self.state.published_crew_page(key)
            if booking is not None and published.get("key") == crew_page:
                return booking
        return None

    # --- crew answers ----------------------------------------------------------------------------

    def _crew(self, request: Request, token: str, verb: Verb) -> Response:
        """GET/HEAD asks (records nothing); POST, from the asking page, records the answer."""
        if request.method not in ("GET", "HEAD", "POST"):
            return pages.not_allowed(CREW_METHODS)
        if request.method == "POST" and request.is_cross_site():
            log.warning("crew_answer_cross_site", origin=request.headers.get("origin"))
            return pages.cross_site()
        try:
            grant, booking = self._member(token)
            shown = self._in_boat_zone(booking)
            if not booking.is_live:
                return pages.cancelled(shown)
            if request.method != "POST":
                log.info("crew_link_opened", booking_key=grant.booking_key, crew_id=grant.crew_id)
                previous = self.state.answer(grant.booking_key, grant.crew_id)
                return pages.ask(
                    shown, verb, self._crew_name(grant.crew_id), self._at_boat(previous, shown)
                )
            answer = ANSWERS[verb]
            changed = self.state.record_answer(
                grant.booking_key, grant.crew_id, answer, token_id=grant.token_id, at=self.clock()
            )
        except InvalidLink as invalid:
            log.info("crew_link_invalid", reason=invalid.reason)
            return pages.link_not_valid(expired=invalid.expired)
        except TransientError as exc:
            log.warning("crew_answer_unavailable", reason=exc.reason)
            return pages.try_later()
        except (CharterhandError, Exception):
            log.exception("crew_answer_failed")
            return pages.failed()
        log.info(
            "crew_answered",
            booking_key=grant.booking_key,
            crew_id=grant.crew_id,
            answer=answer,
            changed=changed,
        )
        if changed:
            self._announce(grant.booking_key)
        return pages.answered(shown, answer, self._first_name(grant.crew_id))

    def _announce(self, booking_key: str) -> None:
        """Tell the worker (the manager hears of a decline at once). The answer is recorded
        whatever happens here: a failure is logged loudly, and the hourly crew check tells the
        manager instead, so the member is still thanked."""
        if self.announcer is None:
            log.warning("crew_answer_not_announced", booking_key=booking_key, reason="no queue")
            return
        try:
            self.announcer.answered(booking_key)
        except Exception as exc:
            reason = exc.reason if isinstance(exc, CharterhandError) else type(exc).__name__
            log.error("crew_answer_not_announced", booking_key=booking_key, reason=reason)

    def _sheet(self, request: Request, token: str) -> Response:
        """The crew sheet's view for the member whose token it holds: who they are, and the
        answers of everyone on the crew now (read-only for the sheet; only the member's own
        confirm / decline links record anything)."""
        if request.method not in ("GET", "HEAD"):
            return Response.json(405, {"message": "Use GET."}, allow="GET, HEAD")
        try:
            grant, booking = self._member(token)
            if not booking.is_live:
                return Response.json(
                    409, {"message": "This charter was cancelled."}, **{"cache-control": "no-store"}
                )
            answers = {}  # one GetItem per member on the crew now: a few, and no Query grant
            for member in self.config.fleet.assign(booking).everyone:
                given = self.state.answer(booking.key, member.id)
                if given is not None:
                    answers[member.id] = given.answer
        except InvalidLink as invalid:
            log.info("crew_sheet_link_invalid", reason=invalid.reason)
            return Response.json(
                410 if invalid.expired else 404,
                {"message": "This link has expired." if invalid.expired else NOT_VALID},
                **{"cache-control": "no-store"},
            )
        except TransientError as exc:
            log.warning("crew_sheet_unavailable", reason=exc.reason)
            return Response.json(503, {"message": "Please try again in a minute."})
        except (CharterhandError, Exception):
            log.exception("crew_sheet_failed")
            return Response.json(500, {"message": "Something went wrong on our side."})
        return Response.json(
            200, {"member": grant.crew_id, "answers": answers}, **{"cache-control": "no-store"}
        )

    def _member(self, token: str) -> tuple[CrewGrant, Booking]:
        """The grant of a valid token and its booking, while the member is on the booking's crew;
        ``InvalidLink`` otherwise (a member taken off the crew holds a link that is no more)."""
        grant = self.tokens.verify(token)
        booking = self.state.booking(grant.booking_key)
        if booking is None:
            log.warning("crew_link_without_booking", booking_key=grant.booking_key)
            raise InvalidLink("no booking")
        try:
            crew = self.config.fleet.assign(booking).everyone
        except UnknownBoat as exc:  # nobody can say who crews it: closed
            raise InvalidLink("boat not in the fleet") from exc
        if grant.crew_id not in {member.id for member in crew}:
            log.info("crew_link_off_crew", booking_key=grant.booking_key, crew_id=grant.crew_id)
            raise InvalidLink("not on the crew")
        return grant, booking

    @staticmethod
    def _at_boat(previous: RecordedAnswer | None, shown: Booking) -> RecordedAnswer | None:
        """The answer's time in the zone the booking is shown in."""
        if previous is None:
            return None
        return RecordedAnswer(previous.answer, previous.answered_at.astimezone(shown.start.tzinfo))

    def _in_boat_zone(self, booking: Booking) -> Booking:
        """The booking with its times in its boat's zone, for display (PDT, not UTC-07:00)."""
        try:
            zone = self.config.fleet.boat(booking.boat).zone
        except UnknownBoat:
            return booking
        return booking.model_copy(
            update={"start": booking.start.astimezone(zone), "end": booking.end.astimezone(zone)}
        )

    def _first_name(self, crew_id: str) -> str | None:
        try:
            return self.config.fleet.person(crew_id).first_name
        except UnknownCrew:
            return None

    def _crew_name(self, crew_id: str) -> str:
        """The person's full name; the id when the fleet does not know them."""
        try:
            return self.config.fleet.person(crew_id).name
        except UnknownCrew:
            return crew_id
