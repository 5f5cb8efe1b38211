"""The short pages a crew member sees after following a confirm / decline link."""

from dataclasses import dataclass, field
from typing import Any

from api.http import Response
from bookings import Booking
from templates import environment
from templates.assets import page_assets


@dataclass(frozen=True)
class Message:
    """A heading, a few lines, maybe the booking and a way to change one's mind."""

    heading: str
    lines: list[str] = field(default_factory=list)
    eyebrow: str = "Crew"
    booking: Booking | None = None
    problem: bool = False
    other_answer: dict[str, str] | None = None


def page(status: int, message: Message) -> Response:
    html = environment().get_template("link_page.html").render(page=page_assets(), m=message)
    return Response.html(status, html)


def answered(booking: Booking, answer: str, first_name: str | None) -> Response:
    confirmed = answer == "confirmed"
    thanks = f"Thanks {first_name}" if first_name else "Thanks"
    other: dict[str, Any] = (
        {"href": "decline", "label": "Can't make it? Decline instead"}
        if confirmed
        else {"href": "confirm", "label": "Can make it after all? Confirm instead"}
    )
    return page(
        200,
        Message(
            heading=f"{thanks}, you're confirmed" if confirmed else f"{thanks}, you've declined",
            lines=[
                "See you at the boat. The crew page has the call time and checklist."
                if confirmed
                else "The booking manager will find someone else for this charter."
            ],
            booking=booking,
            other_answer=other,
        ),
    )


def link_not_valid(*, expired: bool) -> Response:
    reason = (
        "This link has expired."
        if expired
        else "It may be incomplete, mistyped, or replaced by a newer one."
    )
    return page(
        410 if expired else 404,
        Message(
            heading="This link is not valid",
            lines=[reason, "Use the newest crew email, or ask the booking manager for a new link."],
            problem=True,
        ),
    )


def cancelled(booking: Booking) -> Response:
    return page(
        409,
        Message(
            heading="This charter was cancelled",
            lines=["No answer is needed: nobody sails this one."],
            booking=booking,
            problem=True,
        ),
    )


def not_found() -> Response:
    return page(404, Message(heading="Page not found", lines=["There is nothing at this address."]))


def try_later() -> Response:
    return page(
        503,
        Message(
            heading="Please try again in a minute",
            lines=[
                "We could not record your answer just now. Nothing was lost; the link still works."
            ],
            problem=True,
        ),
    )


def failed() -> Response:
    return page(
        500,
        Message(
            heading="Something went wrong on our side",
            lines=["Your answer was not recorded. Please try the link again later."],
            problem=True,
        ),
    )
