"""TRS WCM lists: `index.html`, `index_1.html` … with the page count in the page's own paging script."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urljoin, urlsplit

import lxml.html

from archive.extract.dates import make_date
from archive.lists._lists import absolute_url, main_list_entries, parse_document
from archive.lists._text import decode, looks_like_html, snippet, squash, strip_date
from archive.lists.base import Entry, ListPage, ListParseError, ListRequest, planned

_CREATE_PAGE_RE = re.compile(
    r"""createPageHTML\s*\(\s*["']?(\d+)["']?\s*,\s*["']?(\d+)["']?"""
    r"""(?:\s*,\s*["']([\w.-]*)["']\s*,\s*["']([\w.-]*)["'])?""",
    re.I,
)
_COUNT_RE = re.compile(r"""\bcountPage\s*=\s*["']?(\d+)""", re.I)
_CURRENT_RE = re.compile(r"""\bcurrentPage\s*=\s*["']?(\d+)""", re.I)
# Articles are ./YYYYMM/tYYYYMMDD_id.html; the name itself carries the publication date.
_ARTICLE_RE = re.compile(r"/t(\d{4})(\d{2})(\d{2})_\d+\.s?html?$", re.I)
_MARKERS = ("createpagehtml(", "countpage", "trs_editor", "trs_autoadd", "<!--<$[")


class TrsAdapter:
    """Reads TRS WCM list pages (often GBK) and plans the remaining `index_N.html` pages."""

    name = "trs"

    def detect(self, url: str, text: str) -> bool:
        # Only the paging script and TRS's own markers count: `tYYYYMMDD_id.html` article names are
        # copied by plain sites too, and those page with ordinary 下一页 links.
        lowered = text.lower()
        return any(marker in lowered for marker in _MARKERS)

    def parse(self, url: str, body: bytes, content_type: str | None = None) -> ListPage:
        text = decode(body, content_type)
        root = parse_document(text) if looks_like_html(text) else None
        if root is None:
            raise ListParseError(f"expected a TRS list page (HTML) at {url}, got: {snippet(text)}")
        entries = main_list_entries(root, url) or _article_links(root, url)
        count, current, prefix, ext = _paging(text)
        notes: list[str] = []
        requests: list[ListRequest] = []
        if count is None:
            notes.append("no page count (createPageHTML / countPage) found: only this page read")
        elif _is_first_page(url, current, prefix, ext):
            # Only the first page plans the rest, so every page is asked for exactly once.
            count, cut = planned(count)
            notes += [cut] if cut else []
            requests = [ListRequest(url=urljoin(url, f"{prefix}_{n}.{ext}")) for n in range(1, count)]
        return ListPage(entries=tuple(entries), next_requests=tuple(requests), notes=tuple(notes))


def _paging(text: str) -> tuple[int | None, int | None, str, str]:
    """Page count, current page (0 = first), file prefix and extension of the list pages."""
    match = _CREATE_PAGE_RE.search(text)
    if match:
        return int(match.group(1)), int(match.group(2)), match.group(3) or "index", match.group(4) or "html"
    count = _COUNT_RE.search(text)
    current = _CURRENT_RE.search(text)
    return (
        int(count.group(1)) if count else None,
        int(current.group(1)) if current else None,
        "index",
        "html",
    )


def _is_first_page(url: str, current: int | None, prefix: str, ext: str) -> bool:
    if current is not None:
        return current == 0
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    return name in ("", f"{prefix}.{ext}") or re.fullmatch(rf"{re.escape(prefix)}_\d+\.\w+", name) is None


def _article_links(root: lxml.html.HtmlElement, base: str) -> list[Entry]:
    """Fallback for lists without dates beside the links: every TRS article link, dated by its name."""
    seen: set[str] = set()
    entries: list[Entry] = []
    for anchor in root.iter("a"):
        url = absolute_url(base, anchor.get("href"))
        found = _ARTICLE_RE.search(urlsplit(url).path) if url else None
        if url is None or found is None or url in seen:
            continue
        title = squash(anchor.get("title") or "") or strip_date(squash(anchor.text_content()))
        if title:
            seen.add(url)
            entries.append(Entry(url=url, title=title, date=_date_of(found)))
    return entries


def _date_of(found: re.Match[str]) -> dt.date | None:
    return make_date(found.group(1), found.group(2), found.group(3))


ADAPTER = TrsAdapter()
