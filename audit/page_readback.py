"""Reading the guest and crew pages back from the site bucket.

A page is rendered from its step's input alone (no nonce, no clock), so rendering the booking
the step published gives, byte for byte, what the bucket should hold: an object that is gone is
missing, one whose body or content type differs was edited. The guest page's calendar file is
part of the page. Only S3's own "no such key" is missing; any other failure of the read is an
error of its family (a transient one is read again on the next run).
"""

from collections.abc import Mapping
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from audit.readback import MATCH, Seen, Verdict, incident
from aws.errors import error_code, http_status, translate
from bookings import Booking
from publishers.crew_page import CrewPagePublisher
from publishers.guest_page import GuestPagePublisher, guest_calendar
from publishers.transport.site import SiteBucket
from state.store import StepRecord

if TYPE_CHECKING:
    from mypy_boto3_s3.type_defs import GetObjectOutputTypeDef

#: what S3 answers for an object that is not there
NO_SUCH_KEY = frozenset({"NoSuchKey", "404", "NotFound"})


class PageReadback:
    """Reads one booking's page (and the guest page's calendar file) back from the bucket."""

    def __init__(self, publisher: GuestPagePublisher | CrewPagePublisher) -> None:
        self.publisher = publisher
        self.site: SiteBucket = publisher.site

    def read(self, booking: Booking, step: StepRecord) -> Seen:
        missing: list[str] = []
        edited: list[str] = []
        seen: list[tuple[str, bytes, str]] = []
        for key, (body, content_type) in self.expected(booking).items():
            found = self._get(key)
            if found is None:
                missing.append(key)
            elif found != (body, content_type):
                edited.append(key)
                seen.append((key, *found))
        if missing:
            return Seen(Verdict.MISSING, ", ".join(missing), incident("missing", missing))
        if edited:
            return Seen(Verdict.EDITED, ", ".join(edited), incident("edited", seen))
        return MATCH

    def expected(self, booking: Booking) -> Mapping[str, tuple[bytes, str]]:
        """Each object the publisher writes for ``booking``: its body and content type."""
        publisher = self.publisher
        view = publisher.input_of(booking)
        if isinstance(publisher, CrewPagePublisher):
            page = publisher.render(view).encode("utf-8")
            return {publisher.key_of(booking.key): (page, "text/html; charset=utf-8")}
        slug = view["slug"]
        page = publisher.render(view).encode("utf-8")
        ics = guest_calendar(view, self.site.url(f"/g/{slug}"))
        return {
            f"g/{slug}.html": (page, "text/html; charset=utf-8"),
            f"g/{slug}.ics": (ics, "text/calendar; charset=utf-8"),
        }

    def _get(self, key: str) -> tuple[bytes, str] | None:
        """The object's body and content type, or None when S3 has no such key."""
        step = self.publisher.step
        try:
            answer: GetObjectOutputTypeDef = self.site.s3.get_object(
                Bucket=self.site.bucket, Key=key
            )
            return answer["Body"].read(), answer.get("ContentType", "")
        except ClientError as exc:
            if error_code(exc) in NO_SUCH_KEY or http_status(exc) == 404:
                return None
            raise translate(exc, "S3 (site bucket)", step=step) from exc
        except BotoCoreError as exc:
            raise translate(exc, "S3 (site bucket)", step=step) from exc
