"""The dead-letter queue as an operator sees it: list, select, replay, purge, export.

SQS has no "list messages": we receive with a short visibility timeout, look, and hand back what we
did not act on by setting its visibility to 0. moto does not implement ``StartMessageMoveTask``,
and a replay must mark each message (its replay count), so replay is receive → send to the main
queue → delete from the DLQ, in batches of ten, in that order: an interrupted replay can at worst
send a message twice (the worker deduplicates by email), never lose one.
"""

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aws.errors import DENIED_CODES, error_code, family
from bookings import PermanentError, TransientError
from worker.queue import FIRST_FAILURE, MAX_BATCH, REPLAY_COUNT, message_attributes, ours

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageAttributeValueTypeDef, MessageTypeDef


@dataclass(frozen=True)
class DeadLetter:
    """One message waiting in the DLQ, with what the worker wrote about why."""

    message_id: str
    receipt_handle: str
    body: str
    sent_at: datetime
    receive_count: int
    attributes: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_sqs(cls, message: "MessageTypeDef") -> "DeadLetter":
        system = message.get("Attributes", {})
        custom = ours(message.get("MessageAttributes", {}))
        sent_ms = int(system.get("SentTimestamp", "0"))
        receive_count = custom.get("receive_count") or system.get("ApproximateReceiveCount", "0")
        return cls(
            message_id=message["MessageId"],
            receipt_handle=message["ReceiptHandle"],
            body=message["Body"],
            sent_at=datetime.fromtimestamp(sent_ms / 1000, tz=UTC),
            receive_count=int(receive_count) if str(receive_count).isdigit() else 0,
            attributes=custom,
        )

    @property
    def reason(self) -> str:
        return self.attributes.get("reason", "(no reason recorded: dead-lettered by redrive)")

    @property
    def first_failure(self) -> datetime:
        """When it first failed; the DLQ send time when the worker recorded none."""
        recorded = self.attributes.get("first_failure")
        if recorded:
            try:
                return datetime.fromisoformat(recorded)
            except ValueError:
                pass
        return self.sent_at

    @property
    def booking_key(self) -> str:
        """The booking it was for ("" if none was known). Dead letters written before the
        attribute was named ``booking_key`` carry ``booking_id``; the DLQ keeps them 14 days."""
        return self.attributes.get("booking_key") or self.attributes.get("booking_id", "")

    @property
    def replay_count(self) -> int:
        value = self.attributes.get("replay_count", "0")
        return int(value) if value.isdigit() else 0

    def age(self, now: datetime) -> str:
        """``3d 4h``, ``12m``: how long it has been waiting."""
        seconds = max(0, int((now - self.sent_at).total_seconds()))
        days, rest = divmod(seconds, 86400)
        hours, rest = divmod(rest, 3600)
        minutes = rest // 60
        if days:
            return f"{days}d {hours}h"
        if hours:
            return f"{hours}h {minutes}m"
        return f"{minutes}m"

    def row(self, now: datetime) -> dict[str, str | int]:
        """What ``dlq ls`` shows, as plain values (also its ``--json`` shape)."""
        return {
            "id": self.message_id,
            "age": self.age(now),
            "sent_at": self.sent_at.isoformat(),
            "reason": self.reason,
            "error_class": self.attributes.get("error_class", ""),
            "step": self.attributes.get("step", ""),
            "booking_key": self.booking_key,
            "receive_count": self.receive_count,
            "replay_count": self.replay_count,
        }

    def export(self) -> dict[str, Any]:
        """Everything needed to put this message back on a queue, in this or another account."""
        return {
            "message_id": self.message_id,
            "body": self.body,
            "sent_at": self.sent_at.isoformat(),
            "attributes": dict(self.attributes),
        }


@dataclass(frozen=True)
class InboundLocation:
    """Where SES stores the mail it receives: the one place ``dlq show`` reads an email from.

    A dead letter's body is whatever reached the queue (anyone who may send to it can write
    one), so the bucket and key it names prove nothing: fetching them as they are would read
    any object the operator's credentials reach, and show it as if it were inbound mail.
    """

    bucket: str
    prefix: str

    def refusal(self, bucket: str | None, key: str | None) -> str | None:
        """Why ``s3://bucket/key`` is not to be fetched; None when it is inbound mail's place."""
        where = f"s3://{bucket}/{key}"
        if bucket != self.bucket:
            return f"{where} is not in the inbound bucket {self.bucket}: not fetched"
        if not key or not key.startswith(self.prefix) or key == self.prefix:
            inbound = f"s3://{self.bucket}/{self.prefix}"
            return f"{where} is outside the inbound prefix {inbound}: not fetched"
        return None


@dataclass(frozen=True)
class Selection:
    """Which dead letters an operator means; every given criterion must hold."""

    ids: frozenset[str] = frozenset()
    reason_contains: str | None = None
    since: datetime | None = None

    def matches(self, letter: DeadLetter) -> bool:
        if self.ids and letter.message_id not in self.ids:
            return False
        if self.reason_contains and self.reason_contains.lower() not in letter.reason.lower():
            return False
        return not (self.since and letter.first_failure < self.since)


