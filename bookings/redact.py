"""Text bound for logs and dead-letter attributes, with what could identify a renter taken out.

A reason names fields and labels, never values: what the worker writes itself follows that rule.
Text it quotes from elsewhere (a downstream system's error message) cannot be trusted to, so it is
masked here before it becomes a reason: contact details, anything in quotes (systems quote what
they were sent), and the names the caller knows belong to the booking.
"""

import re
from collections.abc import Iterable

EMAIL = re.compile(r"[\w.+'-]+@([\w-]+\.)+[\w-]+")
#: a phone number: optional +country, then 10-15 digits in groups split by spaces, dots, dashes or
#: parentheses. Dates (8 digits) and bare ids (no separators) do not match.
PHONE = re.compile(r"(?<![\w-])\+?\(?\d{1,4}\)?(?:[ .-]\(?\d{2,4}\)?){2,4}(?![\w-])")
#: text in straight or curly quotes, single or double (no longer than a quoted value would be)
QUOTED = re.compile(r"'[^'\n]{1,300}'|\"[^\"\n]{1,300}\"|“[^”\n]{1,300}”|‘[^’\n]{1,300}’")
#: shortest part of a name masked on its own ("Al" is masked, "A." is not)
MIN_NAME_PART = 2


def mask(text: str) -> str:
    """``maya@example.com`` → ``<email>``, ``+1 (619) 555-0134`` → ``<phone>``."""
    text = EMAIL.sub("<email>", text)
    return PHONE.sub(_phone_or_keep, text)


def _phone_or_keep(match: re.Match[str]) -> str:
    digits = sum(ch.isdigit() for ch in match.group(0))
    return "<phone>" if 10 <= digits <= 15 else match.group(0)


def redact(text: str, names: Iterable[str] = ()) -> str:
    """``text`` without contact details, quoted values, or any word of ``names``."""
    text = mask(text)
    text = QUOTED.sub("<quoted>", text)
    parts = {p for name in names for p in re.split(r"[\s,.]+", name) if len(p) >= MIN_NAME_PART}
    for part in sorted(parts, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(part)}(?!\w)", "<name>", text, flags=re.IGNORECASE)
    return text
