"""An in-memory :class:`worker.queue.MessageQueue` with the SQS behaviour the worker relies on
(visibility timeouts on an injected clock, receive counts, delays, redrive to a dead-letter queue
after ``max_receive_count`` receives), so the loop's tests need no moto. A test double: it lives
here, not in the shipped ``worker`` package. ``tests/integration/test_queue_contract.py`` runs the
same cases on it and on moto's SQS.
"""

import itertools
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from bookings import PermanentError
from worker.queue import ATTRIBUTE_PREFIX, MAX_BATCH, Received


@dataclass
class _Stored:
    message_id: str
    body: str
    attributes: dict[str, str]
    sent_at: float
    visible_at: float
    receive_count: int = 0
    first_received_at: float | None = None
    receipt_handle: str | None = None


class MemoryQueue:
    """:class:`~worker.queue.MessageQueue` in memory, with SQS's behaviour on an injected clock.

    A received message is hidden for its visibility timeout and then comes back with its receive
    count one higher; only its latest receipt handle is valid. With ``dead_letters`` and
    ``max_receive_count`` (the queue's redrive policy), a message received that often is moved
    there on the next receive instead of being delivered, as SQS does. Messages are delivered in
    the order sent (SQS's standard queues only try to). ``wait_seconds`` waits in real time, for
    a send, so a loop on a real clock does not spin.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        dead_letters: "MemoryQueue | None" = None,
        max_receive_count: int | None = None,
    ) -> None:
        if (dead_letters is None) != (max_receive_count is None):
            raise ValueError("a redrive policy needs both a dead-letter queue and a count")
        self.clock = clock
        self.dead_letters = dead_letters
        self.max_receive_count = max_receive_count
        self._messages: dict[str, _Stored] = {}
        self._ids = itertools.count(1)
        self._sent = threading.Condition()

    # --- what producers and tests use -----------------------------------------------------------

    def send(
        self, body: str, attributes: Mapping[str, str] | None = None, delay_seconds: int = 0
    ) -> str:
        """Enqueue a message (as SNS or ``charterhand dlq replay`` do); its id."""
        now = self.clock()
        with self._sent:
            message_id = f"m-{next(self._ids)}"
            self._messages[message_id] = _Stored(
                message_id, body, dict(attributes or {}), now, now + delay_seconds
            )
            self._sent.notify_all()
        return message_id

    def stored(self) -> list[tuple[str, str, dict[str, str]]]:
        """Every message still in the queue, visible or not: (id, body, attributes) each."""
        with self._sent:
            return [(m.message_id, m.body, dict(m.attributes)) for m in self._messages.values()]

    def __len__(self) -> int:
        with self._sent:
            return len(self._messages)

    # --- MessageQueue ---------------------------------------------------------------------------

    def receive(
        self, *, max_messages: int, wait_seconds: int, visibility_timeout: int
    ) -> list[Received]:
        deadline = time.monotonic() + wait_seconds
        with self._sent:
            while True:
                found = self._take(max_messages, visibility_timeout)
                left = deadline - time.monotonic()
                if found or left <= 0:
                    return found
                self._sent.wait(min(left, 0.05))

    def _take(self, max_messages: int, visibility_timeout: int) -> list[Received]:
        now = self.clock()
        taken: list[Received] = []
        for stored in list(self._messages.values()):
            if len(taken) >= min(max_messages, MAX_BATCH):
                break
            if stored.visible_at > now:
                continue
            if (
                self.dead_letters is not None
                and self.max_receive_count is not None
                and stored.receive_count >= self.max_receive_count
            ):
                del self._messages[stored.message_id]
                self.dead_letters.send(stored.body, stored.attributes)
                continue
            stored.receive_count += 1
            stored.first_received_at = stored.first_received_at or now
            stored.visible_at = now + visibility_timeout
            stored.receipt_handle = f"{stored.message_id}/{stored.receive_count}"
            taken.append(
                Received(
                    message_id=stored.message_id,
                    receipt_handle=stored.receipt_handle,
                    body=stored.body,
                    receive_count=stored.receive_count,
                    first_received_at=stored.first_received_at,
                    sent_at=stored.sent_at,
                    attributes=dict(stored.attributes),
                )
            )
        return taken

    def delete(self, message: Received) -> None:
        with self._sent:
            self._held(message, "deleting the message")
            del self._messages[message.message_id]

    def delete_batch(self, messages: Sequence[Received]) -> dict[str, str]:
        if len(messages) > MAX_BATCH:
            raise ValueError("SQS deletes at most ten messages per request")
        refused: dict[str, str] = {}
        with self._sent:
            for message in messages:
                try:
                    self._held(message, "deleting the message")
                except PermanentError as exc:
                    refused[message.receipt_handle] = exc.reason
                else:
                    del self._messages[message.message_id]
        return refused

    def change_visibility(self, message: Received, seconds: int) -> None:
        with self._sent:
            self._held(message, "changing the message's visibility").visible_at = (
                self.clock() + seconds
            )
            self._sent.notify_all()

    def change_visibility_batch(self, messages: Iterable[Received], seconds: int) -> None:
        for message in messages:
            self.change_visibility(message, seconds)

    def dead_letter(self, message: Received, attributes: Mapping[str, str]) -> None:
        if self.dead_letters is None:
            raise PermanentError("sending to the dead-letter queue: this queue has none")
        self.dead_letters.send(
            message.body, {ATTRIBUTE_PREFIX + name: value for name, value in attributes.items()}
        )

    def resend(self, message: Received, attributes: Mapping[str, str], delay_seconds: int) -> None:
        self.send(message.body, attributes, delay_seconds)

    def _held(self, message: Received, doing: str) -> _Stored:
        """The stored message ``message``'s receipt handle still holds (its latest receive)."""
        stored = self._messages.get(message.message_id)
        if stored is None or stored.receipt_handle != message.receipt_handle:
            raise PermanentError(f"{doing}: ReceiptHandleIsInvalid")
        return stored
