"""Settled messages deleted ten at a time: one ``DeleteMessageBatch`` instead of a request each.

A message whose outcome is *done* or *ignored* is handed over here and its thread moves on to the
next message. The batch goes out once ten wait, or ``linger_seconds`` after the first one came,
whichever is soonest, from the batcher's own thread. When no other message is in work to join
it (``add(..., send_now=True)``, or ``flush()``), the caller's thread sends what waits itself:
lingering would only delay the delete, and handing it to another thread costs a wake-up on the
enqueue-to-done path. The outcome is logged once the queue has deleted it (or said why not: the
message then comes back after its visibility timeout, and its email is recognised as applied).
"""

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import structlog

from bookings import CharterhandError
from worker.outcomes import Outcome
from worker.queue import MAX_BATCH, Received

log = structlog.get_logger("charterhand.worker")


@dataclass(frozen=True)
class Settled:
    """A message whose outcome is decided and only needs deleting."""

    message: Received
    outcome: Outcome
    #: ``time.perf_counter()`` when its work started (for the outcome's duration)
    started: float


#: deletes messages; returns ``{receipt handle: reason}`` for those SQS refused
Delete = Callable[[Sequence[Received]], Mapping[str, str]]
#: told about each batch once it is out: the messages, and which were refused and why
Report = Callable[[Sequence[Settled], Mapping[str, str]], None]


class DeleteBatcher:
    """Collects settled messages and deletes them in batches on a thread of its own."""

    def __init__(
        self,
        delete: Delete,
        report: Report,
        *,
        linger_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.delete = delete
        self.report = report
        self.linger_seconds = linger_seconds
        self.clock = clock
        self._pending: list[tuple[float, Settled]] = []
        self._sending = 0
        self._changed = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def add(self, item: Settled, *, send_now: bool = False) -> bool:
        """Delete ``item``'s message soon (the thread starts with the first one), or with
        ``send_now`` at once on this thread, with whatever else waits (:meth:`flush`). False once
        stopped: the caller deletes it itself."""
        with self._changed:
            if self._stopping:
                return False
            self._pending.append((self.clock(), item))
            if not send_now:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="deleter", daemon=True)
                    self._thread.start()
                self._changed.notify_all()
        if send_now:
            self.flush()
        return True

    def flush(self) -> None:
        """Send what waits now, on the caller's thread, without lingering: the loop calls this
        when no other message is in work, so none could join the batch; waiting would only
        delay the deletes, and waking the batcher's thread would add a hand-off."""
        self._send_waiting()

    def _send_waiting(self) -> None:
        """Send everything waiting, a batch at a time, on this thread."""
        while True:
            with self._changed:
                batch = self._take()
            if not batch:
                return
            self._send_counted(batch)

    def _take(self) -> list[Settled]:
        """Up to a batch of what waits, counted as being sent (the lock held)."""
        batch = [item for _, item in self._pending[:MAX_BATCH]]
        del self._pending[:MAX_BATCH]
        self._sending += len(batch)
        return batch

    def _send_counted(self, batch: list[Settled]) -> None:
        """Send ``batch`` (taken with :meth:`_take`) and report it; no longer counted after."""
        try:
            self._send(batch)
        finally:
            with self._changed:
                self._sending -= len(batch)
                self._changed.notify_all()

    @property
    def pending(self) -> int:
        """Messages handed over and not yet reported (waiting or being deleted)."""
        with self._changed:
            return len(self._pending) + self._sending

    def wait_empty(self, timeout: float) -> bool:
        """Wait until every message handed over is reported; True if so within ``timeout``."""
        with self._changed:
            return self._changed.wait_for(
                lambda: not self._pending and not self._sending, timeout=max(0.0, timeout)
            )

    def stop(self) -> None:
        """Delete what is still waiting, at once, and end the thread."""
        with self._changed:
            self._stopping = True
            thread = self._thread
            self._changed.notify_all()
        if thread is not None:
            thread.join()
        self._send_waiting()  # what a caller handed over without waking the thread

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: bool(self._pending) or self._stopping)
                if not self._pending:
                    return  # stopping, and nothing left
                if not self._stopping:
                    linger = self._pending[0][0] + self.linger_seconds - self.clock()
                    self._changed.wait_for(
                        lambda: len(self._pending) >= MAX_BATCH or self._stopping,
                        timeout=max(0.0, linger),
                    )
                batch = self._take()  # empty when a flush took them meanwhile
            if batch:
                self._send_counted(batch)

    def _send(self, batch: list[Settled]) -> None:
        try:
            refused = self.delete([item.message for item in batch])
        except CharterhandError as exc:  # SQS itself failed: every message comes back on its own
            refused = {item.message.receipt_handle: exc.reason for item in batch}
        try:
            self.report(batch, refused)
        except Exception as exc:  # a reporting bug must not stop deletes
            log.error("could not report deleted messages", exc_info=exc)
