"""Keep one live record per booking in a REST collection: create, update, cancel, exactly once.

The calendar and ShipCaptainCrew differ only in paths, payloads and the update verb; the rules for
making their records match a booking are the same and live here. Every sync *reconciles*: it
looks up every record the system holds for the booking (``GET {path}?booking_id=``) and then

* the booking is cancelled → cancel every live record (none → nothing to do);
* the booking is live → the survivor (the record we stored the id of, else the oldest live one)
  gets the newest state; every other live record is cancelled; no live record → create one.

So however a second record came to be (a create the worker gave up on that the system completed
late, a record made by hand, an older release's behaviour), the next sync of the booking leaves
exactly one live record, and it shows the newest state.

Idempotency keys: a **create** is keyed per booking, step and *generation* (how many records the
system already holds for the booking, cancelled ones included), never by the step's input: two
attempts that both found nothing to update, even for different states, send the same key, so the
system makes one record. The system answers the later of them 409 (the first still in flight)
or 422 (the key was used for another body: draft-ietf-httpapi-idempotency-key-header); either
means "an earlier attempt is making this record", so we look up again and update what it made,
or retry later if it is not there yet. A record cancelled by hand raises the generation, so a
booking that is live again gets a new record. Updates and cancels are keyed by the step's key
(booking, step, input hash), the operation and the record, so a repeat changes nothing twice.
Every call also carries ``X-Booking-Id``.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bookings import PermanentError, TransientError
from publishers.base import StepContext
from publishers.transport.api import ApiRequest, JsonApi
from publishers.transport.http import ApiResponse, check

GONE = frozenset({404, 410})
#: what a system answers a create whose Idempotency-Key an earlier attempt holds
KEY_IN_USE = frozenset({409, 422})


@dataclass(frozen=True)
class Collection:
    """Where a system keeps its records and how it updates them."""

    #: path of the collection, e.g. ``/calendar``
    path: str
    #: the verb that updates a record: ``PUT`` (calendar) or ``PATCH`` (SCC)
    update_method: str
    #: the key under which the worker stores the record's id: ``entry_id``, ``event_id``
    id_key: str


class RecordSync:
    """Makes a collection hold exactly one live record for a booking, matching it."""

    def __init__(self, api: JsonApi, collection: Collection) -> None:
        self.api = api
        self.collection = collection

    def sync(self, ctx: StepContext, payload: Mapping[str, Any]) -> dict[str, str]:
        """Reconcile the booking's records; return ``{id_key: record id}`` (empty: none)."""
        known = ctx.external_ids.get(self.collection.id_key)
        records = self.lookup(ctx)
        live = [r for r in records if r.get("status") != "cancelled"]
        if not ctx.booking.is_live:
            for record in live:
                self._cancel(ctx, record["id"])
            chosen = known or (records[0]["id"] if records else None)
            return {self.collection.id_key: chosen} if chosen else {}
        survivor = self._converge(ctx, payload, ordered(live, known))
        if survivor is None:
            survivor = self._create(ctx, payload, generation=len(records))
        return {self.collection.id_key: survivor}

    def lookup(self, ctx: StepContext) -> list[dict[str, Any]]:
        """Every record the system holds for this booking, cancelled ones included, oldest first
        (``GET {path}?booking_id=``)."""
        response = self._call(ctx, "GET", self.collection.path, "look-up", op="find", query=True)
        items = response.body.get("items") if isinstance(response.body, Mapping) else None
        if not isinstance(items, list):
            raise PermanentError(f"{self.api.system} look-up answered without an items list")
        return [
            {**item, "id": str(item["id"])}
            for item in items
            if isinstance(item, Mapping)
            and item.get("booking_id") == ctx.booking.key
            and isinstance(item.get("id"), str | int)
        ]

    def _converge(
        self, ctx: StepContext, payload: Mapping[str, Any], live: Sequence[Mapping[str, Any]]
    ) -> str | None:
        """Update the first live record that still takes updates, cancel the others; the
        survivor's id, or None when no live record is left."""
        survivor: str | None = None
        for record in live:
            if survivor is None:
                if self._update(ctx, record["id"], payload):
                    survivor = record["id"]
                # else: cancelled meanwhile (410/404): the next live one survives
            else:
                self._cancel(ctx, record["id"])
        return survivor

    def _create(self, ctx: StepContext, payload: Mapping[str, Any], *, generation: int) -> str:
        key = f"{step_key(ctx)}:create:{generation}"
        response = self._call(
            ctx,
            "POST",
            self.collection.path,
            "create",
            payload,
            op="create",
            key=key,
            allow=KEY_IN_USE,
        )
        if response.status not in KEY_IN_USE:
            return self._id_of(response)
        # an earlier attempt (perhaps one we gave up on) holds this create: converge on its record
        live = [r for r in self.lookup(ctx) if r.get("status") != "cancelled"]
        survivor = self._converge(ctx, payload, live)
        if survivor is None:
            raise TransientError(
                f"{self.api.system} create: an earlier attempt is still making the record "
                f"(HTTP {response.status}); trying again later"
            )
        return survivor

    def _update(self, ctx: StepContext, record_id: str, payload: Mapping[str, Any]) -> bool:
        """True when updated; False when the record is gone or cancelled."""
        path = f"{self.collection.path}/{record_id}"
        method = self.collection.update_method
        response = self._call(
            ctx, method, path, "update", payload, op=f"update:{record_id}", allow=GONE
        )
        return response.status not in GONE

    def _cancel(self, ctx: StepContext, record_id: str) -> None:
        """Cancel; a record already gone is already cancelled."""
        path = f"{self.collection.path}/{record_id}"
        self._call(ctx, "DELETE", path, "cancel", op=f"cancel:{record_id}", allow=GONE)

    def _call(
        self,
        ctx: StepContext,
        method: str,
        path: str,
        action: str,
        body: Mapping[str, Any] | None = None,
        *,
        op: str,
        key: str | None = None,
        query: bool = False,
        allow: frozenset[int] = frozenset(),
    ) -> ApiResponse:
        headers = {
            "Idempotency-Key": key or f"{ctx.idempotency_key}:{op}",
            "X-Booking-Id": ctx.booking.key,
        }
        response = self.api.call(
            ApiRequest(
                method,
                path,
                headers,
                body,
                query={"booking_id": ctx.booking.key} if query else None,
            )
        )
        if response.status in allow:
            return response
        return check(self.api.system, response, action, names=[ctx.booking.renter_name])

    def _id_of(self, response: ApiResponse) -> str:
        body = response.body
        if isinstance(body, Mapping) and isinstance(body.get("id"), str | int):
            return str(body["id"])
        raise PermanentError(f"{self.api.system} create answered without an id")


def ordered(live: Sequence[Mapping[str, Any]], known: str | None) -> list[Mapping[str, Any]]:
    """Live records, the one whose id we stored first, then oldest first (the system's order)."""
    return sorted(live, key=lambda record: record["id"] != known)


def step_key(ctx: StepContext) -> str:
    """``<booking>:<step>``: the step's idempotency key (``<booking>:<step>:<input hash>``,
    ``publishers.base.StepContext``) without the input, for what is one per booking and step."""
    return ctx.idempotency_key.rsplit(":", 1)[0]
