"""JSON over HTTP for the downstream APIs: pooled, timed out, retried a little, errors classified.

One ``JsonHttp`` per process is enough: urllib3's pool manager is thread-safe and keeps
connections open per host. A call that fails is classified once, here, for every system:

* timeouts, connection errors, 429 and 5xx → ``TransientError`` (worth another try later);
* 401 / 403 → ``PermanentError("credentials rejected by <system>")``;
* any other 4xx → ``PermanentError`` carrying the response's own message.

Who retries: a short bounded retry inside the call (urllib3's ``Retry``: connection errors and
429/502/503/504, with backoff, Retry-After capped) absorbs a blip without a redelivery; anything
longer is the worker's job (``TransientError`` → the SQS message comes back after a backoff). A
read timeout is *not* retried in the call: a hung server would otherwise hold the worker for
several timeouts. Every call carries an ``Idempotency-Key``, so repeating one is safe.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    MaxRetryError,
    NewConnectionError,
    ReadTimeoutError,
)

from bookings import PermanentError, TransientError
from bookings.redact import redact

#: statuses retried inside one call (and, if they persist, by the worker)
RETRY_STATUSES = frozenset({429, 502, 503, 504})
#: longest error message we quote from a response (they end up in logs and DLQ attributes)
MAX_MESSAGE = 200


@dataclass(frozen=True)
class HttpPolicy:
    """Timeouts and the in-call retry budget. Defaults suit a worker with a 120 s visibility."""

    #: seconds to open a connection
    connect_timeout: float = 3.05
    #: seconds for the whole exchange, connect included; a hang is cut here
    timeout: float = 10.0
    #: retries inside one call for connection errors and 429/502/503/504 (0 = the worker retries)
    retries: int = 2
    #: exponential backoff between those retries: 0, 2x, 4x ... seconds (capped at 2 s)
    backoff_factor: float = 0.25
    #: a Retry-After longer than this is capped to it
    retry_after_max: int = 5
    #: connections kept open per host
    pool_size: int = 8

    def retry(self) -> urllib3.Retry:
        return urllib3.Retry(
            total=self.retries,
            connect=self.retries,
            read=0,
            status=self.retries,
            other=0,
            redirect=0,
            allowed_methods=None,  # every method: each call carries an Idempotency-Key
            status_forcelist=RETRY_STATUSES,
            backoff_factor=self.backoff_factor,
            backoff_max=2.0,
            retry_after_max=self.retry_after_max,
            raise_on_status=False,
            respect_retry_after_header=True,
        )


@dataclass(frozen=True)
class ApiResponse:
    """What an API answered: the status and the decoded JSON body (None when empty or not JSON)."""

    status: int
    body: Any
    #: the Location header of a redirect (followed only where a caller expects one)
    location: str | None = None

    def message(self, names: Sequence[str] = ()) -> str:
        """The response's own explanation, short enough to log, without contact details, quoted
        values or ``names`` (a system's error often quotes what it was sent)."""
        text = ""
        if isinstance(self.body, Mapping):
            for key in ("message", "error", "detail", "errorMessage"):
                value = self.body.get(key)
                if isinstance(value, str) and value:
                    text = value
                    break
        elif isinstance(self.body, str):
            text = self.body
        text = redact(" ".join(text.split())[: MAX_MESSAGE * 4], names)
        return text[:MAX_MESSAGE] or f"HTTP {self.status}"


def check(
    system: str, response: ApiResponse, action: str, *, names: Sequence[str] = ()
) -> ApiResponse:
    """Return a 2xx response; raise the error family its status belongs to otherwise. The error
    quotes the response's message, masked (``names``: the booking's, to leave out)."""
    status = response.status
    if 200 <= status < 300:
        return response
    where = f"{system} {action}"
    if status in (401, 403):
        raise PermanentError(f"credentials rejected by {system} ({where}: HTTP {status})")
    if status == 429 or status >= 500:
        raise TransientError(f"{where}: HTTP {status}: {response.message(names)}")
    raise PermanentError(f"{where}: HTTP {status}: {response.message(names)}")


def decode_body(data: bytes) -> Any:
    """JSON when it is JSON, else the text; None when empty."""
    if not data:
        return None
    text = data.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


class JsonHttp:
    """A pooled urllib3 client that speaks JSON and raises charterhand's error families."""

    def __init__(
        self, policy: HttpPolicy | None = None, pool: urllib3.PoolManager | None = None
    ) -> None:
        self.policy = policy or HttpPolicy()
        self._pool = pool or urllib3.PoolManager(
            maxsize=self.policy.pool_size,
            block=False,
            retries=self.policy.retry(),
            timeout=urllib3.Timeout(total=self.policy.timeout, connect=self.policy.connect_timeout),
            headers={"User-Agent": "charterhand/0.1", "Accept": "application/json"},
        )

    def request(
        self,
        system: str,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        body: Any = None,
        query: Mapping[str, str] | None = None,
    ) -> ApiResponse:
        """Send one request; return the response whatever its status, or raise for no response.

        Transport failures (timeouts, refused or dropped connections) become ``TransientError``
        naming the system; the caller classifies the status with :func:`check`.
        """
        if query:
            url = f"{url}?{urlencode(query)}"
        data = None
        all_headers = dict(headers)
        if body is not None:
            data = json.dumps(body, separators=(",", ":")).encode()
            all_headers["Content-Type"] = "application/json"
        try:
            raw = self._pool.request(method, url, body=data, headers=all_headers, redirect=False)
        except MaxRetryError as exc:
            raise _transport_error(system, method, exc.reason or exc, self.policy) from exc
        except HTTPError as exc:
            raise _transport_error(system, method, exc, self.policy) from exc
        return ApiResponse(
            status=raw.status, body=decode_body(raw.data), location=raw.headers.get("Location")
        )

    def close(self) -> None:
        self._pool.clear()


def _transport_error(
    system: str, method: str, reason: Exception, policy: HttpPolicy
) -> TransientError:
    if isinstance(reason, NewConnectionError):  # checked first: urllib3 makes it a timeout too
        what = f"could not connect ({reason.__class__.__name__})"
    elif isinstance(reason, ConnectTimeoutError):
        what = f"connection timed out after {policy.connect_timeout:g} s"
    elif isinstance(reason, ReadTimeoutError | TimeoutError):
        what = f"no answer within {policy.timeout:g} s"
    else:
        what = f"could not reach it ({type(reason).__name__})"
    return TransientError(f"{system} {method}: {what}")
