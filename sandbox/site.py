"""The local site server: the site bucket (in moto's S3) served over HTTP as CloudFront serves it.

It applies the same ``/g/<slug>`` rewrite as ``infra/terraform/functions/guest-path-rewrite.js``
(both are tested against one table of requests), adds the ``X-Robots-Tag`` the distribution's
response headers policy adds, and answers a missing object as the distribution's custom error
response does: the site's own ``404.html`` with a 404 (a plain 404 while nobody has published it,
as CloudFront falls back to the origin's answer). So ``http://127.0.0.1:<port>/g/<slug>`` behaves
like the real site.
"""

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from botocore.exceptions import ClientError

from sandbox.loopback import LoopbackServer, QuietHandler

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import GetObjectOutputTypeDef

#: the CloudFront function's rule, kept identical (see the .js file)
GUEST_PATH = re.compile(r"/g/([a-z0-9-]{1,64})(/?|\.html|\.ics)")
#: where the function sends a malformed guest path: a key nobody writes (not a slug), so the
#: origin's "missing" becomes the friendly 404 page, one cache entry for every such path
NOT_FOUND_URI = "/g/.missing"
#: what the distribution's custom error response serves for the origin's 403 and 404
ERROR_PAGE_KEY = "404.html"
PRIVATE_PREFIXES = ("g/", "crew/")


@dataclass(frozen=True)
class Rewritten:
    """What the viewer-request function decided: the URI to fetch."""

    uri: str


def rewrite(uri: str) -> Rewritten:
    """The guest-path rewrite, as the CloudFront function does it."""
    if not uri.startswith("/g/"):
        return Rewritten(uri=uri)
    match = GUEST_PATH.fullmatch(uri)
    if match is None:
        return Rewritten(uri=NOT_FOUND_URI)
    if match[2] in ("", "/"):
        return Rewritten(uri=f"/g/{match[1]}.html")
    return Rewritten(uri=uri)


class SiteServer(LoopbackServer):
    """Serves one bucket through the rewrite; ``base_url`` once started."""

    def __init__(self, *, s3: "S3Client", bucket: str) -> None:
        self.s3 = s3
        self.bucket = bucket

    def handler_class(self) -> type[QuietHandler]:
        site = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                site.answer(self, head=False)

            def do_HEAD(self) -> None:
                site.answer(self, head=True)

        return Handler

    def answer(self, request: QuietHandler, *, head: bool) -> None:
        key = unquote(rewrite(urlsplit(request.path).path).uri).lstrip("/") or "index.html"
        status = 200
        try:
            obj = self._object(key)
            if obj is None:  # the custom error response: the site's own page, with a 404
                status, key, obj = 404, ERROR_PAGE_KEY, self._object(ERROR_PAGE_KEY)
        except ClientError:
            self._plain(request, 502, "The site bucket could not be read", head=head)
            return
        if obj is None:
            self._plain(request, 404, "Not found", head=head)
            return
        body = obj["Body"].read()
        request.send_response(status)
        request.send_header("Content-Type", obj.get("ContentType", "application/octet-stream"))
        request.send_header("Content-Length", str(len(body)))
        for header, field in (
            ("Cache-Control", "CacheControl"),
            ("Content-Disposition", "ContentDisposition"),
        ):
            value = obj.get(field)
            if isinstance(value, str):
                request.send_header(header, value)
        if key.startswith(PRIVATE_PREFIXES):
            request.send_header("X-Robots-Tag", "noindex, nofollow")
        request.send_header("X-Content-Type-Options", "nosniff")
        request.end_headers()
        if not head:
            request.wfile.write(body)

    def _object(self, key: str) -> "GetObjectOutputTypeDef | None":
        """The object at ``key``; None when it is missing (S3's 404; CloudFront sees a 403)."""
        try:
            return self.s3.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise

    @staticmethod
    def _plain(request: QuietHandler, status: int, text: str, *, head: bool) -> None:
        body = text.encode()
        request.send_response(status)
        request.send_header("Content-Type", "text/plain; charset=utf-8")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        if not head:
            request.wfile.write(body)
