"""Every message ends in exactly one outcome; this module says which, and carries it out on SQS.

| outcome     | SQS                                                                  |
| ----------- | -------------------------------------------------------------------- |
| done        | delete (the loop batches these: ``worker.deleting``)                 |
| ignored     | delete (the same)                                                    |
| retry       | visibility set to ``backoff_seconds(receive count)`` (jittered)      |
| retry (lease held elsewhere) | re-sent as a fresh message (delayed, jittered), old deleted |
| dead-letter | SendMessage to the DLQ (body unchanged, ``charterhand.*`` attributes), then delete |

A retry whose count reached ``max_receive_count`` becomes a dead-letter here, with its reason;
the queue's redrive policy (set higher) stays as the safety net for a worker that dies.

**Lease contention spends no retry budget.** SQS counts every receive, and so does the redrive
policy, so a message that merely waited for another worker's lease would, under a burst, run
out of receives and be dead-lettered (a cancellation so lost leaves the booking live). A
contention retry is therefore *re-sent* as a new message (receive count 1 again), carrying in
``charterhand.*`` attributes how many contention retries it had, how many receives it had spent
on real failures before (``prior_receives``: the worker's budget is that plus this copy's
receive count), and its first failure time; then the old copy is deleted. Sent before deleted: a
crash in between leaves two copies, which the worker deduplicates by email, never none. The
redrive safety net still catches a worker that dies on a message: each copy's own receives count.
Contention has no limit of its own: a lease always ends (given back, or expired after
``lease_seconds``), so waiting for it ends too.
"""

import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from aws.errors import classify
from bookings import CharterhandError, Waiting
from bookings.redact import mask
from worker.backoff import SQS_MAX_DELAY_SECONDS, Random, backoff_seconds

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

ATTRIBUTE_PREFIX = "charterhand."
#: contention retries so far (a re-sent message's attribute)
CONTENTION = ATTRIBUTE_PREFIX + "contention_retries"
#: receives spent on real failures by the copies before this one
PRIOR_RECEIVES = ATTRIBUTE_PREFIX + "prior_receives"
FIRST_FAILURE = ATTRIBUTE_PREFIX + "first_failure"


class Kind(StrEnum):
    DONE = "done"
    IGNORED = "ignored"
    RETRY = "retry"
    DEAD_LETTER = "dead-letter"


#: when one message carries several emails, the message takes the most urgent of their outcomes:
#: a retry may still succeed (and dead-letters what stays broken later), so it goes first
URGENCY = {Kind.IGNORED: 0, Kind.DONE: 1, Kind.DEAD_LETTER: 2, Kind.RETRY: 3}


@dataclass(frozen=True)
class Outcome:
    """What became of a message (or of one email in it), and why. Safe to log as is."""

    kind: Kind
    reason: str
    booking_key: str | None = None
    email_id: str | None = None
    step: str | None = None
    error_class: str | None = None
    #: a retry that only waits (another worker's lease, SES's report on a send: ``Waiting``),
    #: re-sent as a fresh message and spending no retry budget
    contention: bool = False

    @classmethod
    def of_error(cls, exc: CharterhandError, **context: Any) -> "Outcome":
        """Retry for a transient error, dead-letter for a permanent one."""
        return cls(
            kind=Kind.RETRY if exc.transient else Kind.DEAD_LETTER,
            reason=exc.reason,
            step=exc.step,
            error_class=type(exc).__name__,
            contention=isinstance(exc, Waiting),
            **context,
        )


def combine(outcomes: Iterable[Outcome]) -> Outcome:
    """One outcome for a message from those of its emails (the most urgent; reasons joined)."""
    items = list(outcomes)
    if not items:
        raise ValueError("no outcomes to combine")
    if len(items) == 1:
        return items[0]
    # a real failure before a lease contention: it is the one whose retry must spend budget
    top = max(items, key=lambda o: (URGENCY[o.kind], not o.contention))
    others = [o.reason for o in items if o is not top]
    return replace(top, reason=f"{top.reason} (and {len(others)} more: {'; '.join(others)})")


