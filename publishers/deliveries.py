"""Sending at most once per message to a recipient, for the email publishers, as far as SES allows.

An email is keyed by what it sends (:class:`state.keys.SendKey`): the recipient's *lane* (booking
and recipient), then the message (``new``, or a kind with what makes it distinct). SES takes no
idempotency key, and an answer can be lost after SES accepted the email (a 5xx, a timeout, a worker
killed between the send and its record). So:

1. a message id recorded under the key → sent already: nothing to do (the record says what it
   showed: its payload hash and payload, so the caller can tell the recipient what changed since);
2. a send still *pending* in the lane (marked, answer lost, SES not yet reported) **blocks** every
   other send to that recipient until it settles: SES reports on it (recorded as sent), or its wait
   is over (SES never took it). Blocked is a :class:`Waiting` error: retried without spending the
   retry budget. So a lost "new" and a booking change before SES's report never make two "new";
3. otherwise a *sending* mark is written before the call, and the call is tagged
   (``charterhand-send=<key.tag>``, carried by SES into every event it publishes);
4. a retry that finds its own mark and no message id asks what SES reported for that tag (the
   configuration set's Send/Delivery/Bounce/... events, recorded in the state table): an event
   → SES took it: record its message id, send nothing; no event yet → wait for up to
   ``report_wait_seconds``, then conclude SES never took it and send again.

Nothing is lost: a send SES did not take is always sent again (or superseded by the recipient's
next message). A duplicate remains possible in one window only, the one SES leaves open: SES
accepted the email but none of its events about it reached the state table within
``report_wait_seconds`` of the mark. A send that surely did not reach SES (refused, throttled, never
connected) drops its mark and may be sent again at once.

A step that sends several first emails at once (the crew email's members) may write their marks in
one request beforehand and hand each send its mark's answer (:class:`Marked`); a step that sends
one email per lane may hold back the records of its sends (:class:`publishers.base.SentRecords`)
and write them in one request once all are sent, and the worker holds every email step's records
of a run (:attr:`publishers.base.StepContext.records`) and writes them in one request at the
run's end, beside the booking's last write. A crash between a send and its record leaves the
mark, as above; so does a records write that fails: holding a record back only widens that
window, and a record is held only once SES returned the send's message id.
"""

from collections.abc import Callable
from dataclasses import dataclass

from bookings import Waiting
from publishers.base import DeliveryLog, SentRecords
from publishers.transport.mail import SendOutcomeUnknown
from state.keys import SendKey
from state.once import OnceRecord


class AwaitingReport(Waiting):
    """A send's answer was lost and SES has not reported on it yet: try again later."""


@dataclass(frozen=True)
class Sent:
    """The message sent under a key: now, or before (then what it showed may differ from what
    the caller would send now)."""

    message_id: str
    payload_hash: str | None
    payload: str | None


@dataclass(frozen=True)
class Marked:
    """The answer to a first send's mark, already written with others' (``fresh`` only): None
    when this attempt made the mark, else the record found in its place."""

    found: OnceRecord | None


def send_once(
    log: DeliveryLog,
    key: SendKey,
    send: Callable[[str], str],
    *,
    payload_hash: str = "",
    payload: str = "",
    tagged: bool = True,
    fresh: bool = False,
    marked: Marked | None = None,
    held: SentRecords | None = None,
) -> Sent:
    """The message sent under ``key``: recalled, reported by SES, or sent now (module
    docstring). ``send`` gets the tag to put on the email; ``payload_hash`` and ``payload`` say
    what it shows. ``tagged`` False is for a channel with its own idempotency key (the summary
    webhook): recall, else send and record.

    ``fresh``: the caller knows the lane holds nothing but, at most, this key's own record (the
    first message of a step that never published), so the sending mark is written first, with
    no read of the lane: created → send; refused with the message id → recalled from what the
    refusal brought back; refused while still marked (a lost answer, or another attempt at it)
    → the lane is read and the send goes on as usual. ``marked``: that mark was written
    already, with others, and this is its answer. ``held``: a send made now, under this
    attempt's own mark, is recorded there, to be written with the others' (the caller sends
    nothing more in this lane before they are written)."""
    keep = held.holder(log) if held is not None else log.record
    if fresh and tagged:
        if marked is None:
            found = log.mark(key, payload_hash=payload_hash, payload=payload)
        else:
            found = marked.found
        if found is None:
            return _send_marked(log, key, send, payload_hash, payload, keep)
        if found.completed and found.result is not None:
            return Sent(found.result, found.payload_hash, found.payload)
    lane = {record.what: record for record in log.lane(key.lane)}
    mine = lane.get(key.what)
    if mine is not None and mine.completed and mine.result is not None:
        return Sent(mine.result, mine.payload_hash, mine.payload)
    if not tagged:
        message_id = send("")
        log.record(key, message_id, payload_hash=payload_hash, payload=payload)
        return Sent(message_id, payload_hash, payload)
    for what, record in lane.items():
        if what != key.what and not record.completed:
            _settle(log, SendKey(key.lane, what), record, blocking=key)
    if mine is not None:
        reported = _settle(log, key, mine, blocking=key)
        if reported is not None:
            return Sent(reported, mine.payload_hash, mine.payload)
        # no report within the wait: SES never took it; send it again, as it reads now
        if not log.remark(key, mine, payload_hash=payload_hash, payload=payload):
            raise AwaitingReport(f"another attempt is sending {key.what} in this lane right now")
    elif log.mark(key, payload_hash=payload_hash, payload=payload) is not None:
        raise AwaitingReport(f"another attempt is sending {key.what} in this lane right now")
    return _send_marked(log, key, send, payload_hash, payload, keep)


def _send_marked(
    log: DeliveryLog,
    key: SendKey,
    send: Callable[[str], str],
    payload_hash: str,
    payload: str,
    record: Callable[[SendKey, str], None],
) -> Sent:
    """Send under the mark this attempt holds; record the message id (``record``: the log's,
    or a :class:`SentRecords`'), or drop the mark when the send surely did not reach SES."""
    try:
        message_id = send(key.tag)
    except SendOutcomeUnknown:
        raise  # the mark stays: the next attempt asks SES's events first
    except BaseException:
        log.unmark(key)  # nothing reached SES (refused, throttled, or failed before the call)
        raise
    record(key, message_id)
    return Sent(message_id, payload_hash, payload)


def _settle(
    log: DeliveryLog, key: SendKey, pending: OnceRecord, *, blocking: SendKey
) -> str | None:
    """Settle a pending send in the lane: SES's message id when SES reported it (recorded now),
    None when its wait is over without a report (SES never took it); while neither, the send
    ``blocking`` waits (:class:`AwaitingReport`)."""
    reported = log.reported(key)
    if reported is not None:
        log.record(key, reported)
        return reported
    if pending.age < log.report_wait_seconds:
        which = "it" if key == blocking else f"an earlier send ({key.what})"
        # the mark alone cannot tell a send still on its way (another thread or worker) from
        # one whose answer was lost: say both
        raise AwaitingReport(
            f"{which} went {pending.age:.0f} s ago with no answer yet (still on its way, or "
            f"its answer was lost) and SES has not reported on it; {blocking.what} waits up "
            f"to {log.report_wait_seconds:.0f} s for that report before anything more goes to "
            "this recipient"
        )
    return None
