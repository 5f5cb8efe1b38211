"""The message the manager pastes into the platform's chat to give the guest their page.

The platforms hide the renter's email address (none of the parsed emails carries it), so the guest
page's link reaches the guest through the manager: the summary carries this message, ready to
paste. It is in the fleet's words: a template with ``{first_name}``, ``{boat}``, ``{day}``
(``Sunday, June 14``), ``{weekday}`` (``Sunday``) and ``{link}``; only the renter's first name is
ever put in it. It is plain text; the HTML summary escapes it like every other value.
"""

import string
from datetime import datetime

#: what a fleet says unless it sets its own (``guest_message`` in the settings)
DEFAULT_GUEST_MESSAGE = (
    "Hi {first_name}, here is everything for {weekday} on {boat}: {link} "
    "(the time, where to meet, what to bring, and a place to share your photos after)"
)
PLACEHOLDERS = frozenset({"first_name", "boat", "day", "weekday", "link"})


def check_template(template: str) -> str:
    """The template, when every ``{placeholder}`` in it is one we fill; ``ValueError`` otherwise
    (at start-up, naming the unknown one, rather than at the first booking)."""
    try:
        parsed = [
            (name, spec, conversion)
            for _, name, spec, conversion in string.Formatter().parse(template)
            if name is not None
        ]
    except ValueError as exc:
        raise ValueError(f"guest_message: {exc}") from exc
    if any(spec or conversion for _, spec, conversion in parsed):
        raise ValueError("guest_message: placeholders take no format spec or conversion")
    fields = [name for name, _, _ in parsed]
    unknown = sorted({name for name in fields if name not in PLACEHOLDERS})
    if unknown:
        known = ", ".join("{" + name + "}" for name in sorted(PLACEHOLDERS))
        raise ValueError(f"guest_message: unknown placeholder(s) {unknown}; use {known}")
    if "link" not in fields:
        raise ValueError("guest_message: the message must carry {link}")
    return template


def guest_message(
    template: str, *, first_name: str | None, boat: str, start: datetime, link: str
) -> str:
    """The message for one booking (``start`` in the boat's zone)."""
    return check_template(template).format(
        first_name=first_name or "there",
        boat=boat,
        day=f"{start:%A, %B} {start.day}",
        weekday=f"{start:%A}",
        link=link,
    )
