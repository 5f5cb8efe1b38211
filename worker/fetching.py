"""Raw emails from S3, read only within the process's byte budget (:mod:`worker.budget`).

The size comes from ``GetObject``'s ``ContentLength`` before a byte of the body is read. When
the budget has room, the body is read at once; when it has none, the response is closed (no
connection is held while waiting), the thread waits for the bytes, then fetches again.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import structlog
from botocore.exceptions import BotoCoreError, ClientError

from aws.errors import classify
from bookings import PermanentError, TransientError
from worker.budget import MIB, BudgetClosed, ByteBudget
from worker.decode import EmailRef

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = structlog.get_logger("charterhand.worker")

#: a raw email bigger than this is not a booking email (SES itself caps received mail at 40 MB)
MAX_EMAIL_BYTES = 40 * 1024 * 1024


class TooLarge(PermanentError):
    """An email this worker will never read: larger than SES allows, or than its memory budget."""


class RawEmails:
    """Reads raw emails for a process's message threads, holding their size in ``budget``."""

    def __init__(self, s3: "S3Client", budget: ByteBudget) -> None:
        self.s3 = s3
        self.budget = budget

    @contextmanager
    def held(self, ref: EmailRef) -> Iterator[bytes]:
        """The email's raw bytes, its size held in the budget until the block ends."""
        response, size = self._get(ref)
        if not self.budget.fits(size):
            response["Body"].close()
            raise TooLarge(
                f"{ref.where} is {size / MIB:.1f} MiB: more than this worker reads at once "
                f"({self.budget.total / MIB:.1f} MiB, set by its task's memory)",
                step="fetch",
            )
        if not self.budget.try_take(size):
            response["Body"].close()
            log.info("waiting for memory", where=ref.where, bytes=size, free=self.budget.free)
            try:
                self.budget.take(size)
            except BudgetClosed as exc:
                raise TransientError("stopping before the email was read", step="fetch") from exc
            try:
                response, size = self._get(ref, held=size)
            except BaseException:
                self.budget.give_back(size)
                raise
        try:
            yield self._read(ref, response)
        finally:
            self.budget.give_back(size)

    def _get(self, ref: EmailRef, held: int | None = None) -> tuple[Any, int]:
        """``GetObject``'s response (body not read yet) and the size it announces."""
        try:
            response = self.s3.get_object(Bucket=ref.bucket or "", Key=ref.key or "")
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc, f"reading {ref.where}", step="fetch") from exc
        size = int(response.get("ContentLength", 0))
        if size > MAX_EMAIL_BYTES:
            response["Body"].close()
            raise TooLarge(f"{ref.where} is larger than {MAX_EMAIL_BYTES} bytes", step="fetch")
        if held is not None and size != held:  # replaced while we waited: its size is not held
            response["Body"].close()
            raise TransientError(f"{ref.where} changed while waiting to read it", step="fetch")
        return response, size

    @staticmethod
    def _read(ref: EmailRef, response: Any) -> bytes:
        try:
            raw: bytes = response["Body"].read()
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc, f"reading {ref.where}", step="fetch") from exc
        return raw
