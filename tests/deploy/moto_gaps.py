"""moto's server with its gaps stood in for: the APIs terraform's AWS provider calls that moto
(5.2) lacks or answers in a shape the provider cannot read.

Why here and not in the ``*_override.tf``: an override file can change a resource's arguments but
not its type, so standing in for, say, ``aws_cloudfront_response_headers_policy`` there would mean
rewriting the distribution's references to it, i.e. changing the project's own configuration.
Standing in at the API instead keeps the root module applied unchanged: every resource in it is
created by the real provider through the real AWS API shape. Each :class:`Gap` below answers
exactly the calls of one moto gap and says which; every other request goes to moto untouched.
"""

import io
import json
import logging
import re
import threading
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

CF = "/2020-05-31"
CF_NS = "http://cloudfront.amazonaws.com/doc/2020-05-31/"
NOW = "2026-01-01T00:00:00.000Z"

Environ = dict[str, Any]
StartResponse = Callable[..., Any]


@dataclass
class Request:
    """What a gap needs to know about one request."""

    method: str
    path: str
    query: str
    target: str  # X-Amz-Target of JSON protocols, "" otherwise
    body: bytes


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)


Inner = Callable[[Request], Response]


class Gap:
    """One moto gap: ``answer`` returns a response for the calls it covers, None for the rest."""

    #: what moto lacks, as the report and the test list it
    covers: str = ""

    def answer(self, request: Request, inner: Inner) -> Response | None:
        raise NotImplementedError


def _xml(body: str, status: int = 200, etag: str | None = None) -> Response:
    headers = [("Content-Type", "text/xml")]
    if etag:
        headers.append(("ETag", etag))
    return Response(status, ('<?xml version="1.0" encoding="UTF-8"?>' + body).encode(), headers)


def _json(value: object, status: int = 200) -> Response:
    return Response(status, json.dumps(value).encode(), [("Content-Type", "application/json")])


# --- CloudFront --------------------------------------------------------------------------------

#: AWS's managed cache policies the module looks up by name (ids as AWS publishes them)
MANAGED_CACHE_POLICIES = {
    "Managed-CachingOptimized": ("658327ea-f89d-4fab-a63d-7e88639e58f6", 1, 86400, 31536000),
    "Managed-CachingDisabled": ("4135ea2d-6df8-44a3-9df3-4b5a84be39ad", 0, 0, 0),
}


def _cache_policy_xml(name: str) -> str:
    policy_id, min_ttl, default_ttl, max_ttl = MANAGED_CACHE_POLICIES[name]
    compress = "true" if max_ttl else "false"
    return (
        f"<CachePolicy><Id>{policy_id}</Id><LastModifiedTime>{NOW}</LastModifiedTime>"
        f"<CachePolicyConfig><Comment>{name}</Comment><Name>{name}</Name>"
        f"<DefaultTTL>{default_ttl}</DefaultTTL><MaxTTL>{max_ttl}</MaxTTL><MinTTL>{min_ttl}</MinTTL>"
        "<ParametersInCacheKeyAndForwardedToOrigin>"
        f"<EnableAcceptEncodingGzip>{compress}</EnableAcceptEncodingGzip>"
        f"<EnableAcceptEncodingBrotli>{compress}</EnableAcceptEncodingBrotli>"
        "<HeadersConfig><HeaderBehavior>none</HeaderBehavior></HeadersConfig>"
        "<CookiesConfig><CookieBehavior>none</CookieBehavior></CookiesConfig>"
        "<QueryStringsConfig><QueryStringBehavior>none</QueryStringBehavior></QueryStringsConfig>"
        "</ParametersInCacheKeyAndForwardedToOrigin></CachePolicyConfig></CachePolicy>"
    )


