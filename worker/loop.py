"""The SQS loop: long-poll, work messages on a small thread pool, settle each one, stop cleanly.

``run()`` loops ``_run_once()`` until ``signal_shutdown()`` (arroyo's ``StreamProcessor``); tests
drive ``_run_once()`` directly. A heartbeat thread extends the visibility of messages still in
work, so a slow booking is never handed to a second worker. Messages done or ignored are deleted
in batches (:mod:`worker.deleting`), their thread free at once; with no other message in work the
batch goes at once instead of lingering for company. On shutdown the loop stops
receiving, gives in-flight messages until the deadline to finish, deletes what is settled, then
makes the rest visible again at once: nothing is lost, and nothing waits out a visibility timeout.
"""

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog
from botocore.exceptions import BotoCoreError, ClientError

from aws.errors import classify
from bookings import CharterhandError
from worker.deleting import DeleteBatcher, Settled
from worker.outcomes import Kind, Outcome, Received, Settler
from worker.process import MessageHandler
from worker.tracebacks import where_it_failed

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

log = structlog.get_logger("charterhand.worker")

#: outcomes whose message only needs deleting: those go out in batches
BATCH_DELETED = frozenset({Kind.DONE, Kind.IGNORED})

#: called once per settled message with its final outcome
OutcomeHook = Callable[[Received, Outcome], None]

#: SQS's largest receive batch
MAX_BATCH = 10
#: how long a done or ignored message may wait for others in work to be deleted with
DELETE_LINGER_SECONDS = 0.1


@dataclass
class _InFlight:
    message: Received
    extended_at: float