@dataclass
class ReplaySummary:
    """What a replay did, for the closing line."""

    replayed: int = 0
    skipped: int = 0
    failed: list[str] = field(default_factory=list)
    #: the ids sent back (or, in a dry run, that would have been)
    replayed_ids: list[str] = field(default_factory=list)


def replay_attributes(letter: DeadLetter) -> dict[str, "MessageAttributeValueTypeDef"]:
    """The attributes a replayed message carries: its replay count, and its first failure time
    (the worker keeps it when the message is dead-lettered again, so a replay that fails again
    keeps when the trouble started)."""
    attrs = {
        REPLAY_COUNT: str(letter.replay_count + 1),
        FIRST_FAILURE: letter.first_failure.isoformat().replace("+00:00", "Z"),
    }
    recorded = letter.attributes.get("first_failure")
    if recorded:
        attrs[FIRST_FAILURE] = recorded  # exactly as the worker wrote it
    return message_attributes(attrs)


def explain_aws_error(exc: Exception, queue_url: str) -> Exception:
    """Turn botocore's errors into ours, with a reason an operator can act on.

    The family (retry or give up) is :func:`aws.errors.family`'s, as everywhere else; only the
    wording is the operator's.
    """
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

    if not isinstance(exc, BotoCoreError | ClientError):
        return exc
    kind = TransientError if family(exc) == "transient" else PermanentError
    if isinstance(exc, NoCredentialsError):
        return kind(
            "no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY"
        )
    if isinstance(exc, NoRegionError):
        return kind("no AWS region: set AWS_REGION")
    if isinstance(exc, BotoCoreError):
        return kind(f"cannot reach SQS: {exc}")
    code = error_code(exc)
    if "NonExistentQueue" in code or "QueueDoesNotExist" in code:
        return kind(f"queue does not exist: {queue_url}")
    if code in DENIED_CODES:
        return kind(f"access to {queue_url} denied: {code}")
    return kind(f"SQS error {code} on {queue_url}")


