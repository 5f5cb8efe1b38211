"""botocore's exceptions → our two families, so every caller settles AWS faults the same way."""

from botocore.exceptions import BotoCoreError, ClientError

from bookings import CharterhandError, PermanentError, TransientError

#: error codes that retrying the same request will not fix
PERMANENT_CODES = frozenset(
    {
        "NoSuchKey",
        "NoSuchBucket",
        "404",
        "NotFound",
        "AccessDenied",
        "AccessDeniedException",
        "403",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "UnrecognizedClientException",
        "ResourceNotFoundException",
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
        "ValidationException",
        "InvalidObjectState",
    }
)


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def classify(exc: Exception, doing: str, *, step: str | None = None) -> CharterhandError:
    """The family member for a failed AWS call; ``doing`` says what we were doing, for the log."""
    if isinstance(exc, ClientError):
        code = error_code(exc)
        if code in PERMANENT_CODES:
            return PermanentError(f"{doing}: {code}", step=step)
        return TransientError(f"{doing}: {code or 'error'}", step=step)
    if isinstance(exc, BotoCoreError):  # connection refused, timeouts, ...
        return TransientError(f"{doing}: {type(exc).__name__}", step=step)
    return TransientError(f"{doing}: unexpected {type(exc).__name__}", step=step)