class Worker:
    """One worker process's loop. Build it with :func:`app.compose.build_worker`."""

    def __init__(
        self,
        *,
        sqs: "SQSClient",
        queue_url: str,
        handler: MessageHandler,
        settler: Settler,
        threads: int,
        visibility_timeout_seconds: int,
        poll_wait_seconds: int,
        shutdown_deadline_seconds: float,
        delete_linger_seconds: float = DELETE_LINGER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        on_outcome: "OutcomeHook | None" = None,
        companions: Sequence[Callable[[threading.Event], None]] = (),
    ) -> None:
        """``on_outcome`` is called once per settled message, after it is logged (metrics; the
        demo). A message not settled comes back, and is counted when it is. ``companions``: loops
        that live as long as ``run()`` (the SES event consumer), each on its own daemon thread,
        given the event that tells them to stop."""
        self.sqs = sqs
        self.queue_url = queue_url
        self.handler = handler
        self.settler = settler
        self.threads = threads
        self.visibility_timeout_seconds = visibility_timeout_seconds
        self.poll_wait_seconds = poll_wait_seconds
        self.shutdown_deadline_seconds = shutdown_deadline_seconds
        self.clock = clock
        self.on_outcome = on_outcome
        #: the smallest receive: a thread's worth of messages
        self.batch = min(threads, MAX_BATCH)
        self.capacity = threads + self.batch
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="message")
        self._in_flight: dict[str, _InFlight] = {}
        self._futures: set[Future[None]] = set()
        self._lock = threading.Lock()
        #: notified whenever a message leaves the process (the loop may receive again)
        self._slot_freed = threading.Condition(self._lock)
        self._shutdown = threading.Event()
        self._heartbeat: threading.Thread | None = None
        self._companions = list(companions)
        self._companions_stop = threading.Event()
        self._deletes = DeleteBatcher(
            settler.delete, self._deleted, linger_seconds=delete_linger_seconds
        )

    # --- the loop ------------------------------------------------------------------------------

    def run(self, *, once: bool = False) -> None:
        """Receive and work messages until ``signal_shutdown()``; with ``once``, until the queue
        has nothing visible and nothing is in work."""
        self._start_heartbeat()
        for index, companion in enumerate(self._companions):
            threading.Thread(
                target=companion,
                args=(self._companions_stop,),
                name=f"companion-{index}",
                daemon=True,
            ).start()
        log.info("worker started", threads=self.threads, once=once)
        try:
            while not self._shutdown.is_set():
                received = self._run_once(
                    wait_seconds=min(self.poll_wait_seconds, 2) if once else None
                )
                if once and received == 0 and not self.in_flight and not self._deletes.pending:
                    break
        finally:
            self._stop()

    def signal_shutdown(self) -> None:
        """Stop receiving; ``run()`` then finishes or releases what is in flight and returns.
        Safe to call from a signal handler."""
        self._shutdown.set()

    def _run_once(self, *, wait_seconds: int | None = None) -> int:
        """Receive one batch and start working it; returns how many messages were received.

        Up to ``capacity`` messages are in the process at once: one per thread, plus as many again
        waiting for a thread (their visibility is extended like the rest), so receives come in
        batches instead of one message each time a thread frees up."""
        free = self.capacity - self.in_flight
        if free < self.batch:  # receive in batches, not one message at a time
            self._wait_for_slots()
            return 0
        try:
            response = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=min(free, MAX_BATCH),
                WaitTimeSeconds=self.poll_wait_seconds if wait_seconds is None else wait_seconds,
                VisibilityTimeout=self.visibility_timeout_seconds,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
        except (ClientError, BotoCoreError) as exc:
            error = classify(exc, "receiving messages")
            if not error.transient:
                raise error from exc  # a missing queue or rejected credentials: stop, loudly
            log.warning("receive failed; trying again", error=error.reason)
            self._shutdown.wait(1.0)
            return 0
        messages = [Received.from_sqs(m) for m in response.get("Messages", [])]
        if self._shutdown.is_set():
            self._release(messages)
            return len(messages)
        now = self.clock()
        with self._lock:
            for message in messages:
                self._in_flight[message.receipt_handle] = _InFlight(message, now)
                future = self._pool.submit(self._work, message)
                self._futures.add(future)
                future.add_done_callback(self._futures.discard)
        return len(messages)

    @property
    def in_flight(self) -> int:
        with self._lock:
            return len(self._in_flight)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is in work or waiting to be deleted; True if so within ``timeout``
        (for tests and --once)."""
        deadline = time.monotonic() + timeout
        return self._wait_for_work(timeout) and self._deletes.wait_empty(
            deadline - time.monotonic()
        )

    def _wait_for_work(self, timeout: float) -> bool:
        """Wait until no message is in a thread; True if so within ``timeout``."""
        with self._lock:
            futures = set(self._futures)
        _, not_done = wait(futures, timeout=timeout)
        return not not_done

    # --- one message ---------------------------------------------------------------------------

    def _work(self, message: Received) -> None:
        started = time.perf_counter()
        outcome: Outcome | None = None
        settled = handed_over = False
        try:
            outcome = self.settler.final(message, self.handler.handle(message))
            if outcome.kind in BATCH_DELETED:  # deleted with others; logged once deleted
                handed_over = self._deletes.add(Settled(message, outcome, started))
                if handed_over:
                    return
            outcome = self.settler.settle(message, outcome)
            settled = True
        except CharterhandError as exc:  # SQS itself failed: the message comes back on its own
            log.warning("could not settle message", message_id=message.message_id, error=exc.reason)
        except Exception as exc:  # never let one message kill the loop
            log.error(
                "unexpected error settling message",
                message_id=message.message_id,
                traceback=where_it_failed(exc),
            )
        finally:
            with self._lock:
                self._in_flight.pop(message.receipt_handle, None)
                self._slot_freed.notify()
                idle = not self._in_flight
            if idle:  # no message in work could join the waiting deletes: send them now
                self._deletes.flush()
        if outcome is not None and not handed_over:
            self._log_outcome(message, outcome, started, settled)

    def _deleted(self, batch: Sequence[Settled], refused: Mapping[str, str]) -> None:
        """The delete batcher's report: log each outcome, settled or not."""
        for item in batch:
            reason = refused.get(item.message.receipt_handle)
            if reason is not None:
                log.warning(
                    "could not settle message", message_id=item.message.message_id, error=reason
                )
            self._log_outcome(item.message, item.outcome, item.started, settled=reason is None)

    def _log_outcome(
        self, message: Received, outcome: Outcome, started: float, settled: bool
    ) -> None:
        fields = {
            "message_id": message.message_id,
            "booking_id": outcome.booking_key,
            "outcome": outcome.kind.value,
            "reason": outcome.reason,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            "receive_count": message.receive_count,
        }
        if outcome.email_id:
            fields["email_id"] = outcome.email_id
        if outcome.step:
            fields["step"] = outcome.step
        if outcome.error_class:
            fields["error_class"] = outcome.error_class
        if not settled:
            fields["settled"] = False
        if message.sent_at is not None:
            fields["since_enqueue_ms"] = round((time.time() - message.sent_at) * 1000, 1)
        log.info("message settled" if settled else "message not settled", **fields)
        if settled and self.on_outcome is not None:
            try:
                self.on_outcome(message, outcome)
            except Exception as exc:  # a hook never costs a message
                log.error("outcome hook failed", message_id=message.message_id, exc_info=exc)

    # --- visibility heartbeat and shutdown -------------------------------------------------------

    def _start_heartbeat(self) -> None:
        self._heartbeat = threading.Thread(target=self._beat, name="heartbeat", daemon=True)
        self._heartbeat.start()

    def _beat(self) -> None:
        period = max(1.0, self.visibility_timeout_seconds / 4)
        while not self._shutdown.wait(period):
            self.extend_visibility()

    def extend_visibility(self) -> None:
        """Keep every message in work for over half its visibility timeout hidden a while more."""
        now = self.clock()
        with self._lock:
            due = [
                entry
                for entry in self._in_flight.values()
                if now - entry.extended_at >= self.visibility_timeout_seconds / 2
            ]
            for entry in due:
                entry.extended_at = now
        if not due:
            return
        try:
            self.settler.extend([e.message for e in due], self.visibility_timeout_seconds)
        except CharterhandError as exc:
            log.warning("could not extend visibility", error=exc.reason, messages=len(due))

    def _wait_for_slots(self) -> None:
        """Until a batch fits again (a condition: cheaper than futures' waiters per message)."""
        with self._slot_freed:
            self._slot_freed.wait_for(
                lambda: self.capacity - len(self._in_flight) >= self.batch, timeout=1.0
            )

    def _stop(self) -> None:
        """Finish in-flight work within the deadline; release the rest to other workers."""
        self.handler.close()  # threads still waiting to read an email stop waiting
        finished = self._wait_for_work(self.shutdown_deadline_seconds)
        self._companions_stop.set()
        self._deletes.stop()  # what is settled is deleted now, not released
        with self._lock:
            left = [entry.message for entry in self._in_flight.values()]
            self._in_flight.clear()
        if left:
            self._release(left)
        self._pool.shutdown(wait=False, cancel_futures=True)
        log.info("worker stopped", finished_in_time=finished, released=len(left))

    def _release(self, messages: list[Received]) -> None:
        if not messages:
            return
        try:
            self.settler.release(messages)
        except CharterhandError as exc:
            log.warning("could not release messages", error=exc.reason, messages=len(messages))
