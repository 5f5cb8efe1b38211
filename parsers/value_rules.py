"""What makes a value what it claims to be: the rules in one place.

- A renter's name is a name. Taken from a label it is read as written (markup included: it is
  escaped where it is shown); taken from prose it loses the sentence around it ("Unfortunately,
  Marcus Oyelaran has just cancelled" gives "Marcus Oyelaran").
- A note ends where the template resumes: the next label, a section heading, a button, a link,
  the footer.
- A change notice's value is the new one: "(was …)", "(previously …)", "old → new",
  "was …, now …"; a label or a column that names the previous value is not read
  ("Original time", "Previous"), one that names the new value is ("New time", "Updated").
- Two readings of one field (the text and the HTML body, two cells of one row) must agree; how
  they are compared is ``same_value``.
"""

import re
from typing import Literal

Version = Literal["new", "old"] | None

# --- names ---------------------------------------------------------------------------------

#: a name read from prose: letters, apostrophes, hyphens, initials ("Omar S."), particles
_PROSE_NAME = re.compile(r"^[^\W\d_][^\W\d_.,'’-]*(?:[ '’-]+[^\W\d_]+)*\.?(?: [^\W\d_]+\.?)*$")
#: lowercase words allowed inside a name ("Ludwig van Beethoven", "María de la Cruz")
# fmt: off
_PARTICLES = frozenset((
    "van", "von", "de", "der", "den", "da", "di", "del", "della", "dos", "das", "du", "la", "le",
    "y", "bin", "ibn", "al", "el", "ten", "ter", "zu", "st",
))
#: capitalised words that open a sentence, never a name ("Unfortunately, ...", "Good news! ...")
_SENTENCE_WORDS = frozenset((
    "unfortunately", "sadly", "fortunately", "good", "great", "bad", "news", "hi", "hello", "hey",
    "dear", "congratulations", "congrats", "update", "heads", "up", "fyi", "so", "also", "well",
    "ok", "okay", "yay", "hooray", "woohoo", "note", "please", "sorry", "just", "today",
    "yesterday", "tomorrow", "your", "the", "a", "an", "our", "we", "you", "renter", "guest",
    "customer", "traveler", "traveller", "client", "captain", "owner", "host", "booking",
    "reservation", "trip", "charter", "request", "new", "reminder",
))
# fmt: on
_SENTENCE_BREAK = re.compile(r"[,;:!?()\[\]\"“”«»]|(?<=[^\W\d_]{2})\.\s|\s[-–—]\s")
_CONTACT = re.compile(r"@|://|www\.", re.IGNORECASE)
MAX_NAME = 80
_QUOTES = "\"'“”‘’«»"


def labelled_name(value: str) -> str | None:
    """A renter's name given by a label, read as written ("Maya <b>Thompson</b>" included);
    None for what is no name (empty, too long, a number, a link or an address)."""
    name = " ".join(value.split())
    if len(name) >= 2 and name[0] in _QUOTES and name[-1] in _QUOTES:
        name = name[1:-1].strip()  # the pair of quotes a template puts around it
    if not 0 < len(name) <= MAX_NAME or not any(c.isalpha() for c in name):
        return None
    if name[0].isdigit() or _CONTACT.search(name):
        return None
    return name


def name_in_prose(value: str) -> str | None:
    """The name in a sentence's words before its verb: the sentence's opening words, a comma's
    lead-in and trailing verbs or adverbs ("has", "just") are not the name."""
    text = " ".join(value.split())
    pieces = _SENTENCE_BREAK.split(text)
    text = pieces[-1].strip() if pieces else ""
    if not text and len(pieces) > 1:  # "Maya Thompson, has cancelled": the comma ends the name
        text = next((p.strip() for p in reversed(pieces) if p.strip()), "")
    words = text.split(" ")
    while words and (_lower(words[0]) or words[0].lower() in _SENTENCE_WORDS):
        words.pop(0)
    while words and (_lower(words[-1]) or words[-1].lower() in _SENTENCE_WORDS):
        words.pop()
    name = " ".join(words)
    if not name or len(name) > MAX_NAME or not _PROSE_NAME.match(name):
        return None
    return name


