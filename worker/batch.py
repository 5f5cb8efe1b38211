"""A batch of messages handed in by a Lambda's SQS event source mapping, worked to their endings
by the same :class:`worker.process.MessageHandler`, :class:`worker.policy.RetryPolicy` and
:class:`worker.settling.Settler` as the loop's, on a queue that differs only in transport.

The mapping receives the messages itself and deletes, once the function returns, every one not
named in ``batchItemFailures`` (``ReportBatchItemFailures``). So on :class:`BatchQueue`:

| settling asks   | in a batch                                                               |
| --------------- | ------------------------------------------------------------------------ |
| delete          | nothing now: the message is left out of the failures, and SQS deletes it |
| change visibility | the same ChangeMessageVisibility on SQS (the retry's backoff), and the  |
|                 | message is reported failed, so SQS keeps it hidden for that long        |
| dead-letter     | the same SendMessage to the DLQ with ``charterhand.*`` attributes       |
| re-send         | the same SendMessage (a contention retry), then "delete" as above       |

Closed by default: a message is reported failed unless settling deleted it, so one whose
handling or settling failed in any way comes back after its visibility timeout, as in the loop.

**The DLQ limit.** Each final outcome is counted in the shared record as the loop counts it.
While the record says intake is stopped, no message of a batch is worked: each is hidden for
:data:`INTAKE_HOLD_SECONDS` and reported failed, the stop is reported (``on_intake_stopped``: the
``IntakeStopped`` metric, the alarm's), and ``on_stopped`` is called (the composition root
disables the function's event source mapping there, so the queue is left alone and no receive
count is spent; ``charterhand intake resume`` and then enabling the mapping again take
messages once more).
"""

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import structlog

from bookings import CharterhandError
from worker.loop import (
    STOPPED_ELSEWHERE,
    STOPPED_HERE,
    Handler,
    IntakeLimit,
    OutcomeHook,
    settled_fields,
)
from worker.outcomes import Outcome
from worker.policy import IntakeStop
from worker.queue import MessageQueue, Received
from worker.settling import Settler
from worker.tracebacks import where_it_failed

log = structlog.get_logger("charterhand.worker")

#: while intake is stopped, how long a batch's messages stay hidden (the event source mapping is
#: being disabled meanwhile; one receive each is spent at most once a period)
INTAKE_HOLD_SECONDS = 300


#: the system attributes the loop's receive asks for and :class:`Received` reads
_ATTRIBUTES = ("ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp", "SentTimestamp")


def received_from_record(record: Mapping[str, Any]) -> Received:
    """A Lambda SQS event record as :class:`Received` (the loop's ``Received.from_sqs`` shape:
    the record spells the same fields in camelCase)."""
    attrs = record.get("attributes", {})
    return Received.from_sqs(
        {
            "MessageId": record["messageId"],
            "ReceiptHandle": record["receiptHandle"],
            "Body": record.get("body", ""),
            "Attributes": {name: attrs[name] for name in _ATTRIBUTES if name in attrs},
            "MessageAttributes": {
                name: {"StringValue": value["stringValue"]}
                for name, value in record.get("messageAttributes", {}).items()
                if "stringValue" in value
            },
        }
    )


class BatchQueue:
    """:class:`~worker.queue.MessageQueue` for one batch: deletes are remembered (the event
    source mapping deletes what is not reported failed); everything else goes to ``sqs``, the
    loop's own queue. Receiving is the mapping's, not ours."""

    def __init__(self, sqs: MessageQueue) -> None:
        self.sqs = sqs
        self.deleted: set[str] = set()

    def receive(
        self, *, max_messages: int, wait_seconds: int, visibility_timeout: int
    ) -> list[Received]:
        raise NotImplementedError("a batch is handed in by the event source mapping")

    def delete(self, message: Received) -> None:
        self.deleted.add(message.receipt_handle)

    def delete_batch(self, messages: Sequence[Received]) -> dict[str, str]:
        self.deleted.update(m.receipt_handle for m in messages)
        return {}

    def change_visibility(self, message: Received, seconds: int) -> None:
        self.sqs.change_visibility(message, seconds)

    def change_visibility_batch(self, messages: Iterable[Received], seconds: int) -> None:
        self.sqs.change_visibility_batch(messages, seconds)

    def dead_letter(self, message: Received, attributes: Mapping[str, str]) -> None:
        self.sqs.dead_letter(message, attributes)

    def resend(self, message: Received, attributes: Mapping[str, str], delay_seconds: int) -> None:
        self.sqs.resend(message, attributes, delay_seconds)