class DeadLetterQueue:
    """Operations on the DLQ, built with an SQS client and the two queue URLs."""

    def __init__(
        self, sqs: "SQSClient", *, dlq_url: str, queue_url: str, hold_seconds: int = 120
    ) -> None:
        """``hold_seconds``: how long a message stays hidden while a replay or purge handles it;
        if the process dies, that is how long until the message is visible in the DLQ again."""
        self._sqs = sqs
        self.dlq_url = dlq_url
        self.queue_url = queue_url
        self.hold_seconds = hold_seconds

    # -- reading ----------------------------------------------------------------------------

    def depth(self) -> int:
        """Approximate number of dead letters (visible + in flight)."""
        try:
            attrs = self._sqs.get_queue_attributes(
                QueueUrl=self.dlq_url,
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                ],
            )["Attributes"]
        except Exception as exc:
            raise explain_aws_error(exc, self.dlq_url) from exc
        return int(attrs["ApproximateNumberOfMessages"]) + int(
            attrs["ApproximateNumberOfMessagesNotVisible"]
        )

    def _receive(self, visibility: int) -> list[DeadLetter]:
        try:
            messages = self._sqs.receive_message(
                QueueUrl=self.dlq_url,
                MaxNumberOfMessages=MAX_BATCH,
                VisibilityTimeout=visibility,
                WaitTimeSeconds=0,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
        except Exception as exc:
            raise explain_aws_error(exc, self.dlq_url) from exc
        return [DeadLetter.from_sqs(m) for m in messages]

    def _scan(self, visibility: int, limit: int | None = None) -> Iterator[DeadLetter]:
        """Every dead letter once, each hidden for ``visibility`` s while the caller decides.

        Stops after two empty receives in a row (SQS samples servers, so one empty answer does
        not prove the queue is empty) or once ``limit`` letters were yielded.
        """
        seen: set[str] = set()
        empty = 0
        while empty < 2:
            batch = [
                letter for letter in self._receive(visibility) if letter.message_id not in seen
            ]
            empty = 0 if batch else empty + 1
            for letter in batch:
                seen.add(letter.message_id)
                yield letter
                if limit is not None and len(seen) >= limit:
                    return

    def return_to_queue(self, letters: Iterable[DeadLetter]) -> None:
        """Make letters visible again at once (what we looked at but did not act on)."""
        self._batched(
            letters,
            lambda entries: self._sqs.change_message_visibility_batch(
                QueueUrl=self.dlq_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": letter.receipt_handle, "VisibilityTimeout": 0}
                    for i, letter in enumerate(entries)
                ],
            ),
        )

    def browse(
        self, selection: Selection | None = None, limit: int | None = None
    ) -> list[DeadLetter]:
        """The dead letters (matching ``selection``), left in the queue, oldest first."""
        selection = selection or Selection()
        letters = list(self._scan(visibility=30))
        self.return_to_queue(letters)
        chosen = sorted((x for x in letters if selection.matches(x)), key=lambda x: x.sent_at)
        return chosen[:limit] if limit is not None else chosen

    def get(self, message_id: str) -> DeadLetter | None:
        found = self.browse(Selection(ids=frozenset({message_id})))
        return found[0] if found else None

    # -- acting -------------------------------------------------------------------------------

    def replay(
        self,
        selection: Selection,
        *,
        limit: int | None = None,
        dry_run: bool = False,
        progress: Callable[[int], object] = lambda n: None,
        parallel: int = 4,
    ) -> ReplaySummary:
        """Send matching letters back to the main queue, marked as replays, then delete them.

        Each batch is sent before it is deleted, so an interrupted replay loses nothing.
        ``parallel`` receive → send → delete loops share the work (SQS batches are ten at most,
        so one loop spends most of its time waiting on round trips).
        """
        summary = ReplaySummary()
        lock = threading.Lock()
        seen: set[str] = set()
        untouched: list[DeadLetter] = []
        in_flight = 0  # picked and being sent right now: counts against ``limit`` until sent

        def room(extra: int = 0) -> bool:
            return limit is None or summary.replayed + in_flight + extra < limit

        def choose(batch: list[DeadLetter]) -> tuple[int, list[DeadLetter]]:
            """(letters not seen before, those of them to replay); the rest are returned later."""
            nonlocal in_flight
            new = [letter for letter in batch if letter.message_id not in seen]
            untouched.extend(letter for letter in batch if letter.message_id in seen)
            seen.update(letter.message_id for letter in new)
            picked: list[DeadLetter] = []
            for letter in new:
                if selection.matches(letter) and room(len(picked)):
                    picked.append(letter)
                else:
                    untouched.append(letter)
                    summary.skipped += 1
            in_flight += len(picked)
            return len(new), picked

        def drain() -> None:
            nonlocal in_flight
            empty = 0
            while empty < 2 and room():
                batch = self._receive(self.hold_seconds)
                with lock:
                    new, picked = choose(batch)
                empty = 0 if new else empty + 1
                if picked:
                    sent, failed = (len(picked), []) if dry_run else self._replay_batch(picked)
                    with lock:
                        if dry_run:
                            untouched.extend(picked)  # shown, not sent: returned at the end
                        in_flight -= len(picked)
                        summary.replayed += sent
                        summary.failed.extend(failed)
                        summary.replayed_ids += [
                            letter.message_id
                            for letter in picked
                            if letter.message_id not in failed
                        ]
                    progress(len(picked))

        with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="replay") as pool:
            for future in [pool.submit(drain) for _ in range(parallel)]:
                future.result()  # the first error, if any, after every loop has stopped
        self.return_to_queue(untouched)
        return summary

    def _replay_batch(self, letters: list[DeadLetter]) -> tuple[int, list[str]]:
        """Send, then delete what was sent; (how many were sent, ids that failed to send)."""
        try:
            result = self._sqs.send_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {
                        "Id": str(i),
                        "MessageBody": letter.body,
                        "MessageAttributes": replay_attributes(letter),
                    }
                    for i, letter in enumerate(letters)
                ],
            )
        except Exception as exc:
            self.return_to_queue(letters)
            raise explain_aws_error(exc, self.queue_url) from exc
        sent = [letters[int(entry["Id"])] for entry in result.get("Successful", [])]
        unsent = [letters[int(entry["Id"])] for entry in result.get("Failed", [])]
        self.delete(sent)
        self.return_to_queue(unsent)
        return len(sent), [letter.message_id for letter in unsent]

    def delete(self, letters: Iterable[DeadLetter]) -> None:
        self._batched(
            letters,
            lambda entries: self._sqs.delete_message_batch(
                QueueUrl=self.dlq_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": letter.receipt_handle}
                    for i, letter in enumerate(entries)
                ],
            ),
        )

    def purge(self, selection: Selection) -> int:
        """Delete matching dead letters for good; returns how many."""
        doomed: list[DeadLetter] = []
        kept: list[DeadLetter] = []
        for letter in self._scan(visibility=self.hold_seconds):
            (doomed if selection.matches(letter) else kept).append(letter)
        self.delete(doomed)
        self.return_to_queue(kept)
        return len(doomed)

    def _batched(
        self, letters: Iterable[DeadLetter], call: Callable[[list[DeadLetter]], Any]
    ) -> None:
        chunk: list[DeadLetter] = []
        for letter in letters:
            chunk.append(letter)
            if len(chunk) == MAX_BATCH:
                self._call(call, chunk)
                chunk = []
        if chunk:
            self._call(call, chunk)

    def _call(self, call: Callable[[list[DeadLetter]], Any], chunk: list[DeadLetter]) -> None:
        try:
            call(chunk)
        except Exception as exc:
            raise explain_aws_error(exc, self.dlq_url) from exc
