"""Quoted header blocks in a body: the "From: / Date: / Subject:" lines (in any client's words
and language, one per line or all on one) and "On <date>, <sender> wrote:" intros that open a
forwarded message, and the chain of them down to the platform's own."""

import re
from collections.abc import Callable
from dataclasses import dataclass

from parsers import forward_words as words
from parsers.document import Document
from parsers.mime import Sender, sender_of
from parsers.once import once

_MAILTO_INSIDE = re.compile(r"<([^<>\s]+@[^<>\s]+)<mailto:[^>]*>>", re.IGNORECASE)
_BRACKET_MAILTO = re.compile(r"[\[<]mailto:([^\]>]+)[\]>]", re.IGNORECASE)
_BARE_MAILTO = re.compile(r"mailto:", re.IGNORECASE)
_IN_PARENTHESES = re.compile(r"\(\s*<?([^()\s<>]+@[^()\s<>]+?)>?\s*\)")
_ON_BEHALF = re.compile(
    r"\s+(?:on behalf of|im auftrag von|de la part de|en nombre de|per conto di|namens)\s+",
    re.IGNORECASE,
)
MAX_NESTING = 5
MAX_HEADER_LINES = 16

Trusted = Callable[[str | None], bool]


@dataclass(frozen=True)
class HeaderBlock:
    """A quoted header block in a body: the headers it names, the line it ends on, its languages."""

    headers: dict[str, str]
    last_line: int
    marker: str
    languages: frozenset[str] = frozenset()

    @once
    def sender(self) -> Sender:
        """Its From, read as a mailbox (Outlook's "[mailto:...]" decorations undone); read once
        (the chain, its hops and the original each ask)."""
        return sender_of(_quoted_sender(self.headers.get("from", "")))


def block_chain(doc: Document, trusted: Trusted) -> list[HeaderBlock]:
    """The quoted header blocks from the outermost down to the original's: the first whose sender
    is a platform, else the innermost (whose untrusted sender the registry then names)."""
    chain: list[HeaderBlock] = []
    start = 0
    for _ in range(MAX_NESTING):
        block = _next_block(doc.lines, start)
        if block is None:
            break
        chain.append(block)
        if trusted(block.sender.address):
            break
        start = block.last_line + 1
    return chain


def _next_block(lines: list[str], start: int) -> HeaderBlock | None:
    index = start
    while index < len(lines):
        line = lines[index]
        block = _intro_block(lines, index) if line else None
        if block is not None:
            return block
        if line and words.header_line(line):
            headers, languages, last = _read_headers(lines, index)
            marker = _marker_above(lines, index, start)
            fields = len(headers.keys() & {"date", "subject", "to", "cc"})
            if "from" in headers and (fields >= 2 or (marker and fields >= 1)):
                return HeaderBlock(headers, last, marker, languages)
        index += 1
    return None


def _intro_block(lines: list[str], index: int) -> HeaderBlock | None:
    """An "On <date>, <sender> wrote:" line (Gmail wraps it: up to three lines are joined)."""
    if "@" not in "".join(lines[index : index + 3]):  # one character: found in one of them
        return None
    joined = ""
    for end in range(index, min(index + 3, len(lines))):
        if not lines[end]:
            return None
        joined = f"{joined} {lines[end]}".strip()
        if joined.endswith((":", "：")):  # an intro ends with its colon (``words.intro``)
            found = words.intro(joined)
            if found is None:
                return None
            date_text, sender, languages = found
            return HeaderBlock({"from": sender, "date": date_text}, end, "intro", languages)
    return None


