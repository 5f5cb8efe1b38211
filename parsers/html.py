"""HTML email → lines of text the way a person sees them, plus the links behind them.

Hidden text (preheaders) and struck-through text (the previous value beside the new one in a
change notice: ``<s>``, ``<del>``, ``<strike>``, ``text-decoration: line-through``) is not read.

Mail templates lay fields out as two-cell table rows, ``<p>Label: value</p>``,
``<b>Label</b> value`` or a heading followed by a paragraph. Rendering every layout to lines
("Label<TAB>value" for a table row, one line per block) lets one tolerant reader handle them all,
in HTML and plain text alike.

The tree is lxml's own (its forgiving HTML parser, walked directly): both bodies of an email are
read now that their values must agree, and BeautifulSoup's tree cost more than the whole rest of
a parse.
"""

import threading
from dataclasses import dataclass

from lxml import etree

CELL = "\t"
_SKIPPED = {"script", "style", "head", "title", "noscript", "template"}
#: struck-through text: the previous value a change notice shows beside the new one
_STRUCK = {"s", "strike", "del"}
#: blocks that end a paragraph: a blank line follows them, as in plain text
_PARAGRAPHS = {
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "blockquote",
    "ul",
    "ol",
    "dl",
    "hr",
}
_BLOCKS = _PARAGRAPHS | {
    "div",
    "tr",
    "li",
    "dt",
    "dd",
    "section",
    "article",
    "header",
    "footer",
    "center",
    "pre",
    "tbody",
    "thead",
    "body",
    "html",
}
_CELLS = {"td", "th"}
_LABEL_TAGS = {"b", "strong", "label"}
#: elements a class may mark as a label ("field-label")
_CLASSED = {"span", "div", "td"}
#: elements whose text is not read: not shown, or struck through
_UNREAD = _SKIPPED | _STRUCK
_EVENTS = ("start", "end", "comment", "pi")
#: what an element's end writes: nothing, a cell break (a label that opened a line), a
#: paragraph break, a line break
_NO_BREAK, _CELL_BREAK, _PARAGRAPH_BREAK, _LINE_BREAK = range(4)
_END_BREAK = dict.fromkeys(_BLOCKS, _LINE_BREAK) | dict.fromkeys(_PARAGRAPHS, _PARAGRAPH_BREAK)
_local = threading.local()


@dataclass(frozen=True)
class RenderedHtml:
    lines: list[str]
    links: list[str]


def render_html(markup: str) -> RenderedHtml:
    """Lines of visible text (hidden preheaders skipped) and every ``href``, in document order."""
    root = _parse(markup)
    out = _LineWriter()
    links: list[str] = []
    if root is None:
        return RenderedHtml(out.finish(), links)
    # lxml walks the tree in C (deep nesting cannot exhaust the stack): an element's text follows
    # its start, its tail (the text after it) its end; a comment or processing instruction is
    # one event, and only its tail is read. The writer's line is written to here directly (a
    # method call per piece of text cost a tenth of a parse).
    walk = etree.iterwalk(root, events=_EVENTS)
    current = out.current
    #: per open element, what its end writes: a cell break for a label that opened a line ("<b>
    #: Guests</b> 6": the label and its value are two cells), else what its name ends
    ends: list[int] = []
    #: whether each style attribute seen hides its element (a template repeats a few styles)
    hidden_by_style: dict[str, bool] = {}
    for event, node in walk:
        if event == "end":
            end = ends.pop()
            if end == _CELL_BREAK:
                if current:
                    current.append(CELL)
            elif end == _PARAGRAPH_BREAK:
                out.paragraph()
            elif end == _LINE_BREAK and current:  # (a line with nothing on it is not ended)
                out.newline()
        elif event == "start":
            tag = node.tag
            name = tag.lower() if isinstance(tag, str) else ""
            style = node.get("style") if name else None
            if style:
                hidden = hidden_by_style.get(style)
                if hidden is None:
                    hidden = hidden_by_style[style] = _hidden_style(style)
            else:
                hidden = False
            if not name or name in _UNREAD or hidden or name == "br":
                if name == "br" and not hidden:
                    out.newline()
                walk.skip_subtree()  # its end still comes, for its tail
                ends.append(_NO_BREAK)
                continue
            if name in _BLOCKS:
                if current:
                    out.newline()
            elif name in _CELLS and current:
                current.append(CELL)
            if (name in _LABEL_TAGS or (name in _CLASSED and _classed_label(node))) and not (
                "".join(current).strip()
            ):
                ends.append(_CELL_BREAK)
            else:
                ends.append(_END_BREAK.get(name, _NO_BREAK))
            if name == "a":
                href = node.get("href")
                if href and href.strip():
                    links.append(href.strip())
            text = node.text
            if text:
                current.append(text)
            continue
        tail = node.tail  # an element's end, a comment, a processing instruction
        if tail:
            current.append(tail)
    return RenderedHtml(out.finish(), links)


def _parse(markup: str) -> "etree._Element | None":
    """The document's tree, as lxml's forgiving HTML parser reads it (None when empty)."""
    parser = getattr(_local, "parser", None)
    if parser is None:  # one per thread (a parser is not shared between threads), made once
        parser = _local.parser = etree.HTMLParser(encoding="utf-8", recover=True, no_network=True)
    try:
        return etree.fromstring(markup.encode("utf-8", "surrogatepass"), parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None


def _classed_label(tag: "etree._Element") -> bool:
    """An element whose class marks it as a label ("field-label") may hold one too."""
    classes = tag.get("class")
    return bool(classes) and any("label" in c.lower() for c in classes.split())


def _hidden_style(style: str) -> bool:
    """Not shown (a preheader), or shown struck through (a change notice's previous value)."""
    compact = style.replace(" ", "").lower()
    return "display:none" in compact or "line-through" in compact


class _LineWriter:
    """Accumulates inline text into lines; the cells of one table row are joined by a tab."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.current: list[str] = []

    def text(self, value: str) -> None:
        self.current.append(value)

    def cell(self) -> None:
        if self.current:
            self.current.append(CELL)

    def at_line_start(self) -> bool:
        return not "".join(self.current).strip()

    def newline(self) -> None:
        if not self.current:
            return
        text = "".join(self.current)
        if CELL in text:
            joined = CELL.join(filter(None, [" ".join(c.split()) for c in text.split(CELL)]))
        else:
            joined = " ".join(text.split())
        if joined:
            self.lines.append(joined)
        self.current.clear()  # the same list: the renderer writes to it directly

    def paragraph(self) -> None:
        self.newline()
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def finish(self) -> list[str]:
        self.newline()
        return self.lines