def _lower(word: str) -> bool:
    """A word that starts lowercase and is no particle of a name."""
    return bool(word) and word[0].islower() and word not in _PARTICLES


# --- notes ---------------------------------------------------------------------------------

_URL = re.compile(r"https?://|www\.\w", re.IGNORECASE)
_FOOTER = re.compile(
    r"^(?:©|\(c\)|copyright\b|all rights reserved|unsubscribe|notification settings"
    r"|manage (?:your )?(?:notifications|preferences|email)|you(?:'re| are) receiving"
    r"|this (?:email|message) was sent|sent from my|get the app|download the app"
    r"|privacy policy|terms of (?:service|use)|need help\??$|questions\?|contact (?:us|support)"
    r"|\S+(?: \S+)?,? (?:inc|llc|ltd|gmbh|corp)\b\.?)",
    re.IGNORECASE,
)
#: a button: a call to action, a few words, no sentence's full stop
_BUTTON = re.compile(
    r"^(?:reply|respond|accept|decline|approve|view|open|manage|message|contact|see|go to"
    r"|review|confirm|cancel|modify|change|send a message|write)"
    r"(?: [^\s.!?]+){0,4}\s*[›»>→]?$",
    re.IGNORECASE,
)
_BUTTON_OBJECTS = re.compile(
    r"^(?:reply|respond|accept|decline|approve|message|contact)$|\b(?:booking|reservation|trip"
    r"|request|details|message|messages|conversation|app|inbox|renter|guest|dashboard|itinerary"
    r"|receipt|now|here|online)\b|\b(?:to|with) [A-Z]",
    re.IGNORECASE,
)
#: a section heading: a few words naming a part of a booking email
_SECTION = re.compile(
    r"^(?:[\w'’]+ ){0,3}(?:summary|details|breakdown|pricing|price|payment|payments|payout"
    r"|earnings|itinerary|receipt|information|info|policy|next steps|what's next|what happens"
    r" next|trip|booking|reservation|charges|costs)$",
    re.IGNORECASE,
)


def ends_a_note(line: str) -> bool:
    """A line a template writes after a renter's note: a link, a button, a footer, a heading."""
    text = line.strip().rstrip(":").strip()
    if not text:
        return True
    if _URL.search(text) or _FOOTER.match(text):
        return True
    if _BUTTON.match(text) and _BUTTON_OBJECTS.search(text):
        return True
    return len(text) <= 40 and _SECTION.match(text) is not None


# --- new and previous values ---------------------------------------------------------------

#: the words that introduce a previous value ("was", "previously"); "old:", "before:" only with
#: their colon ("before the bridge" is a place)
_OLD_WORDS = (
    r"(?:(?:was|previously|formerly|originally)\b|(?:old|before|prior|original)(?: value)?:)"
)
#: "(was $840.75)", "[previously: 10 AM]"
_OLD_ASIDE = re.compile(rf"\(\s*{_OLD_WORDS}[^()]*\)|\[\s*{_OLD_WORDS}[^\[\]]*\]", re.IGNORECASE)
_ARROW = re.compile(r"\s(?:→|->|=>|⟶|➔|»)\s")
#: "was $840.75, now $1,260.00": what follows "now"
_WAS_NOW = re.compile(rf"^\s*{_OLD_WORDS}.*?\b(?:now|new|updated)\b:?\s*", re.IGNORECASE)
#: a trailing "previously $840.75" after the new value
_TRAILING_OLD = re.compile(rf"[,;]?\s+[-–—]?\s*{_OLD_WORDS}:?\s.*$", re.IGNORECASE)


#: what each pattern above needs in an ASCII value (lowercased): without any, none applies
_OLD_HINTS = (
    *("(", "[", "->", "=>"),
    *("was", "previous", "formerly", "original", "old", "before", "prior"),
)

