"""The one small interface every publisher implements, and what the worker hands it.

The worker (:mod:`worker.orchestrate`) decides *whether* a step runs: only when the step's input
hash differs from the one last published, under a lease. A publisher only decides *how* to make
its system match the booking: create when ``ctx.external_ids`` is empty, update when it holds ids,
cancel when the booking is cancelled. It returns the ids its system gave back, which the worker
stores and hands back next time.
"""

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, ClassVar, Protocol, runtime_checkable

from bookings import Booking
from state.crew_tokens import TokenDraft
from state.deliveries import Mark
from state.keys import SendKey
from state.once import OnceRecord


@dataclass(frozen=True)
class StepContext:
    """Everything a step needs beyond the booking itself."""

    booking: Booking
    #: the booking as this step last published it (None the first time): says what changed
    previous: Booking | None
    #: what this step's system gave back last time (calendar entry id, SCC event id, ...)
    external_ids: Mapping[str, str]
    #: ``<booking key>:<step>:<input hash>`` (:func:`state.keys.step_idempotency_key`), sent as
    #: ``Idempotency-Key`` to the records APIs: a repeat creates nothing. Emails are keyed by what
    #: they send instead (:class:`state.keys.SendKey`)
    idempotency_key: str
    #: external ids of the steps this one depends on, by step name
    upstream: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: where the run's email steps leave the message ids of sends made under their own marks,
    #: for the worker to record together at the run's end (None: each is recorded at once)
    records: "SentRecords | None" = None


@runtime_checkable
class Publisher(Protocol):
    """Makes one downstream system match a booking."""

    #: the step's name in the state table and in logs: calendar, scc, guest_page, crew_page, ...
    step: ClassVar[str]
    #: steps whose external ids this one needs (crew_email needs crew_page's URL)
    depends_on: ClassVar[tuple[str, ...]]

    def input_of(self, booking: Booking) -> Mapping[str, Any]:
        """The JSON-able part of the booking this step shows; its hash decides whether to re-run."""
        ...

    def publish(self, ctx: StepContext) -> Mapping[str, str]:
        """Make the system match ``ctx.booking``; return the ids to keep (may be empty).

        Raise ``TransientError`` for what is worth retrying, ``PermanentError`` for what is not.
        """
        ...


@runtime_checkable
class CrewLinkIssuer(Protocol):
    """Issues the secret in a crew member's confirm / decline link.

    The token is random (256 bits), stored only as its SHA-256 (by the implementation, in the
    state table), and expires; the links API verifies it. Publishers build the URLs around it
    from configuration.
    """

    def issue(self, booking_key: str, crew_id: str, expires_at: datetime) -> str:
        """A fresh token ``<token id>.<secret>`` for this crew member and booking."""
        ...

    def revoke(self, booking_key: str, crew_id: str) -> None:
        """Every token issued so far to this member for this booking stops working."""
        ...


@runtime_checkable
class CrewLinkDrafts(CrewLinkIssuer, Protocol):
    """An issuer whose tokens can be stored in a write with others (the crew email's first
    sends: :class:`MarksTogether`)."""

    def draft(self, booking_key: str, crew_id: str, expires_at: datetime) -> TokenDraft:
        """A fresh token for this crew member and booking, stored only once its draft's item
        is written."""
        ...


@runtime_checkable
class DeliveryLog(Protocol):
    """What was sent to whom, for systems that take no idempotency key (SES).

    Every email is keyed by what it sends (:class:`state.keys.SendKey`: the recipient's lane,
    then the message) and sent by :func:`publishers.deliveries.send_once`: a *sending* mark
    (an in-progress :class:`state.once.OnceRecord`) before the call, the message id after it.
    A replay recalls the message id instead of sending again; a send that finds a mark and no
    message id in its lane (an answer was lost, or a worker died between the send and its
    record) asks what SES itself reported for that send's tag before anything more goes to that
    recipient. The worker's implementation lives in the state table
    (:class:`state.deliveries.DynamoDeliveryLog`).
    """

    #: how long a mark without a report waits for SES's events before the email is sent again
    #: (and blocks the recipient's later emails)
    report_wait_seconds: float

    def lane(self, lane: str) -> Sequence[OnceRecord]:
        """Every send in ``lane`` (one recipient, one booking), marked or sent, as it is now."""
        ...

    def mark(self, key: SendKey, *, payload_hash: str, payload: str) -> OnceRecord | None:
        """Mark ``key`` as being sent, unless marked already: None when marked now, else the
        record found."""
        ...

    def remark(self, key: SendKey, found: OnceRecord, *, payload_hash: str, payload: str) -> bool:
        """Take over a mark whose wait is over (the email is about to be sent again), over the
        mark ``found``; False when another attempt took it first or it was recorded meanwhile."""
        ...

    def record(
        self,
        key: SendKey,
        message_id: str,
        *,
        payload_hash: str | None = None,
        payload: str | None = None,
    ) -> None:
        """Remember that ``message_id`` was sent under ``key`` (replaces its mark)."""
        ...

    def unmark(self, key: SendKey) -> None:
        """Drop the mark: the send surely did not reach SES (a recorded send stays)."""
        ...

    def reported(self, key: SendKey) -> str | None:
        """The SES message id that SES's own events (Send, Delivery, Bounce, ...) report for
        the send tagged for ``key``, or None when SES has reported nothing."""
        ...


@runtime_checkable
class MarksTogether(DeliveryLog, Protocol):
    """A delivery log that writes several sends' marks (with crew tokens) in one request, and
    their records in another (:class:`state.deliveries.DynamoDeliveryLog`)."""

    def mark_together(
        self, marks: Sequence[Mark], tokens: Sequence[TokenDraft] = ()
    ) -> Mapping[SendKey, OnceRecord] | None:
        """Mark every send and store every token, all or nothing: None when all were written;
        else (nothing written) the marks found where ours were to go, by key."""
        ...

    def record_together(self, sends: Sequence[tuple[SendKey, str]]) -> None:
        """Record each send's message id (key, message id); a send another attempt recorded
        meanwhile keeps its record."""
        ...


class SentRecords:
    """Message ids of sends made under an attempt's own marks, held to be recorded together
    (one request) once the holder's sends are done: a step's (a crew), or a whole run's (the
    worker's, :attr:`StepContext.records`). Only for a send nothing before the write waits on
    (no later send in its lane): until it is written, its mark reads as a send whose answer is
    pending, and blocks the lane. Thread-safe: a step's members send side by side."""

    def __init__(self) -> None:
        self._sends: list[tuple[DeliveryLog, SendKey, str]] = []
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._sends)

    def holder(self, log: DeliveryLog) -> "Callable[[SendKey, str], None]":
        """What records a send in ``log``: holds it here, to be written with the others."""
        return partial(self.hold, log)

    def hold(self, log: DeliveryLog, key: SendKey, message_id: str) -> None:
        with self._lock:
            self._sends.append((log, key, message_id))

    def write(self) -> int:
        """Record every held send, together where the log can (a log's sends in one request),
        else one by one; how many were held. Those not written when it raises stay marked
        (settled from SES's events, :mod:`publishers.deliveries`)."""
        with self._lock:
            sends, self._sends = self._sends, []
        by_log: dict[int, tuple[DeliveryLog, list[tuple[SendKey, str]]]] = {}
        for log, key, message_id in sends:
            by_log.setdefault(id(log), (log, []))[1].append((key, message_id))
        for log, held in by_log.values():
            if isinstance(log, MarksTogether):  # one send alone: completed as log.record does
                log.record_together(held)
                continue
            for key, message_id in held:
                log.record(key, message_id)
        return len(sends)
