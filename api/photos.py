"""Presigned POSTs for guests' photos: the browser uploads straight to S3, no credentials reach it.

The policy S3 checks on upload carries every limit: the exact key (under ``photos/<booking key>/``,
random name), exactly the image type the guest declared, which must be one of the raster photo types
of ``EXTENSIONS`` (a grant never carries an SVG or any other XML type, which a browser would render
as a document), a size range, and a 15-minute expiry.

Each grant also carries a presigned GET of the same key (``view_url``, as short-lived): the guest's
page lists what this browser uploaded, thumbnails and all, without the bucket ever being public and
without anyone else's photos: the key is random and only its grant names it. The crew's gallery
(:func:`PhotoGrants.gallery`) lists a booking's prefix and presigns a GET of each photo on request.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from aws.errors import classify
from bookings import TransientError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

PHOTO_URL_TTL = timedelta(minutes=15)
#: the most photos one gallery lists (newest first): far above a charter's uploads
GALLERY_LIMIT = 2000
#: the photo types we accept, and the extension each is stored under. An allowlist: S3 serves an
#: object with the type it was uploaded as, and ``image/svg+xml`` or ``image/x+xml`` would be
#: rendered as a document (XML, script and all), so only raster formats phones take get in.
EXTENSIONS = {
    "image/avif": "avif",
    "image/gif": "gif",
    "image/heic": "heic",
    "image/heif": "heif",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
}


class PhotoRefused(Exception):
    """A request for an upload we will not grant; ``message`` is shown to the guest."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class PhotoGrant:
    """One presigned POST: where to send the form, its fields, and the limits it carries."""

    url: str
    fields: dict[str, str]
    key: str
    max_bytes: int
    expires_at: datetime
    #: a presigned GET of ``key`` (valid as long as the grant): the guest's own thumbnail
    view_url: str

    def as_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "fields": self.fields,
            "key": self.key,
            "view_url": self.view_url,
            "max_bytes": self.max_bytes,
            "expires_at": self.expires_at.isoformat(),
        }


def checked_content_type(value: object) -> str:
    """The declared content type when it is an image we accept; else ``PhotoRefused``."""
    content_type = value.lower() if isinstance(value, str) else ""
    if content_type == "image/svg+xml":
        raise PhotoRefused(415, "SVG images cannot be uploaded. Please choose a photo.")
    if content_type not in EXTENSIONS:
        raise PhotoRefused(
            415,
            "Only photos can be uploaded here (JPEG, PNG, HEIC, WebP, GIF or AVIF). "
            "Please choose an image file.",
        )
    return content_type


@dataclass(frozen=True)
class Photo:
    """One stored photo as the gallery shows it: when it arrived, and a link that opens it."""

    key: str
    uploaded_at: datetime
    size: int
    url: str


class PhotoGrants:
    """Makes presigned POSTs into the photos bucket."""

    def __init__(self, *, s3: "S3Client", bucket: str, max_bytes: int) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.max_bytes = max_bytes

    def grant(self, booking_key: str, content_type: str, *, now: datetime) -> PhotoGrant:
        extension = EXTENSIONS[content_type]
        key = f"photos/{booking_key}/{secrets.token_hex(16)}.{extension}"
        try:
            post = self.s3.generate_presigned_post(
                Bucket=self.bucket,
                Key=key,
                Fields={"Content-Type": content_type, "success_action_status": "201"},
                Conditions=[
                    {"Content-Type": content_type},
                    ["content-length-range", 1, self.max_bytes],
                    {"success_action_status": "201"},
                ],
                ExpiresIn=int(PHOTO_URL_TTL.total_seconds()),
            )
            view_url = self.view_url(key)
        except (ClientError, BotoCoreError) as exc:  # signing is local; only credentials can fail
            raise TransientError(f"could not sign a photo upload ({type(exc).__name__})") from exc
        return PhotoGrant(
            url=post["url"],
            fields={name: str(value) for name, value in post["fields"].items()},
            key=key,
            max_bytes=self.max_bytes,
            expires_at=now + PHOTO_URL_TTL,
            view_url=view_url,
        )

    def view_url(self, key: str) -> str:
        """A presigned GET of one photo, valid for ``PHOTO_URL_TTL`` (signed locally)."""
        return self.s3.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": key},
            ExpiresIn=int(PHOTO_URL_TTL.total_seconds()),
        )

    def gallery(self, booking_key: str) -> list[Photo]:
        """The booking's photos, newest first, each with a presigned GET (``PHOTO_URL_TTL``)."""
        found: list[tuple[str, datetime, int]] = []
        try:
            pages = self.s3.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=f"photos/{booking_key}/"
            )
            for page in pages:
                found.extend(
                    (item["Key"], item["LastModified"], item["Size"])
                    for item in page.get("Contents", [])
                )
                if len(found) >= GALLERY_LIMIT:
                    break
            found.sort(key=lambda photo: (photo[1], photo[0]), reverse=True)
            return [
                Photo(key=key, uploaded_at=at, size=size, url=self.view_url(key))
                for key, at, size in found[:GALLERY_LIMIT]
            ]
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc, "listing a booking's photos") from exc
