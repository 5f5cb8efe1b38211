"""API Gateway HTTP API payload v2, in and out: the one shape the handler speaks.

The Lambda gets these events from API Gateway; the local server (``sandbox/links_api.py``) builds
the same events from plain HTTP requests, so both run exactly the same code.
"""

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

#: what ``Sec-Fetch-Site`` says when the request did not come from another site's page
OWN_FETCH_SITES = frozenset({"same-origin", "none"})


@dataclass(frozen=True)
class Request:
    """The parts of a payload-v2 event the API uses; header names are lower-case."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes = b""

    @classmethod
    def from_event(cls, event: Mapping[str, Any]) -> "Request":
        context = event.get("requestContext", {})
        http = context.get("http", {})
        path = str(event.get("rawPath") or http.get("path") or "/")
        stage = context.get("stage", "$default")
        if stage and stage != "$default" and path.startswith(f"/{stage}/"):
            path = path[len(stage) + 1 :]  # a named stage prefixes every path
        raw = event.get("body") or ""
        body = base64.b64decode(raw) if event.get("isBase64Encoded") else str(raw).encode()
        headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
        return cls(
            method=str(http.get("method", "GET")).upper(), path=path, headers=headers, body=body
        )

    def json(self) -> Any:
        """The body as JSON; ``ValueError`` when it is not, or is nested too deep to read.

        ``json.loads`` recurses once per nesting level, so a body of 100,000 ``[`` raises
        ``RecursionError``: a malformed request like any other, not a failure of ours.
        """
        try:
            return json.loads(self.body or b"null")
        except RecursionError as exc:
            raise ValueError("JSON nested too deep") from exc

    def is_cross_site(self) -> bool:
        """True when the browser says another site's page sent this request.

        ``Origin`` decides when it names an origin (ours is the one whose host is ``Host``). Pages
        with ``Referrer-Policy: no-referrer`` (ours) send ``Origin: null``, so then
        ``Sec-Fetch-Site`` decides. A client that sends neither (curl, an old browser) is not
        refused: it still needs the secret in the URL.
        """
        origin = self.headers.get("origin")
        if origin and origin != "null":
            return urlsplit(origin).netloc != self.headers.get("host")
        fetch_site = self.headers.get("sec-fetch-site")
        return fetch_site is not None and fetch_site not in OWN_FETCH_SITES


@dataclass(frozen=True)
class Response:
    """What the handler returns: status, headers and a text body."""

    status: int
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload: Any, **headers: str) -> "Response":
        return cls(
            status,
            json.dumps(payload),
            {"content-type": "application/json", "cache-control": "no-store", **headers},
        )

    @classmethod
    def html(cls, status: int, page: str) -> "Response":
        return cls(
            status,
            page,
            {
                "content-type": "text/html; charset=utf-8",
                "cache-control": "no-store",
                "x-robots-tag": "noindex, nofollow",
                "referrer-policy": "no-referrer",
                "x-content-type-options": "nosniff",
            },
        )

    def with_headers(self, headers: Mapping[str, str]) -> "Response":
        return Response(self.status, self.body, {**self.headers, **headers})

    def to_event(self) -> dict[str, Any]:
        """The payload-v2 response API Gateway expects."""
        return {
            "statusCode": self.status,
            "headers": self.headers,
            "body": self.body,
            "isBase64Encoded": False,
        }
