"""Flatten an lxml element into display lines: block elements and <br> end a line, tables become tab rows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import cast

from lxml import etree

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
# The XPath behind lxml.html's text_content(). Pages are parsed without lxml.html's element classes:
# looking up a Python class for every element proxy costs more than the tree walks themselves.
_STRING = etree.XPath("string()", smart_strings=False)
_ROWS = etree.XPath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")
_CELLS = etree.XPath("./td | ./th")
_INNER_TABLES = etree.XPath(".//table")


@dataclass(frozen=True, slots=True)
class Line:
    """One display line and where it came from (its nearest block element) for scoring."""

    text: str
    link_chars: int  # non-space characters that sit inside <a>
    anchor: etree._Element | None
    row: bool = False  # a table row, cells joined by "\t"
    size: int = field(init=False, repr=False, compare=False)  # non-space characters, counted once

    def __post_init__(self) -> None:
        object.__setattr__(self, "size", visible_chars(self.text))


def visible_chars(text: str) -> int:
    """How many characters of `text` are not whitespace (as str.isspace() and str.split() see it)."""
    if text.isprintable():
        # The plain space is the only whitespace character that counts as printable.
        return len(text) - text.count(" ")
    return len("".join(text.split()))


def text_content(el: etree._Element) -> str:
    """All text inside `el`, as lxml.html's HtmlElement.text_content() gives it."""
    return cast(str, _STRING(el))


def is_hidden(el: etree._Element) -> bool:
    """An element the page never shows (hidden attribute or inline display:none)."""
    if el.get("hidden") is not None:
        return True
    style = el.get("style")
    return style is not None and _HIDDEN_STYLE.search(style) is not None


def element_lines(root: etree._Element) -> list[Line]:
    """The display lines of `root` in document order."""
    walker = _Walker()
    walker.walk(root, False)
    walker.flush()
    return walker.lines


def cell_text(cell: etree._Element) -> str:
    """A table cell's text on one line (its inner paragraphs joined by a space)."""
    return " ".join(line.text for line in element_lines(cell))


def _rows(table: etree._Element) -> list[etree._Element]:
    return cast(list[etree._Element], _ROWS(table))


def is_data_table(table: etree._Element) -> bool:
    """A table of data (rows of short cells), as opposed to a table used to lay out the page."""
    if _INNER_TABLES(table):
        return False
    rows = _rows(table)
    if len(rows) < 2:
        return False
    widest = 0
    for tr in rows:
        cells = _CELLS(tr)
        widest = max(widest, len(cells))
        for cell in cells:
            if len(text_content(cell).strip()) > _MAX_ROW_CELL:
                return False
    return widest >= 2


class _Walker:
    def __init__(self) -> None:
        self.lines: list[Line] = []
        self._buf: list[str] = []
        self._links = 0
        self._block: etree._Element | None = None

    def flush(self) -> None:
        buf = self._buf
        if not buf:
            return  # nothing since the last break: the line would be empty
        raw = buf[0] if len(buf) == 1 else "".join(buf)
        buf.clear()
        # Whitespace between block tags is most of what gets here, and cleans to nothing.
        if not raw.isspace():
            text = clean_line(raw)
            if text:
                self.lines.append(Line(text, self._links, self._block))
        self._links = 0

    def walk(self, el: etree._Element, in_link: bool) -> None:
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
        buf = self._buf  # the same list throughout: flush() clears it in place
        text = el.text
        if text:
            buf.append(text)
            if link:
                self._links += visible_chars(text)
        for child in el:
            self.walk(child, link)
            tail = child.tail
            if tail:
                buf.append(tail)
                if link:
                    self._links += visible_chars(tail)
        if block:
            self.flush()
            self._block = previous

    def _table(self, table: etree._Element) -> None:
        for tr in _rows(table):
            if is_hidden(tr):
                continue
            cells = [cell_text(cell) for cell in _CELLS(tr) if not is_hidden(cell)]
            if any(cells):
                links = sum(len(text_content(a).strip()) for a in tr.iter("a"))
                self.lines.append(Line("\t".join(cells), links, tr, row=True))
