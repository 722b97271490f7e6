"""Flatten an lxml element into display lines: block elements and <br> end a line, tables become tab rows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import html as lxml_html

from archive.extract.normalize import clean_line

BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "center",
        "dd",
        "details",
        "dialog",
        "dir",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "html",
        "li",
        "main",
        "menu",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
        "caption",
    ]
)
SKIP_TAGS = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "iframe",
        "frame",
        "frameset",
        "select",
        "option",
        "input",
        "button",
        "textarea",
        "object",
        "embed",
        "svg",
        "canvas",
        "map",
        "area",
        "head",
        "title",
        "meta",
        "link",
        "base",
        "applet",
        "audio",
        "video",
        "source",
        "track",
    ]
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_MAX_ROW_CELL = 200  # a "cell" longer than this is page layout holding paragraphs, not a data table


@dataclass(frozen=True, slots=True)
class Line:
    """One display line and where it came from (its nearest block element) for scoring."""

    text: str
    link_chars: int  # non-space characters that sit inside <a>
    anchor: lxml_html.HtmlElement | None
    row: bool = False  # a table row, cells joined by "\t"
    size: int = field(init=False, repr=False, compare=False)  # non-space characters, counted once

    def __post_init__(self) -> None:
        object.__setattr__(self, "size", visible_chars(self.text))


def visible_chars(text: str) -> int:
    """How many characters of `text` are not whitespace (str.split() and str.isspace() agree on which)."""
    return len("".join(text.split()))


def is_hidden(el: lxml_html.HtmlElement) -> bool:
    """An element the page never shows (hidden attribute or inline display:none)."""
    return el.get("hidden") is not None or bool(_HIDDEN_STYLE.search(el.get("style") or ""))


def element_lines(root: lxml_html.HtmlElement) -> list[Line]:
    """The display lines of `root` in document order."""
    walker = _Walker()
    walker.walk(root, False)
    walker.flush()
    return walker.lines


def cell_text(cell: lxml_html.HtmlElement) -> str:
    """A table cell's text on one line (its inner paragraphs joined by a space)."""
    return " ".join(line.text for line in element_lines(cell))


def _rows(table: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    return table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")


def is_data_table(table: lxml_html.HtmlElement) -> bool:
    """A table of data (rows of short cells), as opposed to a table used to lay out the page."""
    if table.xpath(".//table"):
        return False
    rows = _rows(table)
    if len(rows) < 2:
        return False
    widest = 0
    for tr in rows:
        cells = tr.xpath("./td | ./th")
        widest = max(widest, len(cells))
        for cell in cells:
            if len(cell.text_content().strip()) > _MAX_ROW_CELL:
                return False
    return widest >= 2


class _Walker:
    def __init__(self) -> None:
        self.lines: list[Line] = []
        self._buf: list[str] = []
        self._links = 0
        self._block: lxml_html.HtmlElement | None = None

    def flush(self) -> None:
        if not self._buf:
            return  # nothing since the last break: the line would be empty
        text = clean_line("".join(self._buf))
        if text:
            self.lines.append(Line(text, self._links, self._block))
        self._buf = []
        self._links = 0

    def _add(self, text: str, in_link: bool) -> None:
        self._buf.append(text)
        if in_link:
            self._links += visible_chars(text)

    def walk(self, el: lxml_html.HtmlElement, in_link: bool) -> None:
        tag = el.tag
        if not isinstance(tag, str):
            return  # comments and processing instructions
        tag = tag.lower()
        if tag in SKIP_TAGS or is_hidden(el):
            return
        if tag == "br":
            self.flush()
            return
        if tag == "table" and is_data_table(el):
            self.flush()
            self._table(el)
            return
        block = tag in BLOCK_TAGS
        previous = self._block
        if block:
            self.flush()
            self._block = el
        link = in_link or tag == "a"
        text = el.text
        if text:
            self._add(text, link)
        for child in el:
            self.walk(child, link)
            tail = child.tail
            if tail:
                self._add(tail, link)
        if block:
            self.flush()
            self._block = previous

    def _table(self, table: lxml_html.HtmlElement) -> None:
        for tr in _rows(table):
            if is_hidden(tr):
                continue
            cells = [cell_text(cell) for cell in tr.xpath("./td | ./th") if not is_hidden(cell)]
            if any(cells):
                links = sum(len(a.text_content().strip()) for a in tr.iter("a"))
                self.lines.append(Line("\t".join(cells), links, tr, row=True))
