"""boto3 failures, sorted into our two error families: retry or dead-letter."""

from botocore.exceptions import BotoCoreError, ClientError

from bookings import CharterhandError, PermanentError, TransientError

#: error codes AWS services use for "slow down" or "try again"
TRANSIENT_CODES = frozenset(
    {
        "InternalError",
        "InternalFailure",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "RequestTimeout",
        "ServiceUnavailable",
        "SlowDown",
        "Throttling",
        "ThrottlingException",
        "TooManyInvalidationsInProgress",
        "TooManyRequestsException",
    }
)
DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "InvalidAccessKeyId", "SignatureDoesNotMatch"}
)


def translate(exc: Exception, system: str, *, step: str | None = None) -> CharterhandError:
    """The error to raise (``from exc``) for a failed call to ``system``."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
        if code in TRANSIENT_CODES or status == 429 or status >= 500:
            return TransientError(f"{system} is unavailable or throttling ({code})", step=step)
        if code in DENIED_CODES or status in (401, 403):
            return PermanentError(f"credentials rejected by {system}", step=step)
        message = error.get("Message") or code
        return PermanentError(f"{system} refused the request: {code}: {message}", step=step)
    if isinstance(exc, BotoCoreError):
        # connection refused, read timeout, endpoint unreachable: the network, not the request
        return TransientError(f"{system} could not be reached ({type(exc).__name__})", step=step)
    return PermanentError(f"{system} call failed: {type(exc).__name__}: {exc}", step=step)
