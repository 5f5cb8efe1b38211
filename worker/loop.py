"""The worker's loop: receive from the queue, work messages on a small thread pool, settle each
one, stop cleanly.

``run()`` loops ``_run_once()`` until ``signal_shutdown()`` or ``stop()`` (arroyo's
``StreamProcessor``); tests drive ``_run_once()`` directly. A heartbeat thread extends the
visibility of messages still in work, so a slow booking is never handed to a second worker.
Messages done or ignored are deleted in batches (:mod:`worker.deleting`), their thread free at
once; with no other message in work, the thread that settled the message sends the batch itself
at once, instead of lingering for company or waking the batcher's thread (a hand-off on the
enqueue-to-done path). On
shutdown the loop stops receiving, gives in-flight messages until the deadline to finish, deletes
what is settled, then returns the rest to the queue (visible again at once): nothing is lost, and
nothing waits out a visibility timeout.

**The outcome hook** (``on_outcome``) is called exactly once per settled message, with its final
outcome, after its log line: the metrics and the demo use it. A message whose settling failed
(the queue refused) is not settled: it comes back, and is reported when it is settled.

**The DLQ limit** (``dlq_limit``, :class:`worker.intake.SharedDlqLimit`: one record every
worker shares) is told each message's final outcome as a thread decides it, and asked before
each receive whether intake is stopped (it answers from a cache, reading the record every few
seconds). Once it is, by this worker's count or another's, the loop stops taking messages (those
in a thread finish; those received but not yet begun go back to the queue; the rest stay
there), logs one error line, and calls ``on_intake_stopped`` at once and every
``INTAKE_STOPPED_REPORT_SECONDS`` while it stays stopped (the metric an alarm watches). It stays
alive and keeps looking: when ``charterhand intake resume`` clears the record, it logs ``intake
resumed`` and takes messages again, with no restart. Exiting instead would let ECS start a task
that dead-letters as many again; resuming on a timer would meet the same cause.
"""

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import structlog

from bookings import CharterhandError
from worker.deleting import DeleteBatcher, Settled
from worker.outcomes import Ending, Outcome
from worker.policy import IntakeStop
from worker.queue import MAX_BATCH, MessageQueue, Received
from worker.settling import Settler
from worker.tracebacks import where_it_failed

log = structlog.get_logger("charterhand.worker")

#: outcomes whose message only needs deleting: those go out in batches
BATCH_DELETED = frozenset({Ending.DONE, Ending.IGNORED})

#: the error line of the worker whose count stopped intake, and of each that sees it stopped
STOPPED_HERE = (
    "dead-letter limit reached: every worker stops taking messages until `charterhand intake "
    "resume`"
)
STOPPED_ELSEWHERE = (
    "dead-letter limit in force: this worker takes no messages until `charterhand intake resume`"
)

#: called once per settled message with its final outcome
OutcomeHook = Callable[[Received, Outcome], None]
#: called when the DLQ limit stopped intake, and again every so often while it stays stopped
IntakeStoppedHook = Callable[[IntakeStop], None]

#: how long a done or ignored message may wait for others in work to be deleted with
DELETE_LINGER_SECONDS = 0.1
#: while intake is stopped, how often ``on_intake_stopped`` is called again (the alarm's period)
INTAKE_STOPPED_REPORT_SECONDS = 60.0
#: while intake is stopped, how often ``run()`` asks the limit again (it reads the record less
#: often: :data:`worker.intake.REFRESH_SECONDS`)
INTAKE_LOOK_SECONDS = 1.0


class IntakeLimit(Protocol):
    """When to stop taking messages (:class:`worker.intake.SharedDlqLimit`)."""

    def observe(self, outcome: Outcome) -> IntakeStop | None:
        """Count a final outcome: the stop, when this one stopped intake."""
        ...

    def stopped(self) -> IntakeStop | None:
        """Why intake is stopped now (by any worker), or None."""
        ...


