"""How a publisher reaches a JSON API: over HTTPS, or by invoking its Lambda directly.

Both transports take the same request (method, path, query, headers, JSON body) and give back the
same ``ApiResponse``, so the publisher's logic and the error classification are written once. The
Lambda transport wraps the request in an API Gateway (REST, payload 1.0) proxy event: the function
behind the API Gateway URL is the same function, so it understands the event unchanged, and IAM
replaces the token.
"""

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

import aws.clients
from aws.errors import translate
from bookings import PermanentError, TransientError
from publishers.transport.http import ApiResponse, HttpPolicy, JsonHttp, decode_body

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

#: gives the current credential each call (a secret provider: cached, rotated, never logged)
Credential = Callable[[], str]


@dataclass(frozen=True)
class ApiRequest:
    """One call to a downstream API, whichever transport carries it."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: Any = None
    query: Mapping[str, str] | None = None


class JsonApi(Protocol):
    """One downstream JSON API, whichever way it is reached."""

    #: the system's name in errors and logs: "calendar", "scc"
    system: str

    def call(self, request: ApiRequest) -> ApiResponse: ...


class HttpJsonApi:
    """A JSON API at ``base_url``; ``auth`` gives the headers that carry its credential."""

    def __init__(
        self,
        system: str,
        base_url: str,
        auth: Callable[[], Mapping[str, str]],
        http: JsonHttp | None = None,
    ) -> None:
        self.system = system
        self.base_url = base_url.rstrip("/")
        self._auth = auth
        self._http = http or JsonHttp()

    def call(self, request: ApiRequest) -> ApiResponse:
        return self._http.request(
            self.system,
            request.method,
            self.base_url + request.path,
            headers={**request.headers, **self._auth()},
            body=request.body,
            query=request.query,
        )


def bearer(credential: Credential) -> Callable[[], Mapping[str, str]]:
    """``Authorization: Bearer <key>`` from a credential provider."""
    return lambda: {"Authorization": f"Bearer {credential()}"}


def header(name: str, credential: Credential) -> Callable[[], Mapping[str, str]]:
    """A custom header carrying the credential (``X-Dashboard-Token``)."""
    return lambda: {name: credential()}


class LambdaProxyApi:
    """The same API reached by ``lambda:Invoke`` on its function (IAM auth, no token)."""

    def __init__(
        self,
        system: str,
        function_name: str,
        client: "LambdaClient | None" = None,
        policy: HttpPolicy | None = None,
    ) -> None:
        self.system = system
        self.function_name = function_name
        self._client = client or lambda_client(policy or HttpPolicy())

    def call(self, request: ApiRequest) -> ApiResponse:
        event = proxy_event(request)
        try:
            answer = self._client.invoke(
                FunctionName=self.function_name,
                InvocationType="RequestResponse",
                Payload=json.dumps(event).encode(),
            )
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, f"{self.system} Lambda {self.function_name}") from exc
        payload = decode_body(answer["Payload"].read())
        if answer.get("FunctionError"):
            # the function raised or timed out: its own failure, worth another try later
            detail = payload.get("errorMessage") if isinstance(payload, Mapping) else payload
            raise TransientError(f"{self.system} Lambda {self.function_name} failed: {detail}")
        return proxy_response(self.system, payload)


def lambda_config(policy: HttpPolicy) -> Config:
    """What the Lambda transport merges over the factory's config: the API's own timeouts, and
    ``policy.retries`` retries after the first attempt, as the HTTPS transport makes."""
    return Config(
        connect_timeout=policy.connect_timeout,
        read_timeout=policy.timeout,
        retries={"mode": "standard", "total_max_attempts": policy.retries + 1},
    )


def lambda_client(policy: HttpPolicy, config: Config | None = None) -> "LambdaClient":
    """A Lambda client from the one factory with ``policy``'s timeouts and retries; ``config``
    (a pool size) is merged under them."""
    own = lambda_config(policy)
    return aws.clients.client("lambda", own if config is None else config.merge(own))


def proxy_event(request: ApiRequest) -> dict[str, Any]:
    """An API Gateway REST proxy event (payload format 1.0) for one request."""
    method, path, body, query = request.method, request.path, request.body, request.query
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": dict(request.headers),
        "queryStringParameters": dict(query) if query else None,
        "body": None if body is None else json.dumps(body, separators=(",", ":")),
        "isBase64Encoded": False,
        "requestContext": {"httpMethod": method, "path": path, "stage": "direct"},
    }


def proxy_response(system: str, payload: Any) -> ApiResponse:
    """The ``ApiResponse`` inside a proxy integration's ``{statusCode, body}`` answer."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("statusCode"), int):
        # a function that does not speak the proxy contract will not start to on a retry
        raise PermanentError(
            f"{system} Lambda answered without a statusCode (got {type(payload).__name__})"
        )
    body = payload.get("body")
    return ApiResponse(
        status=payload["statusCode"],
        body=decode_body(body.encode()) if isinstance(body, str) else body,
    )