#: any of them, found in one pass (a dozen ``in`` tests cost twice as much)
_OLD_HINT = re.compile("|".join(map(re.escape, _OLD_HINTS)))


def current_value(value: str) -> str:
    """The new value of one that may also show the previous one."""
    if value.isascii():  # (case-insensitive matching of other text may fold letters to ASCII)
        lowered = value.lower()
        if not _OLD_HINT.search(lowered):
            return " ".join(value.split())
    text = _OLD_ASIDE.sub(" ", value)
    arrows = _ARROW.split(text)
    if len(arrows) > 1:
        text = arrows[-1]
    text = _WAS_NOW.sub("", text)
    text = _TRAILING_OLD.sub("", text)
    return " ".join(text.split())


_NEW_LABEL = re.compile(r"^(?:new|updated|revised|amended|rescheduled|changed|current new) (.+)$")
_OLD_LABEL = re.compile(
    r"^(?:original|originally|previous|previously|old|former|prior|initial|was) (.+)$"
)
_SUFFIX = re.compile(r"^(.+?) \((new|updated|revised|now|original|previous|old|was)\)$")


def label_version(label: str) -> tuple[str, Version]:
    """A normalised label without the word that says it is the new or the previous value:
    "new time" → ("time", "new"); "original time" → ("time", "old"); "time" → ("time", None)."""
    if found := _NEW_LABEL.match(label):
        return found.group(1), "new"
    if found := _OLD_LABEL.match(label):
        return found.group(1), "old"
    if found := _SUFFIX.match(label):
        word = found.group(2)
        return found.group(1), "new" if word in {"new", "updated", "revised", "now"} else "old"
    return label, None


_NEW_NAMES = frozenset(
    {
        *("new", "updated", "revised", "after", "now", "current", "changed to", "new value"),
        *("new details", "proposed", "requested"),
    }
)
_OLD_NAMES = frozenset(
    {
        *("old", "original", "previous", "previously", "before", "was", "former", "prior"),
        *("old value", "original details", "previous details"),
    }
)
_BLANK_NAMES = frozenset(["", "field", "item", "detail", "details", "what", "change", "changes"])


def _names(names: frozenset[str]) -> re.Pattern[str]:
    """A column name that is one of ``names``, in any case (``re.IGNORECASE``: beyond ASCII it
    also takes letters such as "ſ" for "s", which a set lookup would not)."""
    return re.compile("^(?:" + "|".join(map(re.escape, sorted(names))) + ")$", re.IGNORECASE)


_NEW_COLUMN, _OLD_COLUMN, _BLANK_COLUMN = map(_names, (_NEW_NAMES, _OLD_NAMES, _BLANK_NAMES))


def new_column(cells: list[str]) -> int | None:
    """The index of the new values' column when ``cells`` is a header row naming a previous and a
    new column ("| Previous | Updated", "Field | Before | After"); None for any other row."""
    if len(cells) < 2:
        return None
    names = [" ".join(cell.lower().rstrip(":").split()) for cell in cells]
    # lowercased ASCII names: the patterns are set lookups, and most rows name neither column
    ascii_only = "".join(names).isascii()
    if ascii_only and (_NEW_NAMES.isdisjoint(names) or _OLD_NAMES.isdisjoint(names)):
        return None
    roles = [
        "new" if _NEW_COLUMN.match(n) else "old" if _OLD_COLUMN.match(n) else "" for n in names
    ]
    if "new" not in roles or "old" not in roles:
        return None
    if any(role == "" and not _BLANK_COLUMN.match(n) for role, n in zip(roles, names, strict=True)):
        return None
    return roles.index("new")


# --- agreement -----------------------------------------------------------------------------

_SKELETON = re.compile(r"[\W_]+")


def same_value(first: object, second: object) -> bool:
    """Two readings of a field agree: equal, or, for text, equal in their words (quotes,
    punctuation, spacing and case aside, which a text rendition of HTML changes)."""
    if isinstance(first, str) and isinstance(second, str):
        return _SKELETON.sub("", first).casefold() == _SKELETON.sub("", second).casefold()
    return first == second