def _read_headers(lines: list[str], first: int) -> tuple[dict[str, str], frozenset[str], int]:
    headers: dict[str, str] = {}
    languages: list[frozenset[str]] = []
    last = first
    index = first
    blanks = 0
    while index < len(lines) and index - first < MAX_HEADER_LINES:
        line = lines[index]
        entries = _header_entries(line)
        if entries:
            if any(name in headers for name, _, _ in entries):
                break
            for name, value, langs in entries:
                headers[name] = value
                languages.append(langs)
            following = lines[index + 1] if index + 1 < len(lines) else ""
            name, value = entries[-1][0], entries[-1][1]
            unclosed = value.count("<") > value.count(">")  # "Boatsetter <" wrapped by Gmail
            if (value == "" or unclosed) and following and not _header_entries(following):
                headers[name] = f"{value}{following.strip()}"  # the value on the next line
                index += 1
            last, blanks = index, 0
        elif not line and blanks == 0:
            blanks = 1
        elif line and "@" in line and lines[index - 1] and last == index - 1:
            last = index  # a wrapped To/Cc list
        else:
            break
        index += 1
    return headers, _common(languages), last


def _header_entries(line: str) -> list[tuple[str, str, frozenset[str]]]:
    """The headers one line holds: "From: x", or several written on one line."""
    match = words.header_line(line)
    if match is None:
        return []
    rest = match.group(0)[match.start("value") :]
    # every further header ends with its colon: a value without one (a From, a To) holds none
    has_colon = ":" in rest or "：" in rest
    cuts = [m.start() for m in words.header_inside().finditer(rest)] if has_colon else []
    pieces = [match.group("name")]
    values: list[str] = []
    previous = 0
    for cut in cuts:
        values.append(rest[previous:cut])
        inner = words.HEADER_LINE.match(rest[cut:])
        if inner is None:
            break
        pieces.append(inner.group("name"))
        previous = cut + inner.start("value")
    values.append(rest[previous:])
    entries = []
    for label, value in zip(pieces, values, strict=False):
        known = words.header_of(label)
        if known is not None:
            entries.append((known[0], value.replace("\t", " ").strip(), known[1]))
    return entries


def _common(languages: list[frozenset[str]]) -> frozenset[str]:
    """The languages every label of a block is written in (else those of most of them)."""
    if not languages:
        return frozenset()
    common = frozenset.intersection(*languages)
    if common:
        return common
    counts: dict[str, int] = {}
    for langs in languages:
        for lang in langs:
            counts[lang] = counts.get(lang, 0) + 1
    top = max(counts.values())
    return frozenset(lang for lang, n in counts.items() if n == top)


def _marker_above(lines: list[str], index: int, floor: int) -> str:
    for above in range(index - 1, max(floor, index - 3) - 1, -1):
        if words.separator(lines[above]):
            return lines[above].strip()
    return ""


def _quoted_sender(value: str) -> str:
    """Outlook writes "Boatsetter [mailto:a@b]", "a@b<mailto:a@b>", "Name <a@b<mailto:a@b>>",
    "Dana on behalf of Boatsetter <a@b>", and Outlook.com
    "Dana<mailto:d@x> <d@x<mailto:d@x>> on behalf of Boatsetter<mailto:a@b> <a@b<mailto:a@b>>";
    each is read as the one mailbox it names: the one written after "on behalf of" when that
    names an address (the author; the one before is who sent it for them)."""
    if ":" in value:  # each "mailto:" pattern needs its colon
        value = _MAILTO_INSIDE.sub(r"<\1>", value)
        value = _BRACKET_MAILTO.sub(r"<\1>", value)
        value = _BARE_MAILTO.sub("", value)
    if "(" in value:  # "Name (a@b)", Outlook 2019 in hu and sk
        value = _IN_PARENTHESES.sub(r"<\1>", value)
    behalf = _ON_BEHALF.split(value, maxsplit=1)
    if len(behalf) == 2:
        agent, author = behalf
        value = author if words.ADDRESS.search(author) else agent
    sender = sender_of(value)
    # "a@b <a@b>", "Name<a@b> <a@b>": one mailbox written twice. A lenient address reader (Python
    # before 3.11.10) finds "several", a strict one (3.11.10+, 3.12.6+, 3.13) finds none; both
    # read it as that one mailbox, so the production image and CI agree.
    if sender.problem in ("several", "none") and value.count("<") > 1:
        addresses = {a.lower() for a in words.ADDRESS.findall(value)}
        if len(addresses) == 1:
            return f"<{addresses.pop()}>"
    return value
