"""The words templates use for each booking field. Labels vary and move; this is the one list.

Each pattern must match a whole label, normalised by ``normalise_label`` (lowercase, single
spaces, no trailing colon). A label matching several fields ("Departure": a place or a time) is
tried for each; the field's value reader decides which reading makes sense.
"""

import re
from functools import lru_cache

_GROSS_WORD = (
    r"(?:booking|trip|charter|rental|renter(?:'?s)?|guest(?:'?s)?|reservation|order|grand"
    r"|estimated|final|total|subtotal|price|amount|cost)"
)

FIELD_LABELS: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern)
    for name, pattern in {
        "booking_id": (
            r"(?:booking|reservation|trip|confirmation|charter)"
            r"(?: ?(?:id|#|no\.?|number|code|reference|ref\.?))?(?: ?#)?|id|ref(?:erence)?"
        ),
        "boat": r"(?:your )?(?:boat|listing|vessel|yacht)(?: name| listing)?",
        "renter": (
            r"renter(?:'?s)?(?: name)?|(?:lead |primary )?guest(?: name)?|booked by|customer"
            r"(?: name)?|name|client(?: name)?"
        ),
        "party_size": (
            r"passengers?|guests|group size|party size|party|group|guest count|passenger count"
            r"|(?:number|no\.?|#) of (?:guests|passengers|people)|people|pax|head ?count"
            r"|capacity booked"
        ),
        "date": r"(?:trip |charter |rental |departure |reservation )?(?:date|day)|when",
        "time": r"(?:trip |charter |rental )?(?:time|times|hours)|schedule|when",
        "start": (
            r"start(?:s| time| date)?|departure(?: time)?|depart(?:s|ing)?|begins?"
            r"|check[- ]?in|pick[- ]?up(?: time)?|from"
        ),
        "end": (
            r"end(?:s| time| date)?|return(?:s| time)?|arrival(?: time)?|check[- ]?out"
            r"|drop[- ]?off(?: time)?|until|to"
        ),
        "duration": (
            r"(?:trip |charter |rental |booking )?(?:duration|length)|hours|number of hours"
        ),
        # "Total", "Trip total", "Total trip cost", "Total paid by renter", "Total (USD)",
        # "Renter payments": an owner's word and a sum's word, never a fee, payout or earnings
        "gross": (
            rf"(?:{_GROSS_WORD} )*(?:total|subtotal|price|amount|cost)(?: {_GROSS_WORD})*"
            r"(?: (?:paid|charged|due))?(?: (?:by|from|to) (?:the |your )?(?:renter|guest"
            r"|customer|client|travell?er))?(?: \((?:usd|us\$|\$)\))?"
            r"|(?:renter|guest|trip|booking)(?:'?s)? (?:paid|payments?|payment amount)"
            r"|(?:paid|charged) (?:by|to) (?:the )?(?:renter|guest|customer)"
        ),
        "notes": (
            r"(?:message|note|notes) from .{1,40}|notes?|special requests?|requests?|comments?"
            r"|renter'?s? (?:message|note|notes)|message|additional (?:info|information|notes)"
        ),
        "meeting_point": (
            r"departure(?: location| point)?|meeting (?:point|location|place)|meet(?:ing)? at"
            r"|pick[- ]?up (?:location|point)|location|marina|departs from|dock|address|where"
        ),
    }.items()
}

_NOISE = re.compile(r"[*_:\s]+$|^[*_\s]+")


@lru_cache(maxsize=8192)
def normalise_label(label: str) -> str:
    """``**Booking ID:**`` → ``booking id``."""
    return " ".join(_NOISE.sub("", label).lower().split())


_ANY_LABEL = re.compile("|".join(f"(?:{p.pattern})" for p in FIELD_LABELS.values()))


@lru_cache(maxsize=4096)
def fields_labelled(label: str) -> frozenset[str]:
    """Every field a (normalised) label may name (templates repeat labels: cached)."""
    return frozenset(name for name, pattern in FIELD_LABELS.items() if pattern.fullmatch(label))


def is_known_label(label: str) -> bool:
    return _ANY_LABEL.fullmatch(label) is not None
