"""The short pages a crew member sees on a confirm / decline link: the question with its one
button (GET, which records nothing, so mail scanners that open links answer nothing), the thanks
after the button (POST), and the pages for links that cannot be answered."""

from dataclasses import dataclass, field
from typing import Literal

from api.http import Response
from bookings import Booking
from state.links import RecordedAnswer
from templates import environment
from templates.assets import page_assets
from templates.filters import clock, short_day

Verb = Literal["confirm", "decline"]


@dataclass(frozen=True)
class Link:
    """A relative link (``confirm`` / ``decline`` resolve next to the page's own URL)."""

    href: str
    label: str


@dataclass(frozen=True)
class Message:
    """A heading, a few lines, maybe the booking, the one button and a way to change one's mind."""

    heading: str
    lines: list[str] = field(default_factory=list)
    eyebrow: str = "Crew"
    booking: Booking | None = None
    problem: bool = False
    button: Link | None = None  # a form POSTing to ``href``
    other_answer: Link | None = None


def page(status: int, message: Message) -> Response:
    assets = page_assets(forms_post_to=["'self'"] if message.button else [])
    html = environment().get_template("link_page.html").render(page=assets, m=message)
    return Response.html(status, html)


def _switch_to(verb: Verb) -> Link:
    """The way to the other answer's page (a GET: it asks again before recording)."""
    if verb == "decline":
        return Link("decline", "Can't make it? Decline instead")
    return Link("confirm", "Can make it after all? Confirm instead")


def ask(booking: Booking, verb: Verb, crew_name: str, previous: RecordedAnswer | None) -> Response:
    """The question a link opens on: who, which charter, and one button that answers.

    ``previous`` (its time in the boat's zone) is said on the page; the button still answers.
    """
    confirming = verb == "confirm"
    lines = [
        f"Crew: {crew_name}",
        "Press the button to tell the booking manager you'll be there."
        if confirming
        else "Press the button to tell the booking manager, so they can find someone else.",
    ]
    if previous is not None:
        answer, at = previous.answer, previous.answered_at
        when = f"{short_day(at)} at {clock(at)} {at:%Z}".rstrip()
        same = answer == ("confirmed" if confirming else "declined")
        lines.insert(
            1,
            f"You already {answer} on {when}."
            if same
            else f"You {answer} on {when}. The button below changes your answer.",
        )
    return page(
        200,
        Message(
            heading="Confirm you'll crew this charter"
            if confirming
            else "Can't make this charter?",
            lines=lines,
            booking=booking,
            button=Link(verb, "Yes, I'll be there" if confirming else "I can't make it"),
            other_answer=_switch_to("decline" if confirming else "confirm"),
        ),
    )


def answered(booking: Booking, answer: str, first_name: str | None) -> Response:
    confirmed = answer == "confirmed"
    thanks = f"Thanks {first_name}" if first_name else "Thanks"
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
            other_answer=_switch_to("decline" if confirmed else "confirm"),
        ),
    )


def cross_site() -> Response:
    return page(
        403,
        Message(
            heading="This answer was not recorded",
            lines=[
                "It was sent from another website, not from your link.",
                "Open the link in your crew email or on the crew page and press the button there.",
            ],
            problem=True,
        ),
    )


def not_allowed(allow: str) -> Response:
    return page(
        405, Message(heading="Not here", lines=["Open the link and use its button."], problem=True)
    ).with_headers({"allow": allow})


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
                "We could not reach our records just now. Nothing was lost; the link still works."
            ],
            problem=True,
        ),
    )


def failed() -> Response:
    return page(
        500,
        Message(
            heading="Something went wrong on our side",
            lines=["Nothing was recorded. Please try the link again later."],
            problem=True,
        ),
    )
