"""One readable body (the text or the HTML alternative) as lines, and the label/value pairs in it.

A pair is found in any of the shapes templates use:
``Label: value``; a table row rendered ``Label<TAB>value``; ``Label:`` or a known label alone on
its line with the value on the next line (a heading and its paragraph). A renter's message is read
whole and its lines are not searched for labels: what a renter writes is never taken for a field.
"""

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

from parsers.html import CELL, render_html
from parsers.labels import FIELD_LABELS, fields_labelled, is_known_label, normalise_label

_LABEL_LINE = re.compile(r"^(?P<label>[^:\d\t]{1,48}?)\s*:(?:\s+(?P<value>.*))?$")
_QUOTE_PREFIX = re.compile(r"^(?:\s*>)+\s?")
_WIDE_GAP = re.compile(r" {3,}")
_QUOTES = "\"'“”‘’«»„"
_NOTES = FIELD_LABELS["notes"]
_NAME = re.compile(r"^[^\W\d_][^\W\d_ .,'’-]*(?:[ .,'’-]+[^\W\d_]+)*\.?$")
MAX_LINES = 5000


@dataclass(frozen=True)
class Pair:
    label: str  # normalised
    value: str
    line: int

    @cached_property
    def fields(self) -> frozenset[str]:
        """The fields this pair's label may name."""
        return fields_labelled(self.label)


class Document:
    """A body as lines, with the hrefs of its links (HTML only)."""

    def __init__(self, lines: Sequence[str], links: Sequence[str] = ()) -> None:
        self.lines = list(lines[:MAX_LINES])
        self.links = list(links)

    @classmethod
    def from_text(cls, text: str) -> "Document":
        lines = []
        for raw in text.splitlines():
            line = _QUOTE_PREFIX.sub("", raw)
            line = _WIDE_GAP.sub(CELL, line.replace("\xa0", " ").strip())
            lines.append(CELL.join(" ".join(c.split()) for c in line.split(CELL) if c.strip()))
        return cls(lines)

    @classmethod
    def from_html(cls, markup: str) -> "Document":
        rendered = render_html(markup)
        return cls(rendered.lines, rendered.links)

    def after(self, index: int) -> "Document":
        """The part of this document after line ``index`` (the body of a forwarded message)."""
        return Document(self.lines[index + 1 :], self.links)

    @cached_property
    def text(self) -> str:
        return "\n".join(line.replace(CELL, " ") for line in self.lines)

    @cached_property
    def pairs(self) -> list[Pair]:
        found: list[Pair] = []
        index = 0
        while index < len(self.lines):
            line = self.lines[index]
            resume = index + 1
            for label, value in _inline_pairs(line):
                if value:
                    found.append(Pair(label, value, index))
                    continue
                is_notes = bool(_NOTES.fullmatch(label))
                nxt = self._next_value_line(index + 1, any_line=is_notes)
                if nxt is None:
                    continue
                if is_notes:
                    end = self._paragraph_end(nxt)
                    found.append(Pair(label, _unquote(" ".join(self.lines[nxt:end])), nxt))
                    resume = end  # a renter's message is never searched for labels
                else:
                    found.append(Pair(label, self.lines[nxt].replace(CELL, " "), nxt))
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
            if CELL in line or _LABEL_LINE.match(line) or is_known_label(label):
                return None
            return index
        return None

    def _paragraph_end(self, start: int) -> int:
        end = start
        while end < len(self.lines) and self.lines[end] and CELL not in self.lines[end]:
            if end > start and _LABEL_LINE.match(self.lines[end]):
                break
            end += 1
        return max(end, start + 1)

    def search_name(self, pattern: re.Pattern[str]) -> str | None:
        """The renter's name where ``pattern`` (group ``name``) finds it in the body's sentences."""
        match = pattern.search(self.text)
        return person_name(match.group("name")) if match else None

    def values(self, field: str) -> Iterator[str]:
        """Values of every pair whose label may name ``field``, in document order."""
        for pair in self.pairs:
            if field in pair.fields:
                yield pair.value


def _inline_pairs(line: str) -> list[tuple[str, str]]:
    """The (label, value) pairs one line holds; a bare label gives (label, "")."""
    if CELL in line:
        cells = line.split(CELL)
        if len(cells) % 2 == 0:
            return [(normalise_label(cells[i]), cells[i + 1]) for i in range(0, len(cells), 2)]
        return [(normalise_label(cells[0]), " ".join(cells[1:]))]
    match = _LABEL_LINE.match(line)
    if match:
        label, value = normalise_label(match.group("label")), (match.group("value") or "").strip()
        return [(label, value)] if value or is_known_label(label) or line.endswith(":") else []
    label = normalise_label(line)
    if len(label) <= 48 and is_known_label(label):
        return [(label, "")]
    return []


def _unquote(text: str) -> str:
    """Without the one pair of quotes a template puts around a renter's message."""
    text = text.strip()
    if len(text) >= 2 and text[0] in _QUOTES and text[-1] in _QUOTES:
        return text[1:-1].strip()
    return text


def person_name(value: str) -> str | None:
    """A plausible person's name ("Maya Thompson", "Omar S.", "Zoë O'Neil-Bø"), or None."""
    name = " ".join(value.split())
    return name if 0 < len(name) <= 80 and _NAME.match(name) else None
