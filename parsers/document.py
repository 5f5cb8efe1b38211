"""One readable body (the text or the HTML alternative) as lines, and the label/value pairs in it.

A pair is found in any of the shapes templates use:
``Label: value``; a table row rendered ``Label<TAB>value`` (or ``Label | value`` in text);
``Label:`` or a known label alone on its line with the value on the next line (a heading and its
paragraph). A renter's message is read whole and its lines are not searched for labels: what a
renter writes is never taken for a field; it ends where the template resumes.

Change notices show the previous value beside the new one; only the new one is a pair's value
(``parsers.value_rules``): "New time" is the time and "Original time" is not, a table headed
"Previous | Updated" gives its updated column, and "(was …)" asides are dropped.
"""

import re
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from parsers.html import CELL, render_html
from parsers.labels import FIELD_LABELS, normalise_label
from parsers.once import once
from parsers.value_rules import (
    Version,
    current_value,
    ends_a_note,
    label_version,
    name_in_prose,
    new_column,
)
from parsers.vocabulary import BUILT_IN, Vocabulary

_LABEL_LINE = re.compile(r"^(?P<label>[^:\d\t]{1,48}?)\s*:(?:\s+(?P<value>.*))?$")
_QUOTE_PREFIX = re.compile(r"^(?:\s*>)+\s?")
_WIDE_GAP = re.compile(r" {3,}")
_QUOTES = "\"'“”‘’«»„"
_NOTES = FIELD_LABELS["notes"]
#: a text table's cell border: "Total paid by renter | $1,260.00", "| Time | 2:00 PM |"
_PIPE = re.compile(r"\s+\|\s+|^\|\s*|\s*\|$")
MAX_LINES = 5000
#: list bullets and numbering a template puts before "Label: value"
_BULLETS = "•·●▪◦‣∙*-–—"
_BULLET = re.compile(
    rf"^(?:[{re.escape(_BULLETS)}]\s+|\d{{1,2}}[.)]\s+(?=[^\W\d_][^\d:]{{0,40}}:))"
)
#: what an unknown label may look like: a few words, no digits
_LABEL_LIKE = re.compile(r"^[^\W\d_][^\W\d_'’#()/-]*(?: [^\W\d_'’#()/-]+){0,3}$")
_HAS_NUMBER = re.compile(r"\d")
#: fields whose values accept any text: never read from a line without a colon or a cell
_FREE_TEXT = frozenset({"boat", "renter", "notes", "meeting_point", "end"})
#: labels too common as sentence openers to lead a "Label value" line without a colon
_NOT_LEADING = frozenset(
    [
        "name",
        "when",
        "where",
        "from",
        "to",
        "until",
        "message",
        "note",
        "notes",
        "request",
        "requests",
        "comment",
        "comments",
        "customer",
        "client",
        "boat",
        "listing",
        "vessel",
        "yacht",
        "guest",
        "renter",
        "location",
        "address",
        "marina",
        "dock",
        "departure",
        "depart",
        "departs",
        "departing",
        "price",
        "amount",
        "party",
        "group",
        "people",
        "id",
        "ref",
        "return",
        "returns",
        "end",
        "ends",
        "arrival",
        "begins",
        "begin",
        "start",
        "starts",
    ]
)


class Pair(NamedTuple):
    """A label and its value on a line (immutable; a tuple: a body holds a dozen, made fast)."""

    label: str  # normalised
    value: str
    line: int
    fields: frozenset[str]  # the fields this pair's label may name
    #: "new" / "old" when the label says the value is the new or the previous one
    version: Version = None
    #: the value cells of a table row that has more than one ("Time | 10 AM | 2 PM")
    cells: tuple[str, ...] = ()