class Handler(Protocol):
    """Works one message to its outcome (:class:`worker.process.MessageHandler`)."""

    def handle(self, message: Received) -> Outcome:
        """The message's outcome, before the retry budget is applied; never raises."""
        ...

    def close(self) -> None:
        """The worker is stopping: stop waiting on anything slow."""
        ...


@dataclass
class _InFlight:
    message: Received
    extended_at: float


class Worker:
    """One worker process's loop. Build it with :func:`app.compose.build_worker`."""

    def __init__(
        self,
        *,
        handler: Handler,
        settler: Settler,
        threads: int,
        visibility_timeout_seconds: int,
        poll_wait_seconds: int,
        shutdown_deadline_seconds: float,
        delete_linger_seconds: float = DELETE_LINGER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        on_outcome: OutcomeHook | None = None,
        dlq_limit: IntakeLimit | None = None,
        on_intake_stopped: IntakeStoppedHook | None = None,
        companions: Sequence[Callable[[threading.Event], None]] = (),
    ) -> None:
        """``settler`` carries outcomes out on its queue, the queue this loop receives from.
        ``on_outcome`` is called once per settled message, after it is logged (metrics; the
        demo). A message not settled comes back, and is counted when it is. ``dlq_limit``: when
        to stop taking messages (None: never); ``on_intake_stopped`` is told while it is.
        ``companions``: loops that live as long as ``run()`` (the SES event consumer), each on
        its own daemon thread, given the event that tells them to stop."""
        self.handler = handler
        self.settler = settler
        self.queue: MessageQueue = settler.queue
        self.threads = threads
        self.visibility_timeout_seconds = visibility_timeout_seconds
        self.poll_wait_seconds = poll_wait_seconds
        self.shutdown_deadline_seconds = shutdown_deadline_seconds
        self.clock = clock
        self.on_outcome = on_outcome
        self.dlq_limit = dlq_limit
        self.on_intake_stopped = on_intake_stopped
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
        #: held while finishing: a second ``stop()`` waits for the first, then does nothing
        self._finishing = threading.Lock()
        self._finished = False
        self._intake_stopped: IntakeStop | None = None
        #: guards the stopped / running transitions (a thread's trip, the loop's look)
        self._intake_lock = threading.Lock()
        self._intake_reported_at = -INTAKE_STOPPED_REPORT_SECONDS
        self._heartbeat: threading.Thread | None = None
        self._companions = list(companions)
        self._companions_stop = threading.Event()
        self._deletes = DeleteBatcher(
            self.queue.delete_batch, self._deleted, linger_seconds=delete_linger_seconds
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
                stop = self._look_at_intake()
                if stop is not None:
                    if once:
                        if self._idle():
                            break
                        self.wait_idle(1.0)
                    elif not self._shutdown.wait(
                        min(INTAKE_LOOK_SECONDS, INTAKE_STOPPED_REPORT_SECONDS)
                    ):
                        self._report_while_stopped(stop)
                    continue
                asked_at = self.settler.clock()
                received = self._run_once(
                    wait_seconds=min(self.poll_wait_seconds, 2) if once else None
                )
                if once and received == 0 and self._idle() and self._nothing_due(asked_at):
                    break
        finally:
            self._finish()

    def _nothing_due(self, asked_at: float) -> bool:
        """No message this run re-sent for contention can still come back: the empty receive
        was asked for a second or more after the last one was due (SQS's delays are whole
        seconds), so ``--once`` does not leave its own work behind."""
        return asked_at >= self.settler.resent_due + 1

    def signal_shutdown(self) -> None:
        """Stop receiving; ``run()`` then finishes or returns to the queue what is in flight,
        and returns. Safe to call from a signal handler."""
        self._shutdown.set()

    def stop(self) -> None:
        """Stop receiving, finish in-flight work within the deadline, return the rest to the
        queue; returns when done. For a worker not in ``run()`` (tests, the demo) or one whose
        ``run()`` is to end now; calling it again does nothing."""
        self.signal_shutdown()
        self._finish()

    @property
    def intake_stopped(self) -> IntakeStop | None:
        """Why the DLQ limit stopped the workers taking messages, as this one last looked;
        None while it takes them."""
        return self._intake_stopped

    def _run_once(self, *, wait_seconds: int | None = None) -> int:
        """Receive one batch and start working it; returns how many messages were received.

        Up to ``capacity`` messages are in the process at once: one per thread, plus as many again
        waiting for a thread (their visibility is extended like the rest), so receives come in
        batches instead of one message each time a thread frees up."""
        if self._look_at_intake() is not None:
            return 0
        free = self.capacity - self.in_flight
        if free < self.batch:  # receive in batches, not one message at a time
            self._wait_for_slots()
            return 0
        try:
            messages = self.queue.receive(
                max_messages=min(free, MAX_BATCH),
                wait_seconds=self.poll_wait_seconds if wait_seconds is None else wait_seconds,
                visibility_timeout=self.visibility_timeout_seconds,
            )
        except CharterhandError as error:
            if not error.transient:
                raise  # a missing queue or rejected credentials: stop, loudly
            log.warning("receive failed; trying again", error=error.reason)
            self._shutdown.wait(1.0)
            return 0
        if self._shutdown.is_set():
            self._return_to_queue(messages)
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

    def _idle(self) -> bool:
        return not self.in_flight and not self._deletes.pending

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
            if self._intake_stopped is not None:  # received, but not begun: not taken either
                self._return_to_queue([message])
                return
            outcome = self.settler.final(message, self.handler.handle(message))
            if outcome.ending in BATCH_DELETED:  # deleted with others; logged once deleted
                item = Settled(message, outcome, started)
                handed_over = self._deletes.add(item, send_now=self._alone(message))
                if handed_over:
                    return  # counted below, once its delete is on its way
            self._count_for_dlq_limit(outcome)
            outcome = self.settler.settle(message, outcome)
            settled = True
        except CharterhandError as exc:  # the queue itself failed: the message comes back
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
            if outcome is not None and handed_over:  # its write, if any, beside the delete
                self._count_quietly(outcome)
        if outcome is not None and not handed_over:
            self._log_outcome(message, outcome, started, settled)

    def _alone(self, message: Received) -> bool:
        """No message but this one in the process: none could join its delete's batch, so this
        thread sends it at once (no linger, no hand-off to the batcher's thread)."""
        with self._lock:
            return self._in_flight.keys() <= {message.receipt_handle}

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
        fields = settled_fields(message, outcome, started)
        if not settled:
            fields["settled"] = False
        log.info("message settled" if settled else "message not settled", **fields)
        if settled:
            self._settled(message, outcome)

    def _settled(self, message: Received, outcome: Outcome) -> None:
        """A message settled (exactly once each): the outcome hook."""
        if self.on_outcome is not None:
            try:
                self.on_outcome(message, outcome)
            except Exception as exc:  # a hook never costs a message
                log.error("outcome hook failed", message_id=message.message_id, exc_info=exc)

    def _count_quietly(self, outcome: Outcome) -> None:
        """A done or ignored message counted after its delete was handed over (and sent, when
        no other message is in work), so the DLQ limit's write, when it needs one, is not
        between the booking's last write and its delete: off the enqueue-to-done path."""
        try:
            self._count_for_dlq_limit(outcome)
        except Exception as exc:  # never let one message kill the loop
            log.error("unexpected error counting for the DLQ limit", traceback=where_it_failed(exc))

    def _count_for_dlq_limit(self, outcome: Outcome) -> None:
        """Counted as decided, in the order the threads decide them (a done or ignored message
        once its delete is handed over: it proved the worker works when decided)."""
        stop = self.dlq_limit.observe(outcome) if self.dlq_limit is not None else None
        if stop is not None:
            self._intake_is(stop, tripped_here=True)

    def _look_at_intake(self) -> IntakeStop | None:
        """Whether intake is stopped, by any worker (the limit's cached answer), acted on."""
        if self.dlq_limit is None:
            return None
        stop = self.dlq_limit.stopped()
        self._intake_is(stop, tripped_here=False)
        return stop

    def _intake_is(self, stop: IntakeStop | None, *, tripped_here: bool) -> None:
        """Log and report a change between taking messages and not: once each way."""
        with self._intake_lock:
            was, self._intake_stopped = self._intake_stopped, stop
        if (was is None) == (stop is None):
            return
        if stop is None:
            log.info("intake resumed: taking messages again")
            return
        fields = {
            "reason_class": stop.reason_class.value,
            "dead_letters": stop.count,
            "window_seconds": stop.window_seconds,
            "stopped_at": datetime.fromtimestamp(stop.stopped_at, UTC).isoformat(),
        }
        if tripped_here:
            log.error(STOPPED_HERE, **fields)
        else:
            log.error(STOPPED_ELSEWHERE, **fields)
        self._report_while_stopped(stop, now=True)

    def _report_while_stopped(self, stop: IntakeStop, *, now: bool = False) -> None:
        """``on_intake_stopped``, at once and then every ``INTAKE_STOPPED_REPORT_SECONDS``."""
        with self._intake_lock:
            due = time.monotonic() - self._intake_reported_at >= INTAKE_STOPPED_REPORT_SECONDS
            if now or due:
                self._intake_reported_at = time.monotonic()
        if now or due:
            self._report_intake_stopped(stop)

    def _report_intake_stopped(self, stop: IntakeStop) -> None:
        if self.on_intake_stopped is None:
            return
        try:
            self.on_intake_stopped(stop)
        except Exception as exc:  # a broken metrics sink changes nothing here
            log.error("intake-stopped hook failed", exc_info=exc)

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
            self.queue.change_visibility_batch(
                [e.message for e in due], self.visibility_timeout_seconds
            )
        except CharterhandError as exc:
            log.warning("could not extend visibility", error=exc.reason, messages=len(due))

    def _wait_for_slots(self) -> None:
        """Until a batch fits again (a condition: cheaper than futures' waiters per message)."""
        with self._slot_freed:
            self._slot_freed.wait_for(
                lambda: self.capacity - len(self._in_flight) >= self.batch, timeout=1.0
            )

    def _finish(self) -> None:
        """Finish in-flight work within the deadline; return the rest to the queue. Once."""
        with self._finishing:
            if not self._finished:
                self._finish_now()
                self._finished = True

    def _finish_now(self) -> None:
        self.handler.close()  # threads still waiting to read an email stop waiting
        finished = self._wait_for_work(self.shutdown_deadline_seconds)
        self._companions_stop.set()
        self._deletes.stop()  # what is settled is deleted now, not returned
        with self._lock:
            left = [entry.message for entry in self._in_flight.values()]
            self._in_flight.clear()
        self._return_to_queue(left)
        self._pool.shutdown(wait=False, cancel_futures=True)
        log.info("worker stopped", finished_in_time=finished, returned_to_queue=len(left))

    def _return_to_queue(self, messages: list[Received]) -> None:
        """Make messages visible again at once: taken, but not worked on here."""
        if not messages:
            return
        try:
            self.queue.change_visibility_batch(messages, 0)
        except CharterhandError as exc:
            log.warning(
                "could not return messages to the queue", error=exc.reason, messages=len(messages)
            )


def settled_fields(message: Received, outcome: Outcome, started: float) -> dict[str, Any]:
    """The "message settled" log line's fields, the same for the loop and the Lambda's batch:
    what the message was, how it ended and why, how long it took (``started``: perf_counter)."""
    fields: dict[str, Any] = {
        "message_id": message.message_id,
        "booking_key": outcome.booking_key,
        "outcome": outcome.ending.value,
        "reason": outcome.reason,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        "receive_count": message.receive_count,
    }
    for name in ("email_id", "step", "error_class"):
        if getattr(outcome, name):
            fields[name] = getattr(outcome, name)
    if message.sent_at is not None:
        fields["since_enqueue_ms"] = round((time.time() - message.sent_at) * 1000, 1)
    return fields
