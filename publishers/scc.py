"""ShipCaptainCrew: one crew event per confirmed booking; SCC itself invites the crew.

Contract: ``POST {base}/events`` with ``Authorization: Bearer <service key>`` and
``{event_name, date, start_time, end_time, crew: [ids], notes}``; ``PATCH`` / ``DELETE
{base}/events/{id}``; ``GET {base}/events?booking_id=`` finds an event an interrupted attempt made.
A *request* is not published: SCC would invite the crew to a charter the owner has not accepted.
"""

from collections.abc import Mapping
from typing import Any, ClassVar

from bookings import Booking, Fleet, Kind
from publishers.base import StepContext
from publishers.transport.api import Credential, HttpJsonApi, JsonApi, bearer
from publishers.transport.http import JsonHttp
from publishers.transport.records import Collection, RecordSync

SYSTEM = "scc"
EVENTS = Collection(path="/events", update_method="PATCH", id_key="event_id")


def scc_api(base_url: str, service_key: Credential, http: JsonHttp | None = None) -> JsonApi:
    """SCC's API with its bearer key."""
    return HttpJsonApi(SYSTEM, base_url, bearer(service_key), http)


class SccPublisher:
    """Makes SCC hold one event for the booking with the roster's crew (or cancelled)."""

    step: ClassVar[str] = "scc"
    depends_on: ClassVar[tuple[str, ...]] = ()

    def __init__(self, api: JsonApi, fleet: Fleet) -> None:
        self._records = RecordSync(api, EVENTS)
        self._fleet = fleet

    @property
    def records(self) -> RecordSync:
        """The collection this step keeps the booking's record in (the audit reads it back)."""
        return self._records

    def input_of(self, booking: Booking) -> Mapping[str, Any]:
        return {"status": booking.status.value, **self.event(booking)}

    def publish(self, ctx: StepContext) -> Mapping[str, str]:
        if ctx.booking.status is Kind.REQUEST:
            return dict(ctx.external_ids)  # not accepted yet: nothing to invite the crew to
        return self._records.sync(ctx, self.event(ctx.booking))

    def event(self, booking: Booking) -> dict[str, Any]:
        """The SCC event: crew are SCC's ids from the roster (people without one are left out).

        ``UnknownBoat`` (permanent) when the fleet lacks the booking's boat."""
        crew = self._fleet.assign(booking)
        start, end = booking.start, booking.end
        lines = [f"Booking {booking.key}"]
        if booking.party_size:
            lines.append(f"Party of {booking.party_size}, renter {booking.renter_name}")
        else:
            lines.append(f"Renter {booking.renter_name}")
        if booking.meeting_point:
            lines.append(f"Meet at {booking.meeting_point}")
        if booking.notes:
            lines.append(f"Renter's notes: {booking.notes}")
        return {
            "event_name": f"{booking.boat} charter {start:%a %b} {start.day}",
            "date": start.date().isoformat(),
            "start_time": f"{start:%H:%M}",
            "end_time": f"{end:%H:%M}",
            "crew": [m.scc_id for m in crew.everyone if m.scc_id],
            "notes": "\n".join(lines),
        }
