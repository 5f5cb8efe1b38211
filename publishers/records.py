"""Keep one record per booking in a REST collection: create, update, cancel, exactly once.

The calendar and ShipCaptainCrew differ only in paths, payloads and the update verb; the rules for
making their record match a booking are the same and live here:

* the booking is cancelled → cancel the record we know (or find by booking id); none → nothing;
* no id stored → look the booking up first: an earlier attempt may have created the record and
  died before the worker stored its id; found → update it, so no second record is made;
* an id stored → update it; the record is gone (404/410, e.g. deleted by hand) → create anew.

Every call carries ``Idempotency-Key`` (the step's key plus the operation, so a create and an
update never share a key) and ``X-Booking-Id``.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bookings import PermanentError
from publishers.api import ApiRequest, JsonApi
from publishers.base import StepContext
from publishers.http import ApiResponse, check

GONE = frozenset({404, 410})


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
    """Makes a collection hold exactly one record for a booking, matching it."""

    def __init__(self, api: JsonApi, collection: Collection) -> None:
        self.api = api
        self.collection = collection

    def sync(self, ctx: StepContext, payload: Mapping[str, Any]) -> dict[str, str]:
        """Create, update or cancel; return ``{id_key: record id}`` (empty: nothing published)."""
        record_id = ctx.external_ids.get(self.collection.id_key)
        if not ctx.booking.is_live:
            record_id = record_id or self.find(ctx, live_only=True)
            if record_id is None:
                return {}
            self._cancel(ctx, record_id)
            return {self.collection.id_key: record_id}
        record_id = record_id or self.find(ctx, live_only=True)
        if record_id is not None and self._update(ctx, record_id, payload):
            return {self.collection.id_key: record_id}
        return {self.collection.id_key: self._create(ctx, payload)}

    def find(self, ctx: StepContext, *, live_only: bool) -> str | None:
        """The id of the record this booking already has, if any: ``GET {path}?booking_id=``."""
        response = self._call(ctx, "GET", self.collection.path, "look-up", op="find", query=True)
        items = response.body.get("items") if isinstance(response.body, Mapping) else None
        if not isinstance(items, list):
            raise PermanentError(f"{self.api.system} look-up answered without an items list")
        mine = [
            item
            for item in items
            if isinstance(item, Mapping) and item.get("booking_id") == ctx.booking.key
        ]
        live = [item for item in mine if item.get("status") != "cancelled"]
        chosen = live or ([] if live_only else mine)
        return str(chosen[0]["id"]) if chosen else None

    def _create(self, ctx: StepContext, payload: Mapping[str, Any]) -> str:
        response = self._call(ctx, "POST", self.collection.path, "create", payload, op="create")
        return self._id_of(response)

    def _update(self, ctx: StepContext, record_id: str, payload: Mapping[str, Any]) -> bool:
        """True when updated; False when the record is gone and must be made anew."""
        path = f"{self.collection.path}/{record_id}"
        method = self.collection.update_method
        response = self._call(ctx, method, path, "update", payload, op="update", allow=GONE)
        return response.status not in GONE

    def _cancel(self, ctx: StepContext, record_id: str) -> None:
        """Cancel; a record already gone is already cancelled."""
        path = f"{self.collection.path}/{record_id}"
        self._call(ctx, "DELETE", path, "cancel", op="cancel", allow=GONE)

    def _call(
        self,
        ctx: StepContext,
        method: str,
        path: str,
        action: str,
        body: Mapping[str, Any] | None = None,
        *,
        op: str,
        query: bool = False,
        allow: frozenset[int] = frozenset(),
    ) -> ApiResponse:
        headers = {
            "Idempotency-Key": f"{ctx.idempotency_key}:{op}",
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
