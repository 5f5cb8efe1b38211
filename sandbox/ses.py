"""A stand-in for SES's answers and its event publishing, in front of moto's SES on 127.0.0.1.

moto's SES v2 accepts ``SendEmail`` but answers every call and publishes no events. Real SES
sometimes accepts an email and the answer never arrives (a 5xx after acceptance, a timeout, a
dropped connection), and it reports every email it accepted through the configuration set's
event destination (SNS → SQS). This server plays both parts for tests and the bench:

* every request is forwarded to moto unchanged (boto3 reaches it via ``AWS_ENDPOINT_URL_SESV2``);
* every email moto accepted is remembered (:attr:`accepted`: its message id, tags and the
  ``To`` / ``X-Charterhand-*`` headers), and, with ``events_queue_url``, SES-shaped ``Send`` and
  ``Delivery`` events (with ``mail.tags``) are published to that SQS queue, SNS-wrapped, as the
  configuration set's event destination would;
* faults on sends: ``lose_ratio`` / :meth:`lose_next` accept the email, then lose the answer
  (alternately a 500 ``InternalFailure`` and a dropped connection); :meth:`refuse_next` answers
  an error (500, or e.g. 429 throttling) *without* forwarding (SES never took it);
  :meth:`hold` accepts and holds every answer until :meth:`release` (a worker can be killed
  between SES's acceptance and its own record).
"""

import base64
import http.client
import json
import random
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

SEND_PATH = "/v2/email/outbound-emails"
EVENT_TYPES = ("Send", "Delivery")


@dataclass(frozen=True)
class Accepted:
    """One email moto's SES accepted, as the stand-in saw it go through."""

    message_id: str
    tags: dict[str, str]
    to: str
    booking: str
    kind: str
    #: the answer the sender got: ``ok``, ``500``, ``dropped`` or ``held``
    answer: str


@dataclass
class SesStandIn:
    upstream: str
    sqs: Any = None
    events_queue_url: str | None = None
    lose_ratio: float = 0.0
    seed: int = 0
    configuration_set: str = "charterhand"
    accepted: list[Accepted] = field(default_factory=list)
    refused: int = 0
    _lose: int = 0
    _refuse: int = 0
    _refusal: tuple[int, str] = (500, "InternalFailure")
    _holding: bool = False
    _flip: bool = False
    _released: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)  # noqa: S311 - fault injection, not crypto

    # --- life cycle ------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> "SesStandIn":
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True, name="ses").start()
        return self

    def stop(self) -> None:
        self._released.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # --- faults -------------------------------------------------------------------------------
    def lose_next(self, count: int = 1) -> None:
        with self._lock:
            self._lose += count

    def refuse_next(self, count: int = 1, status: int = 500, code: str = "InternalFailure") -> None:
        """The next ``count`` sends are answered ``status``/``code`` and never reach moto."""
        with self._lock:
            self._refuse += count
            self._refusal = (status, code)

    def hold(self) -> None:
        with self._lock:
            self._holding = True
            self._released.clear()

    def release(self) -> None:
        with self._lock:
            self._holding = False
        self._released.set()

    def sends_by_tag(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        with self._lock:
            for item in self.accepted:
                tag = item.tags.get("charterhand-send", "")
                counts[tag] = counts.get(tag, 0) + 1
        return counts

    # --- what happens to one send ----------------------------------------------------------
    def _fate(self) -> str:
        """refuse | lose | hold | ok, for the next send."""
        with self._lock:
            if self._refuse:
                self._refuse -= 1
                return "refuse"
            if self._holding:
                return "hold"
            if self._lose or self._random.random() < self.lose_ratio:
                self._lose = max(0, self._lose - 1)
                return "lose"
            return "ok"

    def _lost_answer(self) -> str:
        with self._lock:
            self._flip = not self._flip
            return "500" if self._flip else "dropped"

    def _accept(self, request: bytes, answer: bytes, fate: str) -> None:
        sent = json.loads(request or b"{}")
        message_id = json.loads(answer or b"{}").get("MessageId", "")
        raw = base64.b64decode(sent.get("Content", {}).get("Raw", {}).get("Data", ""))
        headers = BytesHeaderParser().parsebytes(raw)
        tags = {t["Name"]: t["Value"] for t in sent.get("EmailTags", [])}
        item = Accepted(
            message_id=message_id,
            tags=tags,
            to=str(headers.get("To", "")),
            booking=str(headers.get("X-Charterhand-Booking", "")),
            kind=str(headers.get("X-Charterhand-Kind", "")),
            answer=fate,
        )
        with self._lock:
            self.accepted.append(item)
        if self.sqs is not None and self.events_queue_url:
            for kind in EVENT_TYPES:
                self.sqs.send_message(
                    QueueUrl=self.events_queue_url,
                    MessageBody=json.dumps(self.notification(kind, item, sent)),
                )

    def notification(self, kind: str, item: Accepted, sent: dict[str, Any]) -> dict[str, Any]:
        """SES's event JSON for ``item``, in the SNS envelope its topic → queue delivers."""
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        tags = {name: [value] for name, value in item.tags.items()}
        tags["ses:configuration-set"] = [self.configuration_set]
        event = {
            "eventType": kind,
            "mail": {
                "timestamp": now,
                "source": sent.get("FromEmailAddress", ""),
                "messageId": item.message_id,
                "destination": [item.to],
                "headersTruncated": False,
                "tags": tags,
            },
            kind.lower(): {"timestamp": now} if kind != "Send" else {},
        }
        return {
            "Type": "Notification",
            "MessageId": str(uuid.uuid4()),
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:charterhand-ses-events",
            "Message": json.dumps(event),
            "Timestamp": now,
        }


def _handler(stand_in: SesStandIn) -> type[BaseHTTPRequestHandler]:
    upstream = urlsplit(stand_in.upstream)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            is_send = self.command == "POST" and self.path.split("?")[0] == SEND_PATH
            fate = stand_in._fate() if is_send else "ok"
            if fate == "refuse":
                with stand_in._lock:
                    stand_in.refused += 1
                status, code = stand_in._refusal
                self._answer(status, b'{"message":"injected"}', {"x-amzn-ErrorType": code})
                return
            status, headers, answer = self._forward(body)
            if is_send and status == 200:
                answered = {"lose": stand_in._lost_answer(), "hold": "held"}.get(fate, "ok")
                stand_in._accept(body, answer, answered)
                if answered == "held":
                    stand_in._released.wait()
                    answered = "dropped"
                if answered == "500":
                    error = {"x-amzn-ErrorType": "InternalFailure"}
                    self._answer(500, b'{"message":"injected after acceptance"}', error)
                    return
                if answered == "dropped":
                    self.close_connection = True
                    return
            self._answer(status, answer, headers)

        def _forward(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
            connection = http.client.HTTPConnection(
                upstream.hostname or "127.0.0.1", upstream.port, timeout=30
            )
            try:
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                connection.request(self.command, self.path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
                keep = {
                    k: v
                    for k, v in response.getheaders()
                    if k.lower() not in {"content-length", "connection", "transfer-encoding"}
                }
                return response.status, keep, data
            finally:
                connection.close()

        def _answer(self, status: int, data: bytes, headers: dict[str, str]) -> None:
            with suppress(BrokenPipeError, ConnectionResetError):
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if "content-type" not in {k.lower() for k in headers}:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            """Silent."""

    return Handler


@contextmanager
def serving(stand_in: SesStandIn) -> Iterator[SesStandIn]:
    stand_in.start()
    try:
        yield stand_in
    finally:
        stand_in.stop()
