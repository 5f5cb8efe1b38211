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
    # iterative walk with explicit close markers: deep nesting cannot exhaust the stack; an
    # element's text follows its opening, its tail (the text after it) its closing
    stack: list[tuple[etree._Element, bool]] = [(root, False)]
    leading: set[int] = set()  # label elements that opened a line
    while stack:
        node, closing = stack.pop()
        tag = node.tag
        name = tag.lower() if isinstance(tag, str) else ""  # comments, processing instructions
        if closing:
            if id(node) in leading:
                out.cell()  # "<b>Guests</b> 6": the label and its value are two cells
            elif name in _PARAGRAPHS:
                out.paragraph()
            elif name in _BLOCKS:
                out.newline()
            if node.tail:
                out.text(node.tail)
            continue
        if not name or name in _SKIPPED or name in _STRUCK or _hidden(node):
            if node.tail:
                out.text(node.tail)
            continue
        if name == "br":
            out.newline()
            if node.tail:
                out.text(node.tail)
            continue
        if name in _BLOCKS:
            out.newline()
        elif name in _CELLS:
            out.cell()
        if _labels_a_line(node, name) and out.at_line_start():
            leading.add(id(node))
        if name == "a":
            href = node.get("href")
            if href and href.strip():
                links.append(href.strip())
        if node.text:
            out.text(node.text)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node))
    return RenderedHtml(out.finish(), links)


def _parse(markup: str) -> "etree._Element | None":
    """The document's tree, as lxml's forgiving HTML parser reads it (None when empty)."""
    parser = etree.HTMLParser(encoding="utf-8", recover=True, no_network=True)
    try:
        return etree.fromstring(markup.encode("utf-8", "surrogatepass"), parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None


def _labels_a_line(tag: "etree._Element", name: str) -> bool:
    """A bold or label element (or one classed as a label) may hold a label for what follows."""
    if name in _LABEL_TAGS:
        return True
    classes = (tag.get("class") or "").split()
    return name in {"span", "div", "td"} and any("label" in c.lower() for c in classes)


def _hidden(tag: "etree._Element") -> bool:
    """Not shown (a preheader), or shown struck through (a change notice's previous value)."""
    style = tag.get("style")
    if not style:
        return False
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
        cells = (" ".join(c.split()) for c in "".join(self.current).split(CELL))
        joined = CELL.join(c for c in cells if c)
        if joined:
            self.lines.append(joined)
        self.current = []

    def paragraph(self) -> None:
        self.newline()
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def finish(self) -> list[str]:
        self.newline()
        return self.lines
