"""The links API as a local HTTP server: each request becomes an API Gateway payload-v2 event for
the same handler the Lambda runs, and its response goes back as HTTP.
"""

import base64
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

from api.app import LinksApi
from sandbox.loopback import LoopbackServer, QuietHandler


def payload_v2_event(
    method: str, target: str, headers: list[tuple[str, str]], body: bytes, source_ip: str
) -> dict[str, Any]:
    """The event API Gateway's HTTP API would send for this request ($default stage and route)."""
    parts = urlsplit(target)
    merged: dict[str, str] = {}
    for name, value in headers:  # API Gateway joins repeated headers with commas
        key = name.lower()
        merged[key] = f"{merged[key]},{value}" if key in merged else value
    text_body = not body or _is_text(merged.get("content-type", ""))
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": parts.path,
        "rawQueryString": parts.query,
        "headers": merged,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": merged.get("host", "127.0.0.1"),
            "http": {
                "method": method,
                "path": parts.path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": merged.get("user-agent", ""),
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": "$default",
            "stage": "$default",
            "timeEpoch": int(time.time() * 1000),
        },
        "body": body.decode() if text_body else base64.b64encode(body).decode(),
        "isBase64Encoded": not text_body,
    }


def _is_text(content_type: str) -> bool:
    return content_type.startswith(("text/", "application/json", "application/x-www-form"))


class LinksApiServer(LoopbackServer):
    """Serves a ``LinksApi`` on 127.0.0.1; ``base_url`` once started."""

    def __init__(self, api: LinksApi) -> None:
        self.api = api

    def handler_class(self) -> type[QuietHandler]:
        api = self.api

        class Handler(QuietHandler):
            def _dispatch(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                event = payload_v2_event(
                    self.command,
                    self.path,
                    list(self.headers.items()),
                    body,
                    self.client_address[0],
                )
                result = api.handle(event)
                payload = result.get("body", "")
                data = (
                    base64.b64decode(payload)
                    if result.get("isBase64Encoded")
                    else str(payload).encode()
                )
                self.send_response(int(result["statusCode"]))
                for name, value in result.get("headers", {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_OPTIONS = do_HEAD = _dispatch

        return Handler
