"""The one AWS error classifier: botocore's exceptions → our two families, retry or dead-letter.

Every caller that talks to AWS (the state table, SQS, S3, SES, Secrets Manager, Lambda,
CloudFront, the DLQ tools) settles a fault through :func:`family`, so one error code is never
transient in one module and permanent in another. The decision, in order:

1. a code in :data:`TRANSIENT_CODES` (throttling, "try again") → transient;
2. a code in :data:`PERMANENT_CODES` (denied, missing, invalid, rejected by SES) → permanent;
3. HTTP 429 or 5xx → transient;
4. **anything else is transient** (the documented default). An unknown code is retried, and the
   worker dead-letters it with its reason once its retry budget is spent: a wrong "transient"
   costs a few retries, a wrong "permanent" dead-letters a booking on the first blip of a code
   we had not met. (Status alone cannot decide a 4xx: DynamoDB throttles with 400, SQS with 403.)

botocore's own errors: a missing credential, region or parameter is permanent (configuration
no retry fixes); everything else (connection refused, timeouts, closed connections) transient.
Anything that is not a botocore error at all is transient too (same default, same reason).

Two wordings, one decision: :func:`classify` says what we were doing (``"reading booking state:
ThrottlingException"``), :func:`translate` names the system (``"credentials rejected by S3"``).
"""

from typing import Literal

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
    PartialCredentialsError,
    UnknownServiceError,
)

from bookings import CharterhandError, PermanentError, TransientError

Family = Literal["transient", "permanent"]

#: codes AWS services use for "slow down" or "try again" (some answer 400 or 403 with them)
TRANSIENT_CODES = frozenset(
    {
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
        "SlowDown",
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "LimitExceededException",
        "TransactionConflictException",
        "TooManyInvalidationsInProgress",
        "KMSThrottlingException",
        "EC2ThrottledException",
    }
)

#: codes that mean the credentials or permissions are wrong
DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "InvalidAccessKeyId",
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "UnrecognizedClientException",
        "ExpiredToken",
        "ExpiredTokenException",
        "403",
    }
)

#: codes that retrying the same request will not fix
PERMANENT_CODES = DENIED_CODES | frozenset(
    {
        # missing things
        "NoSuchKey",
        "NoSuchBucket",
        "NoSuchDistribution",
        "404",
        "NotFound",
        "NotFoundException",
        "ResourceNotFoundException",
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
        # requests that are wrong as sent
        "ValidationException",
        "ValidationError",
        "InvalidParameterValue",
        "InvalidParameterValueException",
        "InvalidParameterException",
        "InvalidRequestException",
        "InvalidArgument",
        "InvalidObjectState",
        "MalformedXML",
        "BadRequestException",
        "EntityTooLarge",
        "RequestEntityTooLargeException",
        "DecryptionFailure",
        "KMSAccessDeniedException",
        "KMSDisabledException",
        # SES refusing this message or this sender
        "MessageRejected",
        "MailFromDomainNotVerifiedException",
        "AccountSuspendedException",
        "SendingPausedException",
    }
)

#: botocore errors that are configuration, not weather
CONFIGURATION_ERRORS = (
    NoCredentialsError,
    PartialCredentialsError,
    NoRegionError,
    ParamValidationError,
    UnknownServiceError,
)


def error_code(exc: ClientError) -> str:
    """The AWS error code of a ``ClientError`` (``""`` when the answer had none)."""
    return str(exc.response.get("Error", {}).get("Code", ""))


def http_status(exc: ClientError) -> int:
    """The HTTP status of the failed answer (0 when unknown)."""
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)


def family(exc: BaseException) -> Family:
    """Retry or dead-letter: the decision every AWS caller shares (module docstring)."""
    if isinstance(exc, ClientError):
        code = error_code(exc)
        if code in TRANSIENT_CODES:
            return "transient"
        if code in PERMANENT_CODES:
            return "permanent"
        return "transient"  # 429, 5xx and every code we do not know: the documented default
    if isinstance(exc, CONFIGURATION_ERRORS):
        return "permanent"
    return "transient"


def _make(kind: Family, reason: str, step: str | None) -> CharterhandError:
    cls = TransientError if kind == "transient" else PermanentError
    return cls(reason, step=step)


def _what(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return error_code(exc) or f"HTTP {http_status(exc) or 'error'}"
    if isinstance(exc, BotoCoreError):
        return type(exc).__name__
    return f"unexpected {type(exc).__name__}"


def classify(exc: BaseException, doing: str, *, step: str | None = None) -> CharterhandError:
    """The error to raise (``from exc``) for a failed AWS call, saying what we were ``doing``."""
    return _make(family(exc), f"{doing}: {_what(exc)}", step)


def translate(exc: BaseException, system: str, *, step: str | None = None) -> CharterhandError:
    """The same decision as :func:`classify`, worded by the ``system`` that failed (what the
    publishers log and the DLQ shows)."""
    kind = family(exc)
    if isinstance(exc, ClientError):
        code = error_code(exc)
        if code in DENIED_CODES or (http_status(exc) in (401, 403) and kind == "permanent"):
            return _make(kind, f"credentials rejected by {system} ({code})", step)
        if kind == "transient":
            return _make(kind, f"{system} is unavailable or throttling ({code})", step)
        message = exc.response.get("Error", {}).get("Message") or code
        return _make(kind, f"{system} refused the request: {code}: {message}", step)
    if isinstance(exc, CONFIGURATION_ERRORS):
        return _make(kind, f"{system} is not configured: {exc}", step)
    if isinstance(exc, BotoCoreError):
        return _make(kind, f"{system} could not be reached ({type(exc).__name__})", step)
    return _make(kind, f"{system} call failed: {type(exc).__name__}: {exc}", step)