class Document:
    """A body as lines, with the hrefs of its links (HTML only), read with one vocabulary."""

    def __init__(
        self, lines: Sequence[str], links: Sequence[str] = (), vocabulary: Vocabulary = BUILT_IN
    ) -> None:
        self.lines = list(lines[:MAX_LINES])
        self.links = list(links)
        self.vocabulary = vocabulary

    @classmethod
    def from_text(cls, text: str, vocabulary: Vocabulary = BUILT_IN) -> "Document":
        lines = []
        # each pattern is tried only on a line holding the character it needs
        for raw in text.splitlines():
            line = _QUOTE_PREFIX.sub("", raw) if ">" in raw else raw
            line = line.replace("\xa0", " ").strip()
            if "   " in line:
                line = _WIDE_GAP.sub(CELL, line)
            if "|" in line:
                line = _PIPE.sub(CELL, line).strip(CELL)
            line = _unbulleted(line)
            if CELL in line:
                cells = [" ".join(c.split()) for c in line.split(CELL) if c.strip()]
                lines.append(CELL.join(cells))
            else:
                lines.append(" ".join(line.split()))
        return cls(lines, (), vocabulary)

    @classmethod
    def from_html(cls, markup: str, vocabulary: Vocabulary = BUILT_IN) -> "Document":
        rendered = render_html(markup)
        return cls([_unbulleted(line) for line in rendered.lines], rendered.links, vocabulary)

    def after(self, index: int) -> "Document":
        """The part of this document after line ``index`` (the body of a forwarded message)."""
        return Document(self.lines[index + 1 :], self.links, self.vocabulary)

    def pair(self, label: str, value: str, line: int, cells: tuple[str, ...] = ()) -> Pair:
        """A pair; a label that says "new" names its field, one that says "original" none, and
        a value keeps only its new part (a note is kept whole: a renter wrote it)."""
        fields = self.vocabulary.fields(label)
        version: Version = None
        if not fields:
            bare, version = label_version(label)
            fields = self.vocabulary.fields(bare) if version == "new" else frozenset()
        if "notes" not in fields:
            value = current_value(value)
        return Pair(label, value, line, fields, version, cells)

    @once
    def unknown_labels(self) -> list[str]:
        """Label-like words this body uses that no field is known by (what an operator may add).

        Only those among the known fields (a known pair within two lines): a line a renter wrote
        elsewhere in the body is never reported, so never logged.
        """
        known_lines = {p.line for p in self.pairs if p.fields}
        seen = dict.fromkeys(
            p.label
            for p in self.pairs
            if not p.fields
            and p.version is None
            and _LABEL_LIKE.match(p.label)
            and any(abs(p.line - line) <= 2 for line in known_lines)
        )
        return list(seen)

    @once
    def text(self) -> str:
        return "\n".join(line.replace(CELL, " ") for line in self.lines)

    @once
    def pairs(self) -> list[Pair]:
        found: list[Pair] = []
        index = 0
        columns: tuple[int, int] | None = None  # (header cells, new column) of a change table
        # a blank line holds no pair, unless a taught label is blank once normalised ("**")
        blank_holds_none = not self.vocabulary.known("")
        while index < len(self.lines):
            line = self.lines[index]
            resume = index + 1
            if not line and blank_holds_none:
                columns = None
                index = resume
                continue
            if CELL not in line:
                columns = None
            else:
                cells = line.split(CELL)
                new = new_column(cells)
                if new is not None:
                    columns = (len(cells), new)
                    index = resume
                    continue
                if columns is not None and len(cells) in (columns[0], columns[0] + 1):
                    # a header without a label cell ("Previous | Updated") is one cell shorter
                    at = columns[1] + (len(cells) - columns[0])
                    found.append(self.pair(normalise_label(cells[0]), cells[at], index))
                    index = resume
                    continue
            for label, value, cells_of in self._inline_pairs(line):
                if value:
                    found.append(self.pair(label, value, index, cells_of))
                    continue
                is_notes = bool(_NOTES.fullmatch(label))
                nxt = self._next_value_line(index + 1, any_line=is_notes)
                if nxt is None:
                    continue
                if is_notes:
                    if ends_a_note(self.lines[nxt]) and CELL not in self.lines[nxt]:
                        continue  # a heading with no message under it
                    end = self._paragraph_end(nxt)
                    found.append(self.pair(label, _unquote(" ".join(self.lines[nxt:end])), nxt))
                    resume = end  # a renter's message is never searched for labels
                else:
                    found.append(self.pair(label, self.lines[nxt].replace(CELL, " "), nxt))
            index = resume
        return found

    def _next_value_line(self, start: int, *, any_line: bool = False) -> int | None:
        """The first non-blank line within two lines of ``start``, unless it is a label itself.

        ``any_line``: a renter's message may look like anything, a label included.
        """
        for index in range(start, min(start + 2, len(self.lines))):
            line = self.lines[index]
            if not line:
                continue
            if any_line:
                return index
            label = normalise_label(line)
            if CELL in line or _label_line(line) or self.vocabulary.known(label):
                return None
            return index
        return None

    def _paragraph_end(self, start: int) -> int:
        """Where a renter's message that starts at ``start`` ends: a blank line, or the next
        label, section heading, button, link or footer (its first line is the renter's own)."""
        end = start + 1
        while end < len(self.lines) and not self._starts_a_field(self.lines[end]):
            end += 1
        return end

    def _inline_pairs(self, line: str) -> list[tuple[str, str, tuple[str, ...]]]:
        """The (label, value, value cells) pairs one line holds; a bare label gives (label, "", ()).

        Shapes: a table row ("Label<TAB>value", several pairs a row), "Label: value", a known
        label alone, and "Label value" where a known label leads the line with no colon (label
        and value in adjacent elements).
        """
        known = self.vocabulary.known
        if CELL in line:
            cells = line.split(CELL)
            if len(cells) % 2 == 0:
                return [
                    (normalise_label(cells[i]), cells[i + 1], ()) for i in range(0, len(cells), 2)
                ]
            return [(normalise_label(cells[0]), " ".join(cells[1:]), tuple(cells[1:]))]
        match = _label_line(line)
        if match:
            label = normalise_label(match.group("label"))
            value = (match.group("value") or "").strip()
            return [(label, value, ())] if value or known(label) or line.endswith(":") else []
        label = normalise_label(line)
        if len(label) <= 48 and known(label):
            return [(label, "", ())]
        return [(label, value, ()) for label, value in self._led_by_label(line)]

    def _starts_a_field(self, line: str) -> bool:
        """A line that holds a label (known or label-shaped), or a template's own furniture."""
        if CELL in line or _label_line(line) or ends_a_note(line):
            return True
        return any(self.vocabulary.fields(label) for label, _ in self._led_by_label(line)) or (
            self.vocabulary.known(normalise_label(line))
        )

    def _led_by_label(self, line: str) -> list[tuple[str, str]]:
        """ "Guests 6", "Booking ID xhqgmdh": the longest known label (up to five words) that leads
        the line, and the rest as its value."""
        words = line.split(" ")
        if _HAS_NUMBER.search(line):
            sizes: range | tuple[int, ...] = range(min(5, len(words) - 1), 0, -1)
        else:  # without a number only "two-word label, one-token value" can be a pair
            sizes = (len(words) - 1,) if 2 <= len(words) - 1 <= 5 else ()
        for size in sizes:
            label = normalise_label(" ".join(words[:size]))
            fields = self.vocabulary.fields(label)
            if not fields or fields & _FREE_TEXT or label in _NOT_LEADING:
                continue
            value = " ".join(words[size:]).strip()
            # a value, not a sentence: it holds a number, or is one token after a two-word label
            if _HAS_NUMBER.search(value) or (size > 1 and " " not in value):
                return [(label, value)]
        return []

    def search_name(self, pattern: re.Pattern[str]) -> str | None:
        """The renter's name where ``pattern`` (group ``name``) finds it in the body's sentences."""
        match = pattern.search(self.text)
        return name_in_prose(match.group("name")) if match else None

    def labelled(self, field: str) -> Iterator[Pair]:
        """Every pair whose label may name ``field``: those labelled as new values first, then
        the others, each in document order."""
        return iter(self._by_field.get(field, ()))

    @once
    def _by_field(self) -> dict[str, list[Pair]]:
        """:meth:`labelled`'s answer for every field, from one pass over the pairs (a body is
        asked for a dozen fields, several times each)."""
        found: dict[str, list[Pair]] = {}
        for pair in self.pairs:
            if pair.version == "new":
                for name in pair.fields:
                    found.setdefault(name, []).append(pair)
        for pair in self.pairs:
            if pair.version != "new":
                for name in pair.fields:
                    found.setdefault(name, []).append(pair)
        return found


def _label_line(line: str) -> re.Match[str] | None:
    """``Label: value``, as ``_LABEL_LINE`` reads it; a line without a colon is not tried."""
    return _LABEL_LINE.match(line) if ":" in line else None


def _unbulleted(line: str) -> str:
    """``line`` without the bullet or number a template puts before "Label: value"."""
    first = line[:1]
    # most lines open with neither a bullet nor a digit (``str.isdigit`` takes every ``\d``)
    if not first or (first not in _BULLETS and not first.isdigit()):
        return line
    found = _BULLET.match(line)
    return line[found.end() :] if found else line


def _unquote(text: str) -> str:
    """Without the one pair of quotes a template puts around a renter's message."""
    text = text.strip()
    if len(text) >= 2 and text[0] in _QUOTES and text[-1] in _QUOTES:
        return text[1:-1].strip()
    return text
