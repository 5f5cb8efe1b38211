"""The booking manager's summary: the booking, the crew, and what the charter leaves (the margin).

Sent through SES, or POSTed as JSON to the manager's Apps Script webhook when one is configured
(Apps Script answers a POST with a 302 to its result, which is fetched with a GET, as a browser
would). New bookings, requests, changes (what changed, old → new, the net included) and
cancellations each say which they are, and every summary says how the booking's email was proven
the platform's (its provenance). Money travels as strings so Decimal stays exact.

Each summary is keyed by what it sends (:mod:`publishers.deliveries`): ``new`` once per booking,
any other kind once per summary it follows and content; a summary whose answer was lost blocks
the next one until SES reports on it.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, ClassVar, Literal

from bookings import (
    FIELD_NAMES,
    Booking,
    Fleet,
    Kind,
    Margin,
    MarginPolicy,
    NotInFleet,
    missing_fields,
)
from bookings.money import format_usd
from publishers.base import DeliveryLog, StepContext
from publishers.changes import MANAGER_FIELDS, Change, changes
from publishers.deliveries import Sent, send_once
from publishers.guest_message import DEFAULT_GUEST_MESSAGE, guest_message
from publishers.guest_page import PLATFORMS
from publishers.transport.http import JsonHttp, check
from publishers.transport.mail import Mailer, compose
from state import keys
from state.once import payload_hash
from templates import environment, source_digest
from templates.filters import day, short_day, span

TEMPLATES = (
    "_email_layout.html",
    "summary.html",
    "summary.txt",
    "summary_unannounced.html",
    "summary_unannounced.txt",
)
SummaryKind = Literal["new", "request", "changed", "cancelled", "cancelled_unannounced"]


@dataclass(frozen=True)
class SummarySettings:
    """Where the summary goes."""

    #: verified SES sender
    from_address: str
    #: the booking manager
    manager_address: str
    #: the manager's Apps Script web app URL; when set, used instead of SES
    webhook_url: str | None = None
    #: the message for the guest the summary carries, ready to paste into the platform's chat
    #: (:mod:`publishers.guest_message`)
    guest_message: str = DEFAULT_GUEST_MESSAGE


@dataclass(frozen=True)
class MarginRow:
    """One line of the margin table."""

    label: str
    detail: str
    amount: str


class SummaryPublisher:
    """Tells the booking manager about a booking and its margin, once per state."""

    step: ClassVar[str] = "summary"
    depends_on: ClassVar[tuple[str, ...]] = ("calendar", "scc", "guest_page", "crew_page")

    def __init__(
        self,
        fleet: Fleet,
        policy: MarginPolicy,
        settings: SummarySettings,
        deliveries: DeliveryLog,
        *,
        mailer: Mailer | None = None,
        http: JsonHttp | None = None,
    ) -> None:
        if settings.webhook_url is None and mailer is None:
            raise ValueError("the summary needs a mailer (SES) or a webhook URL")
        self._fleet = fleet
        self._policy = policy
        self._settings = settings
        self._deliveries = deliveries
        self._mailer = mailer
        self._http = http or JsonHttp()

    def input_of(self, booking: Booking) -> Mapping[str, Any]:
        margin = self._fleet.margin(booking, self._policy)
        return {
            "fields": {label: read(booking) for label, read in MANAGER_FIELDS},
            "margin": margin.model_dump(mode="json") if margin else None,
            "crew": [[name, role] for name, role in self._crew(booking)],
            "channel": "webhook" if self._settings.webhook_url else "ses",
            "templates": source_digest(*TEMPLATES),
            # only when known: bookings stored before provenance keep their hash (no re-send)
            **({"provenance": booking.provenance.text} if booking.provenance else {}),
            # only when something is missing: a complete booking's hash is as it was
            **({"missing": missing} if (missing := missing_of(booking)) else {}),
        }

    def publish(self, ctx: StepContext) -> Mapping[str, str]:
        sent = self._deliver(ctx)
        shown = payload_hash(self.input_of(ctx.booking))
        if sent.payload_hash == shown or not sent.payload or not ctx.booking.is_live:
            return {"message_id": sent.message_id}
        # the "new" the manager got showed an older state (its answer was lost, the booking
        # changed before SES reported): a "changed" from what it showed follows
        previous = Booking.model_validate_json(sent.payload)
        follow = replace(ctx, previous=previous, external_ids={"message_id": sent.message_id})
        return {"message_id": self._deliver(follow).message_id}

    def _deliver(self, ctx: StepContext) -> Sent:
        """Send the summary ``ctx`` calls for, keyed by what it sends: ``new`` and an
        unannounced cancellation once per booking, any other kind once per summary it follows
        and content."""
        view = self.view(ctx)
        env = environment()
        name = "summary_unannounced" if view["kind"] == "cancelled_unannounced" else "summary"
        text = env.get_template(f"{name}.txt").render(s=view)
        html = env.get_template(f"{name}.html").render(s=view)
        shown = payload_hash(self.input_of(ctx.booking))
        lane = keys.summary_lane(ctx.booking.key)
        if view["kind"] in ("new", "cancelled_unannounced"):
            key = keys.send_key(lane, view["kind"])
        else:
            key = keys.send_key(lane, view["kind"], ctx.external_ids.get("message_id", ""), shown)
        payload = ctx.booking.model_dump_json()
        if self._settings.webhook_url:
            return send_once(
                self._deliveries,
                key,
                lambda _: self._post(ctx, view, text, html, key.name),
                payload_hash=shown,
                payload=payload,
                tagged=False,
            )
        # the first "new" of a step that never published: marked without reading the lane first
        # (only an earlier attempt's own "new" can be there; an unannounced cancellation still
        # pending would only have delayed it, never stopped it)
        fresh = view["kind"] == "new" and ctx.previous is None and not ctx.external_ids
        return send_once(
            self._deliveries,
            key,
            lambda tag: self._mail(ctx, view, text, html, tag),
            payload_hash=shown,
            payload=payload,
            fresh=fresh,
            # a send made now is the lane's last of this publish (a "changed" follows only a
            # recalled "new"): its record may wait for the run's others
            held=ctx.records,
        )

    # --- what the summary says ---------------------------------------------------------------
    def view(self, ctx: StepContext) -> dict[str, Any]:
        """Everything the summary templates and the webhook show."""
        booking = ctx.booking
        margin = self._fleet.margin(booking, self._policy)
        what_changed = changes(ctx.previous, booking, MANAGER_FIELDS)
        if ctx.previous is not None and booking.is_live:
            old = self._fleet.margin(ctx.previous, self._policy)
            if old is not None and margin is not None and old.net != margin.net:
                what_changed.append(Change("Net", net_text(old), net_text(margin)))
        was, now = provenance_text(ctx.previous), provenance_text(booking)
        if ctx.previous is not None and was != now and was != "unknown":
            what_changed.append(Change("Provenance", was, now))
        kind = summary_kind(booking, ctx.previous)
        upstream = ctx.upstream
        guest_page = upstream.get("guest_page", {}).get("url")
        return {
            "kind": kind,
            "subject": subject_of(kind, booking, margin),
            "booking": booking,
            "when": f"{day(booking.start)}, {span(booking.start, booking.end)}",
            "short_when": short_day(booking.start),
            "crew": self._crew(booking),
            "margin": margin_rows(margin, self._policy, *self._rates(booking)),
            "numbers": numbers(margin),
            "changes": what_changed,
            "provenance": provenance_text(booking),
            "missing": [FIELD_NAMES[name] for name in missing_fields(booking)],
            "unread_labels": list(booking.unread_labels) if missing_fields(booking) else [],
            "guest_message": self._guest_message(booking, guest_page),
            "platform": PLATFORMS.get(booking.source, booking.source.title()),
            "links": {
                "guest_page": guest_page,
                "crew_page": upstream.get("crew_page", {}).get("url"),
                "gallery": upstream.get("crew_page", {}).get("gallery_url"),
                "calendar_entry": upstream.get("calendar", {}).get("entry_id"),
                "scc_event": upstream.get("scc", {}).get("event_id"),
            },
        }

    def _guest_message(self, booking: Booking, guest_page: str | None) -> str | None:
        """The message that gives the guest their page; None without a page or a charter."""
        if guest_page is None or not booking.is_live:
            return None
        return guest_message(
            self._settings.guest_message,
            first_name=booking.renter_first_name,
            boat=booking.boat,
            start=booking.start,
            link=guest_page,
        )

    def _crew(self, booking: Booking) -> list[tuple[str, str]]:
        try:
            crew = self._fleet.assign(booking)
        except NotInFleet:  # the manager still hears of a booking on a boat the fleet lacks
            return []
        return [(m.name, m.role) for m in crew.everyone]

    def _rates(self, booking: Booking) -> tuple[list[tuple[str, Decimal]], Decimal]:
        """Each crew member's hourly rate and the captain's, as ``Fleet.margin`` counts them."""
        policy = self._policy
        try:
            crew = self._fleet.assign(booking)
        except NotInFleet:
            return [("Crew", policy.crew_hourly)], policy.captain_hourly
        crew_rates = [
            (m.name, policy.crew_hourly if m.hourly_rate is None else m.hourly_rate)
            for m in crew.crew
        ] or [("Crew", policy.crew_hourly)]
        captain = crew.captain
        captain_rate = (
            policy.captain_hourly
            if captain is None or captain.hourly_rate is None
            else captain.hourly_rate
        )
        return crew_rates, captain_rate

    # --- delivery ---------------------------------------------------------------------------------
    def _mail(
        self, ctx: StepContext, view: Mapping[str, Any], text: str, html: str, tag: str
    ) -> str:
        assert self._mailer is not None
        message = compose(
            sender=self._settings.from_address,
            to=self._settings.manager_address,
            subject=view["subject"],
            text=text,
            html=html,
            headers={"X-Charterhand-Booking": ctx.booking.key, "X-Charterhand-Kind": view["kind"]},
        )
        return self._mailer.send(message, system="SES (summary)", tag=tag)

    def _post(
        self, ctx: StepContext, view: Mapping[str, Any], text: str, html: str, key: str
    ) -> str:
        assert self._settings.webhook_url is not None
        headers = {
            "Idempotency-Key": key,
            "X-Booking-Id": ctx.booking.key,
        }
        body = webhook_body(view, text, html)
        response = self._http.request(
            "summary webhook", "POST", self._settings.webhook_url, headers=headers, body=body
        )
        if response.status in (302, 303) and response.location:
            response = self._http.request(
                "summary webhook", "GET", response.location, headers=headers
            )
        check("summary webhook", response, "post", names=[ctx.booking.renter_name])
        answer = response.body
        if isinstance(answer, Mapping) and isinstance(answer.get("id"), str | int):
            return f"webhook:{answer['id']}"
        return f"webhook:{headers['Idempotency-Key']}"


def summary_kind(booking: Booking, previous: Booking | None) -> SummaryKind:
    """What the summary announces; a cancellation of a booking never summarised (its
    cancellation arrived first) is ``cancelled_unannounced``: one line, nothing "Cancelled"."""
    if not booking.is_live:
        return "cancelled" if previous is not None else "cancelled_unannounced"
    if booking.status is Kind.REQUEST:
        return "request"
    return "changed" if previous is not None else "new"


def provenance_text(booking: Booking | None) -> str:
    """How the booking's email was proven the platform's, as the manager reads it."""
    if booking is None or booking.provenance is None:
        return "unknown"
    return booking.provenance.text


def net_text(margin: Margin) -> str:
    return f"{format_usd(margin.net)} ({margin.net_percent}%)"


def subject_of(kind: SummaryKind, booking: Booking, margin: Margin | None) -> str:
    title = {
        "new": "New booking",
        "request": "Booking request",
        "changed": "Changed booking",
        "cancelled": "Cancelled booking",
        "cancelled_unannounced": "Cancelled before it was confirmed",
    }[kind]
    subject = f"{title}: {booking.boat} {short_day(booking.start)}, {booking.renter_name}"
    if margin is not None and kind in ("new", "request", "changed"):
        subject += f", net {net_text(margin)}"
    return subject


def _hours(value: Decimal) -> str:
    """``3``, ``2.5``, ``18``: no trailing zeros."""
    return f"{value.normalize():f}"


def margin_rows(
    margin: Margin | None,
    policy: MarginPolicy,
    crew_rates: list[tuple[str, Decimal]],
    captain_rate: Decimal,
) -> list[MarginRow]:
    """The breakdown as the manager reads it: gross, each cost, net; empty without a gross."""
    if margin is None:
        return []
    crew_detail = "; ".join(
        f"{name}: {_hours(margin.crew_hours)} h at {format_usd(rate)}/h"
        for name, rate in crew_rates
    )
    fee_percent = _hours(policy.platform_fee_rate * 100)
    return [
        MarginRow("Gross", f"{_hours(margin.hours)} h charter", format_usd(margin.gross)),
        MarginRow("Crew", crew_detail, format_usd(-margin.crew_cost)),
        MarginRow(
            "Captain",
            f"{_hours(margin.hours)} h at {format_usd(captain_rate)}/h",
            format_usd(-margin.captain_cost),
        ),
        MarginRow("Platform fee", f"{fee_percent}% of gross", format_usd(-margin.platform_fee)),
        MarginRow("Net", f"{margin.net_percent}% of gross", format_usd(margin.net)),
    ]


def numbers(margin: Margin | None) -> dict[str, str] | None:
    """The margin's amounts as exact decimal strings, for a spreadsheet."""
    if margin is None:
        return None
    return {
        **{name: str(value) for name, value in margin.model_dump().items()},
        "net_percent": str(margin.net_percent),
    }


def missing_of(booking: Booking) -> dict[str, list[str]] | None:
    """The fields the booking's platform normally sends that no email of it gave, and the
    label-like words its emails used that no field is known by; None when nothing is missing."""
    missing = missing_fields(booking)
    if not missing:
        return None
    return {"fields": list(missing), "labels": list(booking.unread_labels)}


def webhook_body(view: Mapping[str, Any], text: str, html: str) -> dict[str, Any]:
    """The JSON the Apps Script receives: structured fields plus both renderings."""
    booking: Booking = view["booking"]
    return {
        "kind": view["kind"],
        "subject": view["subject"],
        "booking": booking.model_dump(mode="json", exclude={"stamps", "unread_labels"}),
        "missing": missing_of(booking),
        "crew": [{"name": name, "role": role} for name, role in view["crew"]],
        "margin": view["numbers"],
        "margin_rows": [
            {"label": r.label, "detail": r.detail, "amount": r.amount} for r in view["margin"]
        ],
        "changes": [{"field": c.label, "old": c.old, "new": c.new} for c in view["changes"]],
        "links": view["links"],
        "guest_message": view["guest_message"],
        "provenance": view["provenance"],
        "text": text,
        "html": html,
    }
