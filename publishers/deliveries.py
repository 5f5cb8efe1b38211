"""Sending at most once per idempotency key, for the email publishers."""

import threading
from collections.abc import Callable

from publishers.base import DeliveryLog


class MemoryDeliveryLog:
    """A ``DeliveryLog`` in this process's memory: for tests and the single-process demo."""

    def __init__(self) -> None:
        self._sent: dict[str, str] = {}
        self._lock = threading.Lock()

    def recall(self, key: str) -> str | None:
        with self._lock:
            return self._sent.get(key)

    def record(self, key: str, message_id: str) -> None:
        with self._lock:
            self._sent[key] = message_id


def send_once(log: DeliveryLog, key: str, send: Callable[[], str]) -> str:
    """The message id sent under ``key``: recalled when already sent, else sent and recorded."""
    sent = log.recall(key)
    if sent is not None:
        return sent
    message_id = send()
    log.record(key, message_id)
    return message_id
