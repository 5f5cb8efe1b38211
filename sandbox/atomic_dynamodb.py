"""A stand-in for DynamoDB's atomic conditional writes, in front of moto's server.

DynamoDB checks a write's condition and applies the write as one atomic step: of two writers
racing for the same conditional write, exactly one wins. moto's server does not: it checks, then
writes, with other requests' threads free to run in between, and two writers both won the same
conditional write about once in 30 races (tests/integration/test_local_dynamodb_atomic.py). The
state table's leases and fences rest on that guarantee, so the local stack gives it back by
running DynamoDB requests one at a time; every other service still runs concurrently.
See docs/local-stack.md.
"""

import threading
from collections.abc import Callable, Iterable
from typing import Any

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

#: the ``X-Amz-Target`` prefix of every DynamoDB (and DynamoDB Streams) request
DYNAMODB_TARGET = "DynamoDB"


class OneDynamoDBRequestAtATime:
    """WSGI middleware: DynamoDB requests run one at a time, whole (response body included)."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith(DYNAMODB_TARGET):
            return self.app(environ, start_response)
        with self._lock:
            response = self.app(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                close = getattr(response, "close", None)
                if close is not None:
                    close()
