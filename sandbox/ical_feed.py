"""A sandbox of the platforms' iCal exports: a feed per boat and platform, as the audit reads them.

``GET /feeds/<token>/<boat>/<platform>.ics`` answers the calendar set with :meth:`IcalFeeds.put`
(text/calendar, an ``ETag``; ``304`` to a matching ``If-None-Match``), as a platform's "Export
iCal" link does. The token in the path stands for the secret part of a real export URL: a wrong
one is a 404. The demo publishes each live booking's span, one span no email told us of (the
missed booking it shows) and an owner's weekly block (which must not count as a booking).
"""

import hashlib
import secrets
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, unquote


@dataclass(frozen=True)
class FeedEvent:
    """One VEVENT: a timed span (UTC), an all-day one (``date``), or a weekly block."""

    uid: str
    start: datetime | date
    end: datetime | date
    summary: str = "Booked"
    weekly: bool = False

    def lines(self) -> list[str]:
        def value(name: str, when: datetime | date) -> str:
            if isinstance(when, datetime):
                return f"{name}:{when.astimezone(UTC):%Y%m%dT%H%M%SZ}"
            return f"{name};VALUE=DATE:{when:%Y%m%d}"

        lines = [
            "BEGIN:VEVENT",
            f"UID:{self.uid}",
            "DTSTAMP:20270101T000000Z",
            value("DTSTART", self.start),
            value("DTEND", self.end),
            f"SUMMARY:{self.summary}",
        ]
        if self.weekly:
            lines.append("RRULE:FREQ=WEEKLY")
        return [*lines, "END:VEVENT"]


def calendar(events: Sequence[FeedEvent], name: str) -> bytes:
    """An iCal export with ``events`` (CRLF line ends, as RFC 5545 writes them)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//charterhand sandbox//platform export//EN",
        f"X-WR-CALNAME:{name}",
    ]
    for event in events:
        lines += event.lines()
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


class IcalFeeds:
    """The feeds, served on 127.0.0.1 (a free port) while :meth:`running`."""

    def __init__(self, token: str | None = None) -> None:
        self.token = token or secrets.token_urlsafe(16)
        self._feeds: dict[tuple[str, str], bytes] = {}
        self._lock = threading.Lock()
        self.base_url = ""

    def put(self, boat: str, platform: str, events: Sequence[FeedEvent]) -> str:
        """Serve ``events`` as the boat's export on the platform; its URL."""
        with self._lock:
            self._feeds[(boat, platform)] = calendar(events, f"{boat} on {platform}")
        return self.url(boat, platform)

    def url(self, boat: str, platform: str) -> str:
        return f"{self.base_url}/feeds/{self.token}/{quote(boat)}/{platform}.ics"

    def _body(self, path: str) -> bytes | None:
        parts = path.split("?")[0].strip("/").split("/")
        if len(parts) != 4 or parts[0] != "feeds" or parts[1] != self.token:
            return None
        boat, name = unquote(parts[2]), parts[3]
        if not name.endswith(".ics"):
            return None
        with self._lock:
            return self._feeds.get((boat, name.removesuffix(".ics")))

    @contextmanager
    def running(self) -> Iterator["IcalFeeds"]:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        thread = threading.Thread(target=server.serve_forever, name="ical-feeds", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()


def _handler(feeds: IcalFeeds) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = feeds._body(self.path)
            if body is None:
                self.send_error(404)
                return
            etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler
