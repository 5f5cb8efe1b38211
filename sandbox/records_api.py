"""A small REST records API on 127.0.0.1 that behaves like the real downstream systems do.

The sandbox calendar and SCC servers are this, with their own credential check, paths and fields.
What it does, as the real ones do (or as we document they must):

* checks the credential on every API call (401 without one, 403 with a wrong one);
* honours ``Idempotency-Key``: the same key and request replays the stored answer (header
  ``Idempotent-Replayed: true``) and creates nothing; the same key with another request is 422;
* stores what it receives with the ``X-Booking-Id`` header, and answers
  ``GET <collection>?booking_id=<key>`` with ``{"items": [...]}`` so a client can find a record an
  interrupted attempt made;
* update (``PUT`` replaces, ``PATCH`` merges) and cancel (``DELETE``; the record stays, marked
  ``cancelled``, so a person can see what happened; updating it then answers 410).

A person's hand in the system (what the audit must notice): :meth:`RecordsApi.delete_by_hand`
removes a record outright and :meth:`RecordsApi.edit_by_hand` changes its fields, as someone in
the system's own UI would (no API request is logged); ``reads = False`` makes the system one
without reads (every ``GET`` of the collection answers 405), as a system the audit cannot audit.

For tests and people, unauthenticated and loopback only: ``GET /_sandbox/state`` lists the records
and every request received; ``DELETE /_sandbox/records/<id>`` and ``PATCH /_sandbox/records/<id>``
(a JSON object of fields) are the hand deletion and edit; ``POST /_sandbox/faults`` queues faults
(``{"status": 503, "count": 2}`` or ``{"hang_seconds": 5, "count": 1, "method": "POST"}``; a hung
request is processed after the hang, like a slow server whose answer comes too late);
``DELETE /_sandbox/faults`` clears them.
"""

import json
import random
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, TypeVar
from urllib.parse import parse_qs, urlsplit

Json = dict[str, Any]
Answer = tuple[int, Any]


