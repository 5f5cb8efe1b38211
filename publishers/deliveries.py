"""Sending at most once per idempotency key, for the email publishers, as far as SES allows.

SES takes no idempotency key, and an answer can be lost after SES accepted the email (a 5xx, a
timeout, a worker killed between the send and its record). So:

1. a message id recorded under the key → sent already: nothing to do;
2. otherwise a *sending* mark is written before the call, and the call is tagged
   (``charterhand-send=<delivery_tag(key)>``, carried by SES into every event it publishes);
3. a retry that finds a mark and no message id asks what SES reported for that tag (the
   configuration set's Send/Delivery/Bounce/... events, recorded in the state table): an event
   → SES took it: record its message id, send nothing; no event yet → wait (a :class:`Waiting`
   error: retried without spending the retry budget) for up to ``report_wait_seconds``, then
   conclude SES never took it and send again.

Nothing is lost: a send SES did not take is always sent again. A duplicate remains possible in
one window only, the one SES leaves open: SES accepted the email but none of its events about
it reached the state table within ``report_wait_seconds`` of the mark (the event destination
delayed past that, or broken). A send that surely did not reach SES (refused, throttled, never
connected) drops its mark and may be sent again at once.
"""

import threading
import time
from collections.abc import Callable

from bookings import Waiting
from publishers.base import DeliveryLog
from publishers.transport.mail import SendOutcomeUnknown
from state.deliveries import DEFAULT_REPORT_WAIT_SECONDS
from state.keys import delivery_tag


class AwaitingReport(Waiting):
    """A send's answer was lost and SES has not reported on it yet: try again later."""


class MemoryDeliveryLog:
    """A ``DeliveryLog`` in this process's memory: for tests and the single-process demo.

    ``report(key, message_id)`` stands in for SES's events reaching the state table.
    """

    def __init__(
        self,
        *,
        report_wait_seconds: float = DEFAULT_REPORT_WAIT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.report_wait_seconds = report_wait_seconds
        self._clock = clock
        self._sent: dict[str, str] = {}
        self._marks: dict[str, float] = {}
        self._reports: dict[str, str] = {}
        self._lock = threading.Lock()

    def recall(self, key: str) -> str | None:
        with self._lock:
            return self._sent.get(key)

    def record(self, key: str, message_id: str) -> None:
        with self._lock:
            self._sent[key] = message_id
            self._marks.pop(key, None)

    def mark(self, key: str) -> float | None:
        with self._lock:
            if key in self._marks:
                return self._clock() - self._marks[key]
            self._marks[key] = self._clock()
            return None

    def remark(self, key: str) -> None:
        with self._lock:
            self._marks[key] = self._clock()

    def unmark(self, key: str) -> None:
        with self._lock:
            self._marks.pop(key, None)

    def reported(self, key: str) -> str | None:
        with self._lock:
            return self._reports.get(delivery_tag(key))

    def report(self, key: str, message_id: str) -> None:
        """SES's event about the send tagged for ``key`` (a test's stand-in for SES)."""
        with self._lock:
            self._reports[delivery_tag(key)] = message_id


def send_once(
    log: DeliveryLog, key: str, send: Callable[[str], str], *, tagged: bool = True
) -> str:
    """The message id sent under ``key``: recalled, reported by SES, or sent now (module
    docstring). ``send`` gets the tag to put on the email. ``tagged`` False is for a channel
    with its own idempotency key (the summary webhook): recall, else send and record."""
    sent = log.recall(key)
    if sent is not None:
        return sent
    if not tagged:
        message_id = send("")
        log.record(key, message_id)
        return message_id
    age = log.mark(key)
    if age is not None:  # an earlier attempt got as far as sending
        reported = log.reported(key)
        if reported is not None:
            log.record(key, reported)
            return reported
        if age < log.report_wait_seconds:
            raise AwaitingReport(
                f"an earlier send's answer was lost {age:.0f} s ago and SES has not reported on "
                f"it yet; waiting up to {log.report_wait_seconds:.0f} s before sending again"
            )
        log.remark(key)  # no report within the window: SES never took it
    try:
        message_id = send(delivery_tag(key))
    except SendOutcomeUnknown:
        raise  # the mark stays: the next attempt asks SES's events first
    except BaseException:
        log.unmark(key)  # nothing reached SES (refused, throttled, or failed before the call)
        raise
    log.record(key, message_id)
    return message_id