@dataclass
class BatchWorker:
    """Works one event source mapping batch to its endings: the loop's ``_work``, per message,
    on the same handler, policy and settler; returns the ``batchItemFailures`` answer."""

    handler: Handler
    #: the loop's settler; each batch settles on a :class:`BatchQueue` over its queue
    settler: Settler
    threads: int = 1
    dlq_limit: IntakeLimit | None = None
    on_outcome: OutcomeHook | None = None
    on_intake_stopped: Callable[[IntakeStop], None] | None = None
    _pool: ThreadPoolExecutor = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max(1, self.threads), thread_name_prefix="msg")

    def work(
        self,
        records: Sequence[Mapping[str, Any]],
        *,
        on_stopped: Callable[[], None] | None = None,
    ) -> dict[str, list[dict[str, str]]]:
        """``{"batchItemFailures": [{"itemIdentifier": <messageId>}, ...]}`` for the messages
        SQS must keep (retried, held, or not settled). ``on_stopped``: intake is stopped, stop
        the messages coming (the composition root disables the event source mapping)."""
        messages = [received_from_record(r) for r in records]
        queue = BatchQueue(self.settler.queue)
        settler = Settler(queue, self.settler.policy, clock=self.settler.clock)
        stop = self.dlq_limit.stopped() if self.dlq_limit is not None else None
        if stop is not None:
            self._hold(messages, stop)
            self._report_stop(stop, STOPPED_ELSEWHERE, on_stopped)
        else:
            tripped = [s for s in self._pool.map(lambda m: self._work(settler, m), messages) if s]
            if tripped:
                self._report_stop(tripped[0], STOPPED_HERE, on_stopped)
        return {
            "batchItemFailures": [
                {"itemIdentifier": m.message_id}
                for m in messages
                if m.receipt_handle not in queue.deleted
            ]
        }

    def _work(self, settler: Settler, message: Received) -> IntakeStop | None:
        """The loop's ``_work`` for one message: decide, count, settle, log, report; the stop,
        when this message's count stopped intake."""
        started = time.perf_counter()
        stop = None
        try:
            outcome = settler.final(message, self.handler.handle(message))
            if self.dlq_limit is not None:
                stop = self.dlq_limit.observe(outcome)
            settler.settle(message, outcome)
        except CharterhandError as exc:  # the queue failed: reported failed, so it comes back
            log.warning("could not settle message", message_id=message.message_id, error=exc.reason)
            return stop
        except Exception as exc:  # never let one message fail the batch
            log.error(
                "unexpected error settling message",
                message_id=message.message_id,
                traceback=where_it_failed(exc),
            )
            return stop
        self._log(message, outcome, started)
        return stop

    def _log(self, message: Received, outcome: Outcome, started: float) -> None:
        fields = settled_fields(message, outcome, started)
        log.info("message settled", **fields)
        if self.on_outcome is not None:
            try:
                self.on_outcome(message, outcome)
            except Exception as exc:  # a hook never costs a message
                log.error("outcome hook failed", message_id=message.message_id, exc_info=exc)

    def _hold(self, messages: list[Received], stop: IntakeStop) -> None:
        """Intake is stopped: leave every message on the queue, hidden a while, unworked."""
        try:
            self.settler.queue.change_visibility_batch(messages, INTAKE_HOLD_SECONDS)
        except CharterhandError as exc:  # they come back after their visibility timeout
            log.warning("could not hold messages", error=exc.reason, messages=len(messages))

    def _report_stop(
        self, stop: IntakeStop, line: str, on_stopped: Callable[[], None] | None
    ) -> None:
        """The loop's error line and ``IntakeStopped``; then stop the messages coming."""
        log.error(
            line,
            reason_class=stop.reason_class.value,
            dead_letters=stop.count,
            window_seconds=stop.window_seconds,
        )
        hooks: list[Callable[[], None]] = []
        if self.on_intake_stopped is not None:
            hooks.append(lambda: self.on_intake_stopped(stop) if self.on_intake_stopped else None)
        if on_stopped is not None:
            hooks.append(on_stopped)
        for hook in hooks:
            try:
                hook()
            except Exception as exc:  # a broken hook changes nothing here
                log.error("intake-stopped hook failed", exc_info=exc)
