"""Every AWS call a process makes, as JSON lines: who, which service and operation, on what.

Installed in a process (``install``) before any client exists, it registers a botocore
``provide-client-params`` hook on every client the process creates, whichever session made it,
so the composition root and the CLI stay as they are. Each line keeps only the parameters that
name the resource a call touches (queue URL, bucket and key, table, secret, distribution,
sender): what an IAM decision needs, and no message bodies or secret values.
"""

import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import botocore.session

#: where a process writes its calls, and as whom (``worker``, ``links_api``, ``operator``)
CALLS_ENV = "CHARTERHAND_TEST_AWS_CALLS"
PRINCIPAL_ENV = "CHARTERHAND_TEST_PRINCIPAL"

#: request parameters that name resources (or carry a condition key)
RESOURCE_PARAMS = (
    "QueueUrl",
    "Bucket",
    "Key",
    "TableName",
    "SecretId",
    "DistributionId",
    "FromEmailAddress",
    "ConfigurationSetName",
    "FunctionName",
    "TopicArn",
    "UUID",
)


@dataclass(frozen=True)
class Call:
    principal: str
    service: str
    operation: str
    region: str
    params: dict[str, Any]
    #: a presigned request: signed locally, sent (if ever) by someone else with these rights
    presigned: bool = False
    #: request context keys AWS adds for a service acting for us (aws:SourceArn, ...)
    context: dict[str, str] = field(default_factory=dict)


def _resource_params(params: dict[str, Any]) -> dict[str, Any]:
    kept = {k: params[k] for k in RESOURCE_PARAMS if k in params}
    items = params.get("TransactItems")
    if items:  # DynamoDB transactions: which kind of write on which table
        kept["TransactItems"] = [
            {kind: {"TableName": body["TableName"]}}
            for item in items
            for kind, body in item.items()
        ]
    if "RequestItems" in params:
        kept["RequestItems"] = sorted(params["RequestItems"])
    item = params.get("Key") or params.get("Item")
    if isinstance(item, dict) and isinstance(item.get("pk"), dict):  # dynamodb:LeadingKeys
        kept["LeadingKey"] = item["pk"].get("S")
    return kept


class CallRecorder:
    """Appends one JSON line per call to ``path``; one O_APPEND write per line."""

    def __init__(self, path: Path, principal: str) -> None:
        self.path = path
        self.principal = principal

    def __call__(
        self, params: dict[str, Any], model: Any, context: dict[str, Any] | None = None, **_: Any
    ) -> None:
        line = {
            "principal": self.principal,
            "service": model.service_model.service_name,
            "operation": model.name,
            "region": self._region,
            "params": _resource_params(params),
            "presigned": bool((context or {}).get("is_presign_request")),
        }
        self.write(line)

    _region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"

    def write(self, line: dict[str, Any]) -> None:
        data = (json.dumps(line, default=str) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)


_installed: list[CallRecorder] = []


def install(path: Path, principal: str) -> CallRecorder:
    """Record every call of every client created from now on in this process."""
    recorder = CallRecorder(path, principal)
    if not _installed:
        original = botocore.session.Session.create_client

        def create_client(self: botocore.session.Session, *args: Any, **kwargs: Any) -> Any:
            client = original(self, *args, **kwargs)
            client.meta.events.register("provide-client-params", _dispatch)
            return client

        botocore.session.Session.create_client = create_client  # type: ignore[method-assign]
    _installed[:] = [recorder]
    return recorder


def _dispatch(params: dict[str, Any], model: Any, **kwargs: Any) -> None:
    for recorder in _installed:
        recorder(params, model, **kwargs)


def install_from_env() -> None:
    """For subprocesses: record when ``CHARTERHAND_TEST_AWS_CALLS`` names a file."""
    path = os.environ.get(CALLS_ENV)
    if path:
        install(Path(path), os.environ.get(PRINCIPAL_ENV, "unknown"))


def append_call(path: Path, call: Call) -> None:
    """A call made by an AWS service for us (SES, SNS), which no process of ours can record."""
    CallRecorder(path, call.principal).write(asdict(call))


def read_calls(path: Path) -> Iterator[Call]:
    if not path.exists():
        return
    for line in path.read_text().splitlines():
        yield Call(**json.loads(line))
