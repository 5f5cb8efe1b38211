"""moto's server on 127.0.0.1: a real HTTP endpoint speaking the AWS APIs, for tests and the demo.

Our code never knows it is talking to moto: it only sees ``AWS_ENDPOINT_URL``, which boto3 reads
itself. Nothing here patches our code in-process. One thing is added in front of moto: DynamoDB
requests run one at a time (:mod:`sandbox.atomic_dynamodb`), standing in for DynamoDB's atomic
conditional writes, which moto's server does not give under concurrent requests; and a
transaction rolls back only the items it names (:mod:`sandbox.moto_transactions`), not copies of
whole tables.

Served by werkzeug's threaded server (moto's own), which closes the connection after every answer.
AWS keeps connections open and botocore reuses them, so the benchmarks, which measure the worker's
CPU per booking as production spends it, serve the same app with keep-alive instead
(``running_moto(keep_alive=True)``: waitress, in the demo extra with the rest of the sandbox).
"""

import json
import logging
import os
import urllib.request
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass
from threading import Event, Thread
from typing import Any, cast

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

from sandbox.atomic_dynamodb import OneDynamoDBRequestAtATime
from sandbox.moto_transactions import roll_back_only_what_a_transaction_names

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


@dataclass(frozen=True)
class MotoServer:
    """A running moto server and how to reach it."""

    endpoint_url: str

    def env(self) -> dict[str, str]:
        """Environment for a process (ours or a child) that should talk to this server."""
        return {**FAKE_CREDENTIALS, "AWS_ENDPOINT_URL": self.endpoint_url}

    def reset(self) -> None:
        """Forget every resource: the next test starts from an empty account."""
        self._post("/moto-api/reset", b"")

    def enable_lambda_without_docker(self) -> None:
        """Lambda invoke echoes the payload instead of needing a Docker engine."""
        self._post("/moto-api/config", json.dumps({"lambda": {"use_docker": False}}).encode())

    def _post(self, path: str, body: bytes) -> None:
        url = self.endpoint_url + path
        request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 - loopback
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - loopback URL we built
            pass


@contextmanager
def running_moto(
    environ: MutableMapping[str, str] | None = None, *, keep_alive: bool = False
) -> Iterator[MotoServer]:
    """Start moto on a free loopback port; point ``environ`` (default: os.environ) at it.

    ``keep_alive``: connections stay open between requests, as AWS's do (the benchmarks)."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    roll_back_only_what_a_transaction_names()
    server: _AtomicDynamoDBMotoServer | _KeepAliveMotoServer = (
        _KeepAliveMotoServer() if keep_alive else _AtomicDynamoDBMotoServer()
    )
    host, port = server.start()
    moto = MotoServer(endpoint_url=f"http://{host}:{port}")
    target = os.environ if environ is None else environ
    saved = {key: target.get(key) for key in moto.env()}
    target.update(moto.env())
    try:
        yield moto
    finally:
        for key, value in saved.items():
            if value is None:
                target.pop(key, None)
            else:
                target[key] = value
        server.stop()


class _AtomicDynamoDBMotoServer:
    """moto's ``ThreadedMotoServer`` (the same app, handler and threaded werkzeug server) with
    DynamoDB requests serialised in front of it, standing in for DynamoDB's atomicity."""

    def __init__(self) -> None:
        self._server: BaseWSGIServer | None = None
        self._ready = Event()
        self._thread = Thread(target=self._serve, name="moto", daemon=True)

    def start(self) -> tuple[str, int]:
        """Serve on a free loopback port; returns (host, port)."""
        self._thread.start()
        self._ready.wait()
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
        self._thread.join()

    def _serve(self) -> None:
        app = OneDynamoDBRequestAtATime(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(
            "127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler
        )
        self._ready.set()
        self._server.serve_forever()


class _KeepAliveMotoServer:
    """The same app (DynamoDB serialised in front of moto) served by waitress, which keeps HTTP/1.1
    connections open: werkzeug's server answers every request with ``Connection: close``, so a
    client pays a TCP connect and close per request that it does not pay against AWS. waitress
    drops headers with an underscore in their name (moto's handler keeps them for S3 metadata,
    which the worker does not write), so the tests and the demo keep moto's own server."""

    #: threads answering requests: long polls (ReceiveMessage) hold one each while they wait
    THREADS = 32

    def __init__(self) -> None:
        from waitress.server import TcpWSGIServer  # only the benchmarks serve moto with it

        app = OneDynamoDBRequestAtATime(DomainDispatcherApplication(create_backend_app))
        #: every channel the server's loop watches: the loop ends once it is empty
        self._channels: dict[int, Any] = {}
        self._server = TcpWSGIServer(
            app, map=self._channels, host="127.0.0.1", port=0, threads=self.THREADS, ident="moto"
        )
        self._thread = Thread(target=self._server.run, name="moto", daemon=True)

    def start(self) -> tuple[str, int]:
        """Serve on a free loopback port; returns (host, port)."""
        self._thread.start()
        listening = self._server.socket
        assert listening is not None
        host, port = listening.getsockname()[:2]
        return str(host), int(port)

    def stop(self) -> None:
        from waitress import wasyncore

        channels = self._channels
        # closed on the loop's own thread (its trigger runs the thunk there), not under its
        # select; waitress's stubs call the trigger an int
        cast(Any, self._server).trigger.pull_trigger(lambda: wasyncore.close_all(channels))
        self._thread.join(timeout=10)
        self._server.task_dispatcher.shutdown()