@dataclass(frozen=True)
class Received:
    """One SQS message as received, with what settling it needs."""

    message_id: str
    receipt_handle: str
    body: str
    receive_count: int = 1
    first_received_at: float | None = None
    sent_at: float | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_sqs(cls, message: Mapping[str, Any]) -> "Received":
        attrs = message.get("Attributes", {})
        return cls(
            message_id=message["MessageId"],
            receipt_handle=message["ReceiptHandle"],
            body=message.get("Body", ""),
            receive_count=int(attrs.get("ApproximateReceiveCount", "1")),
            first_received_at=_epoch_ms(attrs.get("ApproximateFirstReceiveTimestamp")),
            sent_at=_epoch_ms(attrs.get("SentTimestamp")),
            attributes={
                name: value["StringValue"]
                for name, value in message.get("MessageAttributes", {}).items()
                if "StringValue" in value
            },
        )

    @property
    def spent(self) -> int:
        """Receives spent on real failures, this copy's included: what the retry budget counts."""
        return self.receive_count + _count(self.attributes.get(PRIOR_RECEIVES))

    @property
    def contention_retries(self) -> int:
        return _count(self.attributes.get(CONTENTION))


class Settler:
    """Carries an outcome out on SQS. Builds its own client only when none is given."""

    def __init__(
        self,
        *,
        queue_url: str,
        dlq_url: str,
        max_receive_count: int,
        retry_base_seconds: int,
        retry_max_seconds: int,
        client: "SQSClient | None" = None,
        clock: Callable[[], float] = time.time,
        rand: Random = random.random,
    ) -> None:
        self.queue_url = queue_url
        self.dlq_url = dlq_url
        self.max_receive_count = max_receive_count
        self.retry_base_seconds = retry_base_seconds
        self.retry_max_seconds = retry_max_seconds
        self.client = client or boto3.client("sqs")
        self.clock = clock
        self.rand = rand

    def final(self, message: Received, outcome: Outcome) -> Outcome:
        """The outcome actually carried out: a retry past the budget is a dead-letter (never a
        retry for lease contention, which spends no budget)."""
        if (
            outcome.kind is Kind.RETRY
            and not outcome.contention
            and message.spent >= self.max_receive_count
        ):
            return replace(
                outcome,
                kind=Kind.DEAD_LETTER,
                reason=f"retries exhausted after {message.spent} receives: {outcome.reason}",
            )
        return outcome

    def settle(self, message: Received, outcome: Outcome) -> Outcome:
        """Carry out ``final(outcome)`` and return it. Raises a CharterhandError if SQS fails;
        the message then simply comes back after its visibility timeout."""
        outcome = self.final(message, outcome)
        if outcome.kind is Kind.RETRY and outcome.contention:
            self._resend(message)
            return outcome
        if outcome.kind is Kind.RETRY:
            delay = backoff_seconds(
                message.spent,
                base=self.retry_base_seconds,
                cap=self.retry_max_seconds,
                rand=self.rand,
            )
            self._call(
                "setting retry backoff",
                self.client.change_message_visibility,
                QueueUrl=self.queue_url,
                ReceiptHandle=message.receipt_handle,
                VisibilityTimeout=delay,
            )
            return outcome
        if outcome.kind is Kind.DEAD_LETTER:
            self._call(
                "sending to the dead-letter queue",
                self.client.send_message,
                QueueUrl=self.dlq_url,
                MessageBody=message.body,
                MessageAttributes={
                    ATTRIBUTE_PREFIX + name: {"DataType": "String", "StringValue": value}
                    for name, value in self.dead_letter_attributes(message, outcome).items()
                },
            )
        self._call(
            "deleting the message",
            self.client.delete_message,
            QueueUrl=self.queue_url,
            ReceiptHandle=message.receipt_handle,
        )
        return outcome

    def _resend(self, message: Received) -> None:
        """A contention retry: the same body as a fresh, delayed message, then the old deleted."""
        retries = message.contention_retries + 1
        delay = backoff_seconds(
            retries, base=self.retry_base_seconds, cap=self.retry_max_seconds, rand=self.rand
        )
        attributes = dict(message.attributes)
        attributes[CONTENTION] = str(retries)
        attributes[PRIOR_RECEIVES] = str(message.spent - 1)  # this receive was not a failure
        attributes[FIRST_FAILURE] = self._first_failure(message)
        self._call(
            "re-sending after lease contention",
            self.client.send_message,
            QueueUrl=self.queue_url,
            MessageBody=message.body,
            DelaySeconds=min(delay, SQS_MAX_DELAY_SECONDS),
            MessageAttributes={
                name: {"DataType": "String", "StringValue": value}
                for name, value in attributes.items()
            },
        )
        self._call(
            "deleting the message",
            self.client.delete_message,
            QueueUrl=self.queue_url,
            ReceiptHandle=message.receipt_handle,
        )

    def delete(self, messages: Sequence[Received]) -> dict[str, str]:
        """Delete up to ten settled messages in one request; returns ``{receipt handle: reason}``
        for those SQS refused. Raises a CharterhandError if the request itself fails."""
        if not messages:
            return {}
        if len(messages) > 10:
            raise ValueError("SQS deletes at most ten messages per request")
        response = self._call(
            "deleting messages",
            self.client.delete_message_batch,
            QueueUrl=self.queue_url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m.receipt_handle} for i, m in enumerate(messages)
            ],
        )
        return {
            messages[int(failed["Id"])].receipt_handle: "deleting the message: "
            + str(failed.get("Code", "error"))
            for failed in response.get("Failed", [])
        }

    def release(self, messages: Iterable[Received]) -> None:
        """Make messages visible again at once (shutting down without finishing them)."""
        batch = list(messages)
        for start in range(0, len(batch), 10):
            entries = [
                {"Id": str(i), "ReceiptHandle": m.receipt_handle, "VisibilityTimeout": 0}
                for i, m in enumerate(batch[start : start + 10])
            ]
            self._call(
                "releasing messages",
                self.client.change_message_visibility_batch,
                QueueUrl=self.queue_url,
                Entries=entries,
            )

    def extend(self, messages: Iterable[Received], seconds: int) -> None:
        """Keep messages hidden for another ``seconds`` while they are still in work."""
        batch = list(messages)
        for start in range(0, len(batch), 10):
            entries = [
                {"Id": str(i), "ReceiptHandle": m.receipt_handle, "VisibilityTimeout": seconds}
                for i, m in enumerate(batch[start : start + 10])
            ]
            self._call(
                "extending visibility",
                self.client.change_message_visibility_batch,
                QueueUrl=self.queue_url,
                Entries=entries,
            )

    def dead_letter_attributes(self, message: Received, outcome: Outcome) -> dict[str, str]:
        """docs/contracts.md's DLQ attributes (without the ``charterhand.`` prefix); the reason
        masked as the logs mask it (an address or phone number in a key or a quoted answer)."""
        attrs = {
            "reason": mask(outcome.reason)[:1000],
            "error_class": outcome.error_class or "",
            "step": outcome.step or "",
            "booking_id": outcome.booking_key or "",
            "first_failure": self._first_failure(message),
            "receive_count": str(message.spent),
        }
        if ATTRIBUTE_PREFIX + "replay_count" in message.attributes:
            attrs["replay_count"] = message.attributes[ATTRIBUTE_PREFIX + "replay_count"]
        return {name: value for name, value in attrs.items() if value}

    def _first_failure(self, message: Received) -> str:
        """Kept across replays; else the first receive when it failed before, else now."""
        kept = message.attributes.get(FIRST_FAILURE)
        if kept:
            return kept
        when = message.first_received_at if message.receive_count > 1 else None
        return datetime.fromtimestamp(when or self.clock(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _call(self, doing: str, method: Callable[..., Any], **kwargs: Any) -> Any:
        try:
            return method(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc, doing) from exc


def _count(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


def _epoch_ms(value: str | None) -> float | None:
    return int(value) / 1000 if value else None
