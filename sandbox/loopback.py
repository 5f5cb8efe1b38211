"""A stdlib HTTP server on 127.0.0.1 and a free port, in a background thread, for local servers."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


class QuietHandler(BaseHTTPRequestHandler):
    """Request handler that does not print a line per request to stderr."""

    def log_message(self, format: str, *args: object) -> None:
        return


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve ``handler`` on 127.0.0.1:<free port>; yields the base URL; stops on exit."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="loopback", daemon=True
    )
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield f"http://{host!s}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class LoopbackServer:
    """A local server: ``with server.running(): server.base_url``. Subclasses give the handler."""

    base_url = ""

    @contextmanager
    def running(self) -> Iterator[Self]:
        with serving(self.handler_class()) as base_url:
            self.base_url = base_url
            yield self

    def handler_class(self) -> type[QuietHandler]:
        raise NotImplementedError
