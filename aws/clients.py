"""The one place AWS clients are built: one botocore ``Config`` for every service.

Endpoints come from boto3's own ``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_<SERVICE>`` variables
(the local stack and the tests point them at moto's server), credentials and region from boto3's
usual chain. Every client gets the same tuning, so a Secrets Manager read at start-up and an SQS
receive in the hot path time out, retry and pool alike:

* ``standard`` retry mode, 3 attempts, connect 5 s, read 30 s (above SQS's 20 s long poll);
* a connection pool sized for the worker's threads (boto3's default is 10);
* no client-side parameter validation: every request has a fixed shape built in one place and
  driven by the tests, the service still validates it (a ``ValidationException`` is permanent),
  and skipping the walk saves a few percent of each call's CPU.

What is left of a call's CPU is botocore's own and no setting here moves it (measured for issue
21): ``legacy`` or ``adaptive`` retries cost the same as ``standard`` (adaptive's rate limiter
would only add a client-side throttle), the endpoint ruleset is answered from botocore's cache
(keyed by region, endpoint URL, bucket or table, never by object key or item), and skipping S3's
default CRC32 checksums would save a few hundredths of a millisecond a call and lose the pages'
end-to-end integrity check, so they stay on.

The one deliberate exception is :data:`ONE_ATTEMPT`, for calls whose retry is a second effect in
the world (an SES send after a lost answer is a second email to a person): the caller passes it
and says why. A caller with its own deadline (the calendar's Lambda transport) merges its
timeouts the same way.

Every client comes from one boto3 session, built on first use: its loaded service models are
shared, so a client after the first of its kind costs milliseconds instead of a fresh session's
few hundred. botocore sessions are not safe to build clients from two threads at once, hence the
lock (the clients themselves are). Endpoint and region variables are read at each client's
creation; credentials once per process (botocore refreshes a role's credentials itself).
"""

import functools
import threading
from typing import TYPE_CHECKING, Any, Literal, overload

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_cloudfront import CloudFrontClient
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_ses import SESClient
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient

#: boto3's default pool; the worker raises it to its thread count
DEFAULT_POOL = 10
CONNECT_TIMEOUT_SECONDS = 5.0
#: above SQS's 20 s long poll, so a receive never times out before SQS answers
READ_TIMEOUT_SECONDS = 30.0
ATTEMPTS = 3

#: merge into :func:`client`'s config for calls that must never be repeated by the SDK
ONE_ATTEMPT = Config(retries={"mode": "standard", "total_max_attempts": 1})


def client_config(
    max_pool_connections: int = DEFAULT_POOL,
    *,
    connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
    read_timeout: float = READ_TIMEOUT_SECONDS,
    attempts: int = ATTEMPTS,
) -> Config:
    """The botocore configuration every charterhand client uses."""
    return Config(
        max_pool_connections=max_pool_connections,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"mode": "standard", "total_max_attempts": attempts},
        parameter_validation=False,
    )


@overload
def client(service: Literal["sqs"], config: Config | None = None) -> "SQSClient": ...
@overload
def client(service: Literal["s3"], config: Config | None = None) -> "S3Client": ...
@overload
def client(service: Literal["dynamodb"], config: Config | None = None) -> "DynamoDBClient": ...
@overload
def client(service: Literal["sesv2"], config: Config | None = None) -> "SESV2Client": ...
@overload
def client(
    service: Literal["secretsmanager"], config: Config | None = None
) -> "SecretsManagerClient": ...
@overload
def client(service: Literal["cloudfront"], config: Config | None = None) -> "CloudFrontClient": ...
@overload
def client(service: Literal["cloudwatch"], config: Config | None = None) -> "CloudWatchClient": ...
@overload
def client(service: Literal["lambda"], config: Config | None = None) -> "LambdaClient": ...
@overload
def client(service: Literal["sns"], config: Config | None = None) -> "SNSClient": ...
@overload
def client(service: Literal["ses"], config: Config | None = None) -> "SESClient": ...
def client(service: str, config: Config | None = None) -> Any:
    """A client for ``service`` with :func:`client_config`; ``config`` is merged over it (a
    bigger pool, :data:`ONE_ATTEMPT`, a caller's own timeouts)."""
    merged = client_config() if config is None else client_config().merge(config)
    with _SESSION_LOCK:
        return _session().client(service, config=merged)  # type: ignore[call-overload]


_SESSION_LOCK = threading.Lock()


@functools.cache
def _session() -> boto3.session.Session:
    """The process's one boto3 session (called with ``_SESSION_LOCK`` held)."""
    return boto3.session.Session()
