"""The site bucket behind CloudFront: put a page, then make CloudFront forget its cached copy."""

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from aws.errors import translate
from templates.assets import origin_of

if TYPE_CHECKING:
    from mypy_boto3_cloudfront import CloudFrontClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import PutObjectRequestTypeDef

#: tells crawlers to stay out of booking pages (they are also ``noindex`` themselves)
ROBOTS_TXT = "User-agent: *\nDisallow: /g/\nDisallow: /crew/\n"


@dataclass(frozen=True)
class SiteObject:
    """One object to write: its key and the headers S3 (and so CloudFront) will serve it with."""

    key: str
    body: bytes
    content_type: str
    cache_control: str
    content_disposition: str | None = None


class SiteBucket:
    """Writes objects to the site bucket and invalidates CloudFront's copies.

    ``distribution_id`` None (local runs, tests) skips invalidation: there is no cache to clear.
    """

    def __init__(
        self,
        *,
        s3: "S3Client",
        bucket: str,
        base_url: str,
        cloudfront: "CloudFrontClient | None" = None,
        distribution_id: str | None = None,
    ) -> None:
        if distribution_id and cloudfront is None:
            raise ValueError("a CloudFront client is needed to invalidate a distribution")
        self.s3 = s3
        self.bucket = bucket
        self.base_url = base_url.rstrip("/")
        self.cloudfront = cloudfront
        self.distribution_id = distribution_id
        self._robots_written = False
        self._robots_lock = threading.Lock()

    def url(self, path: str) -> str:
        """The public URL of a site path (``/g/abc``)."""
        return f"{self.base_url}/{path.lstrip('/')}"

    @property
    def origin(self) -> str:
        return origin_of(self.base_url)

    def put(self, obj: SiteObject, *, step: str) -> None:
        params: PutObjectRequestTypeDef = {
            "Bucket": self.bucket,
            "Key": obj.key,
            "Body": obj.body,
            "ContentType": obj.content_type,
            "CacheControl": obj.cache_control,
        }
        if obj.content_disposition:
            params["ContentDisposition"] = obj.content_disposition
        try:
            self.s3.put_object(**params)
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, "S3 (site bucket)", step=step) from exc

    def delete(self, key: str, *, step: str) -> None:
        """Remove an object (no error when it is already gone: S3 deletes are idempotent)."""
        try:
            self.s3.delete_object(Bucket=self.bucket, Key=key)
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, "S3 (site bucket)", step=step) from exc

    def put_robots_txt(self, *, step: str) -> None:
        """Keep robots.txt telling crawlers to skip booking pages: written once per process
        (its content is fixed; every page publish writing it again was a request per page), and
        again only after a write failed."""
        with self._robots_lock:
            if self._robots_written:
                return
            self._write_robots_txt(step=step)
            self._robots_written = True

    def _write_robots_txt(self, *, step: str) -> None:
        self.put(
            SiteObject(
                key="robots.txt",
                body=ROBOTS_TXT.encode(),
                content_type="text/plain; charset=utf-8",
                cache_control="public, max-age=86400",
            ),
            step=step,
        )

    def invalidate(self, path_pattern: str, *, caller_reference: str, step: str) -> str | None:
        """One invalidation for ``path_pattern``; the same ``caller_reference`` is not repeated.

        CloudFront treats a repeated CallerReference with the same paths as the same invalidation,
        so a step retried after a crash does not queue a second one. Returns the invalidation id.
        """
        if not self.distribution_id or self.cloudfront is None:
            return None
        try:
            answer = self.cloudfront.create_invalidation(
                DistributionId=self.distribution_id,
                InvalidationBatch={
                    "Paths": {"Quantity": 1, "Items": [path_pattern]},
                    "CallerReference": caller_reference[:128],
                },
            )
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, "CloudFront", step=step) from exc
        return answer["Invalidation"]["Id"]