class ApiError(Exception):
    """An error answer: status and message, as JSON ``{"error": ..., "message": ...}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Request:
    """One API request as the sandbox sees it (headers lower-cased)."""

    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    body: bytes


@dataclass
class Fault:
    """What the next request meets instead of (or before) the real handler."""

    status: int | None = None
    hang_seconds: float = 0.0
    retry_after: int | None = None
    #: only a request with this method meets the fault (None: any)
    method: str | None = None


@dataclass
class FaultQueue:
    """Faults consumed one per API request, in order; thread-safe."""

    _queue: deque[Fault] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(
        self,
        count: int = 1,
        status: int = 503,
        retry_after: int | None = None,
        method: str | None = None,
    ) -> None:
        """The next ``count`` requests (with ``method``) answer ``status`` and change nothing."""
        fault = Fault(status=status, retry_after=retry_after, method=method)
        with self._lock:
            self._queue.extend(fault for _ in range(count))

    def hang(self, seconds: float, count: int = 1, method: str | None = None) -> None:
        """The next ``count`` requests (with ``method``) wait, then are processed normally."""
        with self._lock:
            self._queue.extend(Fault(hang_seconds=seconds, method=method) for _ in range(count))

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()

    def take(self, method: str) -> Fault | None:
        """The first queued fault this request meets, removed from the queue."""
        with self._lock:
            for fault in self._queue:
                if fault.method in (None, method):
                    self._queue.remove(fault)
                    return fault
            return None

    def __len__(self) -> int:
        with self._lock:
            return len(self._queue)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class RecordsApi:
    """One sandbox system: subclasses name the collection, the fields and the credential check."""

    #: the system's name, in answers
    system: ClassVar[str]
    #: the collection's path, e.g. ``/calendar``
    collection: ClassVar[str]
    #: field name → validator (returns an error message or None); all required on create
    fields: ClassVar[Mapping[str, Callable[[Any], str | None]]]
    #: fields that may be absent
    optional: ClassVar[frozenset[str]] = frozenset()
    #: verbs that update: PUT replaces the record's fields, PATCH merges them
    update_methods: ClassVar[frozenset[str]]
    #: prefix of the ids this system hands out
    id_prefix: ClassVar[str]

    def __init__(self) -> None:
        self.records: dict[str, Json] = {}
        self.requests: list[Json] = []
        self.faults = FaultQueue()
        #: every API request waits a uniformly random time in this range (seconds) before its
        #: answer, like a real system across a network (bench/latency.py); (0, 0): none
        self.latency: tuple[float, float] = (0.0, 0.0)
        #: whether the system answers reads (``GET``); False: 405, a system without reads
        self.reads = True
        self._idempotent: dict[str, tuple[str, Answer]] = {}
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._wait: Callable[[float], object] = self._stopping.wait
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- to override --------------------------------------------------------------------------
    def authenticate(self, headers: Mapping[str, str]) -> None:
        """Raise ApiError(401/403) unless the request carries the right credential."""
        raise NotImplementedError

    def extra_route(self, method: str, path: str, body: bytes) -> tuple[int, Json, Json] | None:
        """Routes beyond the collection (the calendar's Lambda invoke); None when not one."""
        return None

    # --- life cycle -----------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError(f"{self.system} sandbox is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> "RecordsApi":
        """Listen on 127.0.0.1 on a free port, serving from a background thread."""
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{self.system}-sandbox",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; a hung request is released at once."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # --- what a test or person reads --------------------------------------------------------------
    def state(self) -> Json:
        """A deep copy of the records and the request log."""
        with self._lock:
            state: Json = json.loads(
                json.dumps({"records": list(self.records.values()), "requests": self.requests})
            )
        return state

    def records_for(self, booking_id: str) -> list[Json]:
        with self._lock:
            return [dict(r) for r in self.records.values() if r["booking_id"] == booking_id]

    # --- a person's hand in the system ----------------------------------------------------------
    def delete_by_hand(self, record_id: str) -> None:
        """Remove a record outright, as a person deleting it in the system's UI (KeyError when
        there is none)."""
        with self._lock:
            del self.records[record_id]

    def edit_by_hand(self, record_id: str, **fields: Any) -> None:
        """Change a record's fields, as a person editing it in the system's UI (the system
        bumps its revision and time, as on any update)."""
        with self._lock:
            record = self.records[record_id]
            record.update(fields)
            record["revision"] += 1
            record["operations"].append("edited by hand")
            record["updated_at"] = _now()

    # --- the API --------------------------------------------------------------------------------
    def handle(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, Any, Json]:
        """Answer one request: (status, JSON body, extra headers)."""
        url = urlsplit(target)
        if url.path.startswith("/_sandbox/"):
            return self._control(method, url.path, body)
        extra = self.extra_route(method, url.path, body)
        if extra is not None:
            return extra
        request = Request(method, url.path, parse_qs(url.query), headers, body)
        return self.api(request, check_auth=True)

    def api(self, request: Request, *, check_auth: bool) -> tuple[int, Any, Json]:
        """The collection's API, after faults; ``check_auth`` False for IAM-authorised invokes."""
        log: Json = {
            "method": request.method,
            "path": request.path,
            "idempotency_key": request.headers.get("idempotency-key"),
            "booking_id": request.headers.get("x-booking-id"),
            "at": _now(),
        }
        extra_headers: Json = {}
        low, high = self.latency
        if high > 0:
            self._wait(random.uniform(low, high))  # noqa: S311 - a delay, not a secret
        fault = self.faults.take(request.method)
        try:
            if fault is not None and fault.hang_seconds:
                log["fault"] = f"hang {fault.hang_seconds:g}s"
                self._stopping.wait(fault.hang_seconds)
            if fault is not None and fault.status is not None:
                log["fault"] = f"status {fault.status}"
                if fault.retry_after is not None:
                    extra_headers["Retry-After"] = str(fault.retry_after)
                raise ApiError(fault.status, "injected fault")
            if check_auth:
                self.authenticate(request.headers)
            status, answer, replayed = self._idempotently(request)
            if replayed:
                extra_headers["Idempotent-Replayed"] = "true"
                log["replayed"] = True
        except ApiError as exc:
            status, answer = exc.status, {"error": self.system, "message": exc.message}
        log["status"] = status
        with self._lock:
            self.requests.append(log)
        return status, answer, extra_headers

    def _idempotently(self, request: Request) -> tuple[int, Any, bool]:
        key = request.headers.get("idempotency-key")
        if request.method == "GET" or not key:
            status, answer = self._route(request)
            return status, answer, False
        fingerprint = f"{request.method} {request.path} {request.body.decode(errors='replace')}"
        with self._lock:
            seen = self._idempotent.get(key)
            if seen is not None:
                if seen[0] != fingerprint:
                    raise ApiError(422, "Idempotency-Key reused with a different request")
                return seen[1][0], seen[1][1], True
            status, answer = self._route(request)
            if 200 <= status < 300:
                self._idempotent[key] = (fingerprint, (status, answer))
            return status, answer, False

    def _route(self, request: Request) -> Answer:
        method, path, body = request.method, request.path, request.body
        if method == "GET" and not self.reads:
            raise ApiError(405, f"{self.system} does not support reads")
        if path == self.collection:
            if method == "GET":
                wanted = request.query.get("booking_id", [None])[0]
                with self._lock:
                    items = [r for r in self.records.values() if wanted in (None, r["booking_id"])]
                return 200, {"items": items}
            if method == "POST":
                return self._create(_json_object(body), request.headers)
            raise ApiError(405, f"{method} not allowed on {path}")
        prefix = self.collection + "/"
        if path.startswith(prefix) and "/" not in path[len(prefix) :]:
            record_id = path[len(prefix) :]
            if method == "GET":
                return 200, dict(self._record(record_id))
            if method in self.update_methods:
                return self._update(record_id, method, _json_object(body))
            if method == "DELETE":
                return self._cancel(record_id)
            raise ApiError(405, f"{method} not allowed on {path}")
        raise ApiError(404, f"no route {method} {path}")

    def _validate(self, data: Json, *, partial: bool) -> Json:
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise ApiError(400, f"unknown field(s): {', '.join(unknown)}")
        if not partial:
            missing = sorted(set(self.fields) - set(data) - self.optional)
            if missing:
                raise ApiError(400, f"missing field(s): {', '.join(missing)}")
        for name, value in data.items():
            problem = self.fields[name](value)
            if problem:
                raise ApiError(400, f"{name} {problem}")
        return data

    def _create(self, data: Json, headers: Mapping[str, str]) -> Answer:
        self._validate(data, partial=False)
        booking_id = headers.get("x-booking-id")
        if not booking_id:
            raise ApiError(400, "X-Booking-Id header is required")
        record_id = f"{self.id_prefix}{uuid.uuid4().hex[:12]}"
        now = _now()
        record = {
            "id": record_id,
            "booking_id": booking_id,
            "status": "active",
            "revision": 1,
            "operations": ["create"],
            "created_at": now,
            "updated_at": now,
            **data,
        }
        with self._lock:
            self.records[record_id] = record
        return 201, dict(record)

    def _record(self, record_id: str) -> Json:
        with self._lock:
            record = self.records.get(record_id)
            if record is None:
                raise ApiError(404, f"no {self.system} record {record_id}")
            return record

    def _update(self, record_id: str, method: str, data: Json) -> Answer:
        self._validate(data, partial=method == "PATCH")
        with self._lock:
            record = self._record(record_id)
            if record["status"] == "cancelled":
                raise ApiError(410, f"{self.system} record {record_id} was cancelled")
            if method == "PUT":
                for name in self.optional:
                    record.pop(name, None)
            record.update(data)
            record["revision"] += 1
            record["operations"].append("update")
            record["updated_at"] = _now()
            return 200, dict(record)

    def _cancel(self, record_id: str) -> Answer:
        with self._lock:
            record = self._record(record_id)
            if record["status"] == "cancelled":
                raise ApiError(410, f"{self.system} record {record_id} was already cancelled")
            record["status"] = "cancelled"
            record["operations"].append("cancel")
            record["updated_at"] = _now()
            return 200, dict(record)

    def _control(self, method: str, path: str, body: bytes) -> tuple[int, Any, Json]:
        try:
            if path == "/_sandbox/state" and method == "GET":
                return 200, self.state(), {}
            if path == "/_sandbox/faults" and method == "POST":
                spec = _json_object(body)
                count = int(spec.get("count", 1))
                only = spec.get("method")
                if only is not None and not isinstance(only, str):
                    raise TypeError("method must be text")
                if "hang_seconds" in spec:
                    self.faults.hang(float(spec["hang_seconds"]), count, only)
                else:
                    retry_after = spec.get("retry_after")
                    self.faults.fail(
                        count,
                        int(spec.get("status", 503)),
                        None if retry_after is None else int(retry_after),
                        only,
                    )
                return 200, {"queued": len(self.faults)}, {}
            if path == "/_sandbox/faults" and method == "DELETE":
                self.faults.clear()
                return 200, {"queued": 0}, {}
            if path.startswith("/_sandbox/records/") and method in ("DELETE", "PATCH"):
                record_id = path.removeprefix("/_sandbox/records/")
                if method == "DELETE":
                    self.delete_by_hand(record_id)
                else:
                    self.edit_by_hand(record_id, **_json_object(body))
                return 200, {"by_hand": method.lower(), "id": record_id}, {}
        except KeyError:
            return 404, {"error": "sandbox", "message": "no such record"}, {}
        except ApiError as exc:
            return exc.status, {"error": "sandbox", "message": exc.message}, {}
        except (TypeError, ValueError) as exc:
            return 400, {"error": "sandbox", "message": f"bad fault: {exc}"}, {}
        return 404, {"error": "sandbox", "message": f"no route {method} {path}"}, {}


def _json_object(body: bytes) -> Json:
    try:
        data = json.loads(body or b"null")
    except ValueError as exc:
        raise ApiError(400, "body is not JSON") from exc
    if not isinstance(data, dict):
        raise ApiError(400, "body must be a JSON object")
    return data


def _handler_for(api: RecordsApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, so clients' connection pools are exercised
        #: buffer the answer and send it in one write: headers and body in separate writes meet
        #: Nagle and delayed ACK and cost ~40 ms per request on loopback
        wbufsize = 64 * 1024

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, answer, extra = api.handle(self.command, self.path, headers, body)
            data = b"" if answer is None else json.dumps(answer).encode()
            with suppress(BrokenPipeError, ConnectionResetError):  # the client gave up waiting
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in extra.items():
                    self.send_header(name, str(value))
                self.end_headers()
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            """Silent: request lines would carry booking ids, and headers credentials."""

    return Handler


T = TypeVar("T", bound=RecordsApi)


@contextmanager
def serving(api: T) -> Iterator[T]:
    """Run a sandbox for the length of a ``with`` block."""
    api.start()
    try:
        yield api
    finally:
        api.stop()


def is_text(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else "must be non-empty text"


def is_optional_text(value: Any) -> str | None:
    return None if value is None or isinstance(value, str) else "must be text"


def is_date(value: Any) -> str | None:
    try:
        datetime.strptime(value, "%Y-%m-%d")
    except (TypeError, ValueError):
        return "must be YYYY-MM-DD"
    return None


def is_time(value: Any) -> str | None:
    try:
        datetime.strptime(value, "%H:%M")
    except (TypeError, ValueError):
        return "must be HH:MM"
    return None


def is_id_list(value: Any) -> str | None:
    if isinstance(value, list) and all(isinstance(v, str) and v for v in value):
        return None
    return "must be a list of ids"
