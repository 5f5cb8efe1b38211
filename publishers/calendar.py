"""The JADA internal calendar: one entry per booking, over HTTPS or by direct Lambda invoke.

Contract (DESIGN.md, Downstream systems): ``POST {base}/calendar`` with ``X-Dashboard-Token`` and
``{title, date, start_time, end_time, notes}``; ``PUT`` / ``DELETE {base}/calendar/{id}``; and
``GET {base}/calendar?booking_id=`` to find an entry an interrupted attempt made. Call the API
Gateway URL itself: CloudFront in front of it strips custom headers such as the token.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from bookings import Booking, Kind
from bookings.money import format_usd
from publishers.base import StepContext
from publishers.transport.api import Credential, HttpJsonApi, JsonApi, LambdaProxyApi, header
from publishers.transport.http import JsonHttp
from publishers.transport.records import Collection, RecordSync

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

SYSTEM = "calendar"
ENTRIES = Collection(path="/calendar", update_method="PUT", id_key="entry_id")


@dataclass(frozen=True)
class CalendarConfig:
    """How to reach the calendar: ``http`` (API Gateway URL + token) or ``lambda`` (IAM)."""

    transport: Literal["http", "lambda"] = "http"
    base_url: str | None = None
    function_name: str | None = None

    def __post_init__(self) -> None:
        if self.transport == "http" and not self.base_url:
            raise ValueError("calendar transport http needs calendar_base_url")
        if self.transport == "lambda" and not self.function_name:
            raise ValueError("calendar transport lambda needs calendar_function_name")


def calendar_api(
    config: CalendarConfig,
    *,
    token: Credential | None = None,
    http: JsonHttp | None = None,
    lambda_client: "LambdaClient | None" = None,
) -> JsonApi:
    """The transport the configuration chooses."""
    if config.transport == "lambda":
        assert config.function_name is not None  # checked by CalendarConfig
        return LambdaProxyApi(SYSTEM, config.function_name, client=lambda_client)
    if token is None:
        raise ValueError("calendar transport http needs the dashboard token")
    assert config.base_url is not None  # checked by CalendarConfig
    return HttpJsonApi(SYSTEM, config.base_url, header("X-Dashboard-Token", token), http)


class CalendarPublisher:
    """Makes the calendar hold one entry for the booking, matching it (or cancelled)."""

    step: ClassVar[str] = "calendar"
    depends_on: ClassVar[tuple[str, ...]] = ()

    def __init__(self, api: JsonApi) -> None:
        self._records = RecordSync(api, ENTRIES)

    @property
    def records(self) -> RecordSync:
        """The collection this step keeps the booking's record in (the audit reads it back)."""
        return self._records

    def input_of(self, booking: Booking) -> Mapping[str, Any]:
        return {"status": booking.status.value, **entry(booking)}

    def publish(self, ctx: StepContext) -> Mapping[str, str]:
        return self._records.sync(ctx, entry(ctx.booking))


def entry(booking: Booking) -> dict[str, str]:
    """The calendar entry for a booking, in the boat's local time."""
    start, end = booking.start, booking.end
    title = f"{booking.boat} charter: {booking.renter_name}"
    if booking.party_size:
        title += f" ({booking.party_size})"
    if booking.status is Kind.REQUEST:
        title = f"Request – {title}"
    return {
        "title": title,
        "date": start.date().isoformat(),
        "start_time": f"{start:%H:%M}",
        "end_time": f"{end:%H:%M}",
        "notes": notes(booking),
    }


def notes(booking: Booking) -> str:
    """What the dashboard shows under the entry; always names the booking id."""
    lines = [f"Booking {booking.key} ({booking.status.value})"]
    if booking.end.date() != booking.start.date():
        lines.append(f"Ends {booking.end:%Y-%m-%d %H:%M}")
    if booking.party_size:
        lines.append(f"Party of {booking.party_size}")
    if booking.gross is not None:
        lines.append(f"Gross {format_usd(booking.gross)}")
    if booking.meeting_point:
        lines.append(f"Meet at {booking.meeting_point}")
    if booking.notes:
        lines.append(f"Renter's notes: {booking.notes}")
    return "\n".join(lines)