class ManagedCachePolicies(Gap):
    covers = "CloudFront ListCachePolicies / GetCachePolicy (moto has no cache-policy API)"

    def answer(self, request: Request, inner: Inner) -> Response | None:
        if request.method == "GET" and request.path == f"{CF}/cache-policy":
            items = "".join(
                f"<CachePolicySummary><Type>managed</Type>{_cache_policy_xml(n)}</CachePolicySummary>"
                for n in MANAGED_CACHE_POLICIES
            )
            count = len(MANAGED_CACHE_POLICIES)
            return _xml(
                f'<CachePolicyList xmlns="{CF_NS}"><MaxItems>100</MaxItems>'
                f"<Quantity>{count}</Quantity><Items>{items}</Items></CachePolicyList>"
            )
        match = re.fullmatch(rf"{CF}/cache-policy/([^/]+)", request.path)
        if request.method == "GET" and match:
            for name, (policy_id, *_) in MANAGED_CACHE_POLICIES.items():
                if policy_id == match[1]:
                    return _xml(
                        _cache_policy_xml(name).replace(
                            "<CachePolicy>", f'<CachePolicy xmlns="{CF_NS}">', 1
                        ),
                        etag="E1",
                    )
            return _xml("<Error><Code>NoSuchCachePolicy</Code></Error>", 404)
        return None


class ResponseHeadersPolicies(Gap):
    covers = "CloudFront Create/Get/Update/DeleteResponseHeadersPolicy (moto has no such API)"

    def __init__(self) -> None:
        self.configs: dict[str, str] = {}

    def _reply(self, policy_id: str, status: int = 200) -> Response:
        return _xml(
            f'<ResponseHeadersPolicy xmlns="{CF_NS}"><Id>{policy_id}</Id>'
            f"<LastModifiedTime>{NOW}</LastModifiedTime>{self.configs[policy_id]}"
            "</ResponseHeadersPolicy>",
            status,
            etag="E1",
        )

    def answer(self, request: Request, inner: Inner) -> Response | None:
        base = f"{CF}/response-headers-policy"
        if request.method == "POST" and request.path == base:
            policy_id = uuid.uuid4().hex[:14].upper()
            self.configs[policy_id] = _strip_declaration(request.body)
            return self._reply(policy_id, 201)
        match = re.fullmatch(rf"{base}/([^/]+)(/config)?", request.path)
        if not match:
            return None
        policy_id = match[1]
        if policy_id not in self.configs:
            return _xml("<Error><Code>NoSuchResponseHeadersPolicy</Code></Error>", 404)
        if request.method == "PUT":
            self.configs[policy_id] = _strip_declaration(request.body)
        if request.method == "DELETE":
            del self.configs[policy_id]
            return Response(204)
        if match[2]:
            return _xml(self.configs[policy_id], etag="E1")
        return self._reply(policy_id)


def _strip_declaration(body: bytes) -> str:
    text = body.decode()
    text = re.sub(r"^<\?xml[^>]*\?>", "", text.strip())
    return re.sub(r' xmlns="[^"]*"', "", text, count=1)


class PublishFunction(Gap):
    covers = "CloudFront PublishFunction (moto keeps functions in DEVELOPMENT only)"

    def answer(self, request: Request, inner: Inner) -> Response | None:
        match = re.fullmatch(rf"{CF}/function/([^/]+)/publish", request.path)
        if request.method != "POST" or not match:
            return None
        described = inner(Request("GET", f"{CF}/function/{match[1]}/describe", "", "", b""))
        if described.status != 200:
            return described
        text = described.body.decode().replace("<Stage>DEVELOPMENT</Stage>", "<Stage>LIVE</Stage>")
        text = text.replace("<Status>UNPUBLISHED</Status>", "<Status>UNASSOCIATED</Status>")
        return Response(200, text.encode(), [("Content-Type", "text/xml"), ("ETag", "E1")])


# --- SESv2 --------------------------------------------------------------------------------------

SES = "/v2/email"


