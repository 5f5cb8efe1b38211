"""Reading the calendar's entries and SCC's events back: the look-up every sync already relies on.

The records APIs' contract has no read of one record by id, but it has the look-up by booking
(``GET {path}?booking_id=``, :mod:`publishers.transport.records`), which every publish already
uses; the audit reads the same way. The record the step stored the id of is ours: absent, or
``cancelled`` while the booking is live, it is missing; a field of the payload we published that
reads back different is an edit. Fields the system adds (``id``, ``status``, ``revision``,
``created_at``, ...) are not compared.
"""

from collections.abc import Callable, Mapping
from typing import Any

from audit.readback import MATCH, NotReadable, Seen, Verdict, differing_fields, incident
from bookings import Booking, PermanentError
from publishers.base import Publisher
from publishers.transport.api import ApiRequest
from publishers.transport.http import check
from publishers.transport.records import RecordSync
from state.store import StepRecord

#: what a system without reads answers a GET
NO_READS = frozenset({405, 501})


class RecordsReadback:
    """Reads one booking's record back from a records API (calendar, SCC)."""

    def __init__(
        self,
        publisher: Publisher,
        records: RecordSync,
        payload: Callable[[Booking], Mapping[str, Any]],
    ) -> None:
        """``payload``: what the publisher sends for a booking (``publishers.calendar.entry``,
        ``SccPublisher.event``)."""
        self.publisher = publisher
        self.records = records
        self.payload = payload

    def read(self, booking: Booking, step: StepRecord) -> Seen:
        stored = step.external_ids.get(self.records.collection.id_key)
        found = self._lookup(booking)
        ours = next((r for r in found if stored is not None and r["id"] == stored), None)
        if ours is None or ours.get("status") == "cancelled":
            how = "absent" if ours is None else "cancelled"
            return Seen(Verdict.MISSING, how, incident("missing", stored, how))
        edited = differing_fields(self.payload(booking), ours)
        if edited:
            return Seen(Verdict.EDITED, ", ".join(edited), incident("edited", ours))
        return MATCH

    def _lookup(self, booking: Booking) -> list[Mapping[str, Any]]:
        """The system's records for the booking (``GET {path}?booking_id=``)."""
        api = self.records.api
        response = api.call(
            ApiRequest(
                "GET",
                self.records.collection.path,
                {"X-Booking-Id": booking.key},
                query={"booking_id": booking.key},
            )
        )
        if response.status in NO_READS:
            raise NotReadable(f"{api.system} answers reads with HTTP {response.status}")
        check(api.system, response, "read-back", names=[booking.renter_name])
        items = response.body.get("items") if isinstance(response.body, Mapping) else None
        if not isinstance(items, list):
            raise PermanentError(f"{api.system} read-back answered without an items list")
        return [
            {**item, "id": str(item["id"])}
            for item in items
            if isinstance(item, Mapping)
            and item.get("booking_id") == booking.key
            and isinstance(item.get("id"), str | int)
        ]
