"""Markup to list entries: finding a page's main list and turning its items into `Entry` values."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from urllib.parse import urldefrag, urljoin

import lxml.etree
import lxml.html

from archive.lists._text import parse_date, squash, strip_date
from archive.lists.base import Entry

_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "#", "data:")
# Class/id words of the page chrome around a list; links inside are navigation, not entries.
_CHROME_WORDS = {
    "nav", "navbar", "menu", "footer", "foot", "header", "crumb", "breadcrumb", "position", "location",
    "copyright", "friendlink", "share", "pager", "pagination",
}  # fmt: skip
_CHROME_TAGS = {"nav", "header", "footer"}
_WORD_RE = re.compile(r"[a-z]+")


def parse_document(text: str) -> lxml.html.HtmlElement | None:
    """A whole HTML page as a tree, or None when there is no markup at all."""
    text = _XML_DECL_RE.sub("", text)
    if not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError):
        return None


def parse_fragment(text: str) -> lxml.html.HtmlElement:
    """A piece of markup (a list record, an API's `html`) wrapped in one `<div>`."""
    text = _XML_DECL_RE.sub("", text)
    try:
        return lxml.html.fragment_fromstring(text, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return lxml.html.fragment_fromstring("", create_parent="div")


def absolute_url(base: str, href: str | None) -> str | None:
    """`href` resolved against `base` without its fragment; None for script, mail and in-page links."""
    if href is None:
        return None
    href = href.strip()
    if not href or href.lower().startswith(_SKIP_SCHEMES):
        return None
    try:
        url, _fragment = urldefrag(urljoin(base, href))
    except ValueError:  # a malformed href ("http://[bad") is no link at all
        return None
    return url if url.startswith(("http://", "https://")) else None


def entry_from_item(item: lxml.html.HtmlElement, base: str, date_text: str = "") -> Entry | None:
    """One entry from a list item: its best link (the longest title, so category tags lose) and date."""
    best: tuple[str, str, str] | None = None
    anchors = [item] if item.tag == "a" else item.iter("a")
    for anchor in anchors:
        url = absolute_url(base, anchor.get("href"))
        if url is None:
            continue
        link_text = squash(anchor.text_content())
        title = squash(anchor.get("title") or "") or strip_date(link_text)
        if title and (best is None or len(title) > len(best[1])):
            best = (url, title, link_text)
    if best is None:
        return None
    url, title, link_text = best
    item_text = squash(item.text_content()) if item.tag != "a" else ""
    # The date usually sits beside the link; inside it only when nothing else carries one.
    date = parse_date(item_text.replace(link_text, " ", 1) + " " + date_text) or parse_date(link_text)
    return Entry(url=url, title=title, date=date)


def entries_from_items(items: Iterable[lxml.html.HtmlElement], base: str) -> list[Entry]:
    """Entries of `items` in order, each URL once."""
    seen: set[str] = set()
    entries: list[Entry] = []
    for item in items:
        date_text = _text_after(item) if item.tag == "a" else ""
        entry = entry_from_item(item, base, date_text)
        if entry is not None and entry.url not in seen:
            seen.add(entry.url)
            entries.append(entry)
    return entries


def list_items(container: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """The direct items of a list container that hold a link: `<li>`s of a list, rows of a table,
    children of a `<div>` (a bare `<a>` child is its own item). Direct only, so a layout table or
    wrapper around the whole page counts as one item, not as every link inside it."""
    if container.tag in ("ul", "ol"):
        children = container.findall("li")
    elif container.tag == "table":
        children = container.findall("tr") + container.findall("tbody/tr")
    else:
        children = [child for child in container if isinstance(child.tag, str)]
    return [item for item in children if item.tag == "a" or item.find(".//a") is not None]


def main_list_entries(root: lxml.html.HtmlElement, base: str, require_dates: bool = True) -> list[Entry]:
    """Entries of the page's main list: the `ul`/`ol`/`table`/`div` with the most dated links, together with
    same-shaped siblings (portals often split one list into blocks of five)."""
    scored: list[tuple[int, int, lxml.html.HtmlElement]] = []
    for container in root.iter("ul", "ol", "table", "div"):
        items = list_items(container)
        dated = sum(1 for item in items if _item_date(item) is not None)
        scored.append((dated, len(items), container))
    plain = [row for row in scored if not _in_chrome(row[2])]
    candidates = [row for row in plain if row[0] > 0] or ([] if require_dates else plain)
    if not candidates:
        return []
    # Most dated items first; among equals the innermost (fewest items), which holds no layout around it.
    best = max(candidates, key=lambda row: (row[0], row[1] if not row[0] else -row[1]))[2]
    return entries_from_items(_with_siblings(best, require_dates), base)


def _with_siblings(best: lxml.html.HtmlElement, require_dates: bool) -> list[lxml.html.HtmlElement]:
    parent = best.getparent()
    blocks = [best]
    if parent is not None:
        shape = (best.tag, best.get("class"))
        blocks = [
            sibling
            for sibling in parent
            if sibling is best
            or (
                (sibling.tag, sibling.get("class")) == shape
                and (not require_dates or any(_item_date(i) for i in list_items(sibling)))
            )
        ]
    return [item for block in blocks for item in list_items(block)]


def _item_date(item: lxml.html.HtmlElement) -> dt.date | None:
    if item.tag == "a":
        return parse_date(item.text_content() + " " + _text_after(item))
    return parse_date(item.text_content())


def _text_after(anchor: lxml.html.HtmlElement) -> str:
    """Text right after a bare link (its tail and the next element), where plain lists put the date."""
    parts = [anchor.tail or ""]
    following = anchor.getnext()
    # Comments and processing instructions have no text content of their own (their tag is not a string).
    if following is not None and isinstance(following.tag, str) and following.tag != "a":
        parts.append(following.text_content())
    return " ".join(parts)


def _in_chrome(element: lxml.html.HtmlElement) -> bool:
    node: lxml.html.HtmlElement | None = element
    while node is not None:
        if node.tag in _CHROME_TAGS:
            return True
        words = _WORD_RE.findall(f"{node.get('class') or ''} {node.get('id') or ''}".lower())
        if any(word in _CHROME_WORDS for word in words):
            return True
        node = node.getparent()
    return False