def _epoch(value: object) -> object:
    """moto writes SESv2 timestamps as ISO strings; the API (and the provider) has epoch numbers."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT.*", value):
        from datetime import datetime

        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    return value


class SesV2Replies(Gap):
    covers = (
        "SESv2 Create/GetEmailIdentity and GetConfigurationSet replies the provider cannot read "
        "(timestamps as strings, SendingEnabled nested twice, the identity's configuration set "
        "dropped), and no MAIL FROM API (PutEmailIdentityMailFromAttributes)"
    )

    def __init__(self) -> None:
        self.identity_config_sets: dict[str, str] = {}
        self.mail_from: dict[str, dict[str, str]] = {}

    def answer(self, request: Request, inner: Inner) -> Response | None:
        if request.method == "POST" and request.path == f"{SES}/identities":
            sent = json.loads(request.body or b"{}")
            if sent.get("ConfigurationSetName"):
                self.identity_config_sets[sent["EmailIdentity"]] = sent["ConfigurationSetName"]
            return self._fixed(inner(request), None)
        match = re.fullmatch(rf"{SES}/identities/([^/]+)/mail-from", request.path)
        if match and request.method == "PUT":
            sent = json.loads(request.body or b"{}")
            self.mail_from[match[1]] = {
                "MailFromDomain": sent.get("MailFromDomain", ""),
                "MailFromDomainStatus": "SUCCESS",
                "BehaviorOnMxFailure": sent.get("BehaviorOnMxFailure", "USE_DEFAULT_VALUE"),
            }
            return _json({})
        match = re.fullmatch(rf"{SES}/identities/([^/]+)", request.path)
        if match and request.method == "GET":
            return self._fixed(inner(request), match[1])
        match = re.fullmatch(rf"{SES}/configuration-sets/([^/]+)", request.path)
        if match and request.method == "GET":
            return self._fixed(inner(request), None)
        return None

    def _fixed(self, response: Response, identity: str | None) -> Response:
        if response.status != 200 or not response.body:
            return response
        reply = json.loads(response.body)
        dkim = reply.get("DkimAttributes") or {}
        if "LastKeyGenerationTimestamp" in dkim:
            dkim["LastKeyGenerationTimestamp"] = _epoch(dkim["LastKeyGenerationTimestamp"])
        sending = reply.get("SendingOptions") or {}
        if isinstance(sending.get("SendingEnabled"), dict):
            sending["SendingEnabled"] = sending["SendingEnabled"]["SendingEnabled"]
        if identity is not None:
            reply["ConfigurationSetName"] = self.identity_config_sets.get(identity)
            if identity in self.mail_from:
                reply["MailFromAttributes"] = self.mail_from[identity]
        return _json(reply)


class SesV2UpdateOptions(Gap):
    covers = (
        "SESv2 updates moto has no API for (PutConfigurationSetTrackingOptions, "
        "PutConfigurationSetVdmOptions, TagResource): a second apply (tests/deploy/"
        "test_worker_lambda_on_terraform.py) sends them for the diffs applied.MOTO_PLAN_DIFF lists"
    )

    def answer(self, request: Request, inner: Inner) -> Response | None:
        options = rf"{SES}/configuration-sets/[^/]+/(tracking-options|vdm-options)"
        if request.method == "PUT" and re.fullmatch(options, request.path):
            return _json({})
        if request.method in ("POST", "DELETE") and request.path == f"{SES}/tags":
            return _json({})
        return None


class SesV2EventDestinations(Gap):
    covers = "SESv2 configuration-set event destinations (moto has no such API)"

    def __init__(self) -> None:
        self.destinations: dict[str, dict[str, dict[str, Any]]] = {}

    def answer(self, request: Request, inner: Inner) -> Response | None:
        match = re.fullmatch(
            rf"{SES}/configuration-sets/([^/]+)/event-destinations(?:/([^/]+))?", request.path
        )
        if not match:
            return None
        known = self.destinations.setdefault(match[1], {})
        if request.method == "POST":
            sent = json.loads(request.body)
            known[sent["EventDestinationName"]] = sent["EventDestination"]
        elif request.method == "PUT" and match[2]:
            known[match[2]] = json.loads(request.body)["EventDestination"]
        elif request.method == "DELETE" and match[2]:
            known.pop(match[2], None)
        elif request.method == "GET":
            return _json(
                {"EventDestinations": [{"Name": name, **dest} for name, dest in known.items()]}
            )
        return _json({})


# --- SQS and Application Auto Scaling (JSON protocols) ------------------------------------------


class RedriveAllowPolicy(Gap):
    covers = "SQS RedriveAllowPolicy (moto accepts it and never returns it)"

    def __init__(self) -> None:
        self.policies: dict[str, str] = {}

    def answer(self, request: Request, inner: Inner) -> Response | None:
        if request.target == "AmazonSQS.SetQueueAttributes":
            sent = json.loads(request.body)
            policy = sent.get("Attributes", {}).get("RedriveAllowPolicy")
            if policy is not None:
                self.policies[_queue_name(sent["QueueUrl"])] = policy
            return None
        if request.target == "AmazonSQS.GetQueueAttributes":
            sent = json.loads(request.body)
            policy = self.policies.get(_queue_name(sent["QueueUrl"]))
            wanted = sent.get("AttributeNames") or []
            if "RedriveAllowPolicy" not in wanted and ("All" not in wanted or policy is None):
                return None
            # moto refuses the name it does not know: ask for the rest, add the policy back
            sent["AttributeNames"] = [n for n in wanted if n != "RedriveAllowPolicy"] or [
                "QueueArn"
            ]
            body = json.dumps(sent).encode()
            response = inner(
                Request(request.method, request.path, request.query, request.target, body)
            )
            if response.status != 200:
                return response
            reply = json.loads(response.body)
            attributes = reply.setdefault("Attributes", {})
            if wanted == ["RedriveAllowPolicy"]:
                attributes.clear()
            if policy is not None:
                attributes["RedriveAllowPolicy"] = policy
            return _json(reply)
        return None


def _queue_name(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


class AutoscalingTags(Gap):
    covers = "Application Auto Scaling TagResource / ListTagsForResource (moto has neither)"

    def __init__(self) -> None:
        self.tags: dict[str, dict[str, str]] = {}

    def answer(self, request: Request, inner: Inner) -> Response | None:
        prefix = "AnyScaleFrontendService."
        if request.target == prefix + "RegisterScalableTarget":
            sent = json.loads(request.body)
            response = inner(request)
            arn = json.loads(response.body or b"{}").get("ScalableTargetARN")
            if arn and sent.get("Tags"):
                self.tags.setdefault(arn, {}).update(sent["Tags"])
            return response
        if request.target == prefix + "ListTagsForResource":
            arn = json.loads(request.body)["ResourceARN"]
            return _json({"Tags": self.tags.get(arn, {})})
        if request.target == prefix + "TagResource":
            sent = json.loads(request.body)
            self.tags.setdefault(sent["ResourceARN"], {}).update(sent.get("Tags", {}))
            return _json({})
        if request.target == prefix + "UntagResource":
            sent = json.loads(request.body)
            for key in sent.get("TagKeys", []):
                self.tags.get(sent["ResourceARN"], {}).pop(key, None)
            return _json({})
        return None


# --- S3 ----------------------------------------------------------------------------------------


class TlsOnlyDeny(Gap):
    covers = (
        "S3 bucket-policy Deny on aws:SecureTransport = false: moto ignores the condition and "
        "refuses every object request (on AWS the SDK speaks TLS, so the Deny never matches). "
        "moto is given the policy without that statement; GetBucketPolicy answers the whole one"
    )

    def __init__(self) -> None:
        self.policies: dict[str, bytes] = {}

    def answer(self, request: Request, inner: Inner) -> Response | None:
        match = re.fullmatch(r"/([^/]+)/?", request.path)
        if not match or not re.fullmatch(r"policy=?", request.query):
            return None
        bucket = match[1]
        if request.method == "PUT":
            policy = json.loads(request.body)
            kept = [s for s in _listed_statements(policy) if not _tls_only(s)]
            self.policies[bucket] = request.body
            body = json.dumps({**policy, "Statement": kept}).encode()
            return inner(Request(request.method, request.path, request.query, "", body))
        if request.method == "GET" and bucket in self.policies:
            return Response(200, self.policies[bucket], [("Content-Type", "application/json")])
        if request.method == "DELETE":
            self.policies.pop(bucket, None)
        return None


def _listed_statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    found = policy["Statement"]
    return [found] if isinstance(found, dict) else list(found)


def _tls_only(statement: dict[str, Any]) -> bool:
    condition = statement.get("Condition", {}).get("Bool", {})
    return statement.get("Effect") == "Deny" and condition.get("aws:SecureTransport") in (
        "false",
        ["false"],
    )


# --- the WSGI wrapper ----------------------------------------------------------------------------


class GapFilling:
    """moto's WSGI application with the gaps in front of it."""

    def __init__(self, moto_app: Any, gaps: Iterable[Gap]) -> None:
        self.moto_app = moto_app
        self.gaps = list(gaps)
        self.used: dict[str, int] = {}

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        request = Request(
            method=environ["REQUEST_METHOD"],
            path=environ.get("PATH_INFO", ""),
            query=environ.get("QUERY_STRING", ""),
            target=environ.get("HTTP_X_AMZ_TARGET", ""),
            body=body,
        )

        def inner(req: Request) -> Response:
            return self._call_moto(environ, req)

        for gap in self.gaps:
            response = gap.answer(request, inner)
            if response is not None:
                self.used[type(gap).__name__] = self.used.get(type(gap).__name__, 0) + 1
                start_response(f"{response.status} X", response.headers)
                return [response.body]
        response = self._call_moto(environ, request)
        start_response(f"{response.status} X", response.headers)
        return [response.body]

    def _call_moto(self, environ: Environ, request: Request) -> Response:
        env = dict(environ)
        env.update(
            {
                "REQUEST_METHOD": request.method,
                "PATH_INFO": request.path,
                "QUERY_STRING": request.query,
                "REQUEST_URI": request.path + (f"?{request.query}" if request.query else ""),
                "RAW_URI": request.path + (f"?{request.query}" if request.query else ""),
                "CONTENT_LENGTH": str(len(request.body)),
                "wsgi.input": io.BytesIO(request.body),
            }
        )
        for header in [h for h in env if h.startswith(("HTTP_CONTENT_MD5", "HTTP_X_AMZ_CHECKSUM"))]:
            del env[header]  # a stand-in may have changed the body its checksum was taken of
        captured: dict[str, Any] = {}

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            captured["status"] = int(status.split()[0])
            captured["headers"] = [(k, v) for k, v in headers if k.lower() != "content-length"]

        chunks = self.moto_app(env, start)
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close:
                close()
        return Response(captured["status"], body, captured["headers"])


def all_gaps() -> list[Gap]:
    return [
        ManagedCachePolicies(),
        ResponseHeadersPolicies(),
        PublishFunction(),
        SesV2Replies(),
        SesV2UpdateOptions(),
        SesV2EventDestinations(),
        RedriveAllowPolicy(),
        AutoscalingTags(),
        TlsOnlyDeny(),
    ]


@dataclass
class GapFillingMoto:
    endpoint_url: str
    app: GapFilling

    def configure(self, config: dict[str, Any]) -> None:
        """moto's own settings (``POST /moto-api/config``), e.g. Lambda without Docker."""
        request = urllib.request.Request(
            self.endpoint_url + "/moto-api/config", data=json.dumps(config).encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=10):
            pass


@contextmanager
def running_moto_with_gaps() -> Iterator[GapFillingMoto]:
    """moto on a free loopback port, its gaps stood in for."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    app = GapFilling(DomainDispatcherApplication(create_backend_app), all_gaps())
    server = make_server("127.0.0.1", 0, app, True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield GapFillingMoto(f"http://{host!s}:{port}", app)
    finally:
        server.shutdown()
        thread.join()
