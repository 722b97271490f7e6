"""Anhui's 政务公开 platform (also run in parts of Sichuan and Qinghai): 政府信息公开 columns at
`/public/column/{organ}?type=4&action=list&catId=…`, paged by a `pageIndex` parameter, the page count in the
paging script `Ls.pagination({…, pageCount: N, total: M})`; lists of `ul.xxgk_nav_list` items (a titled link and
a `span.date`), articles at `/public/{organ}/{id}.html`.

Made from what public crawlers of the platform record of it; the first page plans every other, so each is asked
for once.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from archive.lists._lists import entries_from_items, list_items, main_list_entries, parse_document
from archive.lists._text import decode, looks_like_html, snippet
from archive.lists.base import ListPage, ListParseError, ListRequest, planned

_PAGE_COUNT = re.compile(r"""Ls\.pagination\s*\(\s*\{.*?\bpageCount\s*:\s*["']?(\d+)""", re.S)
_MARKERS = ("ls.pagination", "/site/label/8888", "xxgk_nav_list", "j-fontcontent", "labelname=publicinfolist")
_COLUMN = re.compile(r"^/(?:[\w-]+/)?public/column/\d+")
# The list containers public crawlers of the platform select: 政府信息公开 lists, and ordinary columns'.
_LISTS = (
    "//ul[contains(concat(' ', normalize-space(@class), ' '), ' xxgk_nav_list ')]"
    " | //ul[contains(concat(' ', normalize-space(@class), ' '), ' doc_list ')]"
)


class AnhuiPublicAdapter:
    """Reads the platform's column lists and plans their remaining pages by `pageIndex`."""

    name = "anhui-public"

    def detect(self, url: str, text: str) -> bool:
        lowered = text.lower()
        return any(marker in lowered for marker in _MARKERS) or (
            _COLUMN.search(urlsplit(url).path) is not None and "pagecount" in lowered
        )

    def parse(self, url: str, body: bytes, content_type: str | None = None) -> ListPage:
        text = decode(body, content_type)
        root = parse_document(text) if looks_like_html(text) else None
        if root is None:
            raise ListParseError(f"expected a 政务公开 column page (HTML) at {url}, got: {snippet(text)}")
        # The platform's own list classes first: `xxgk_nav_list` reads as navigation to the generic list finder.
        lists = root.xpath(_LISTS)
        entries = entries_from_items([i for ul in lists for i in list_items(ul)], url) or main_list_entries(root, url)
        found = _PAGE_COUNT.search(text)
        if found is None:
            notes = ("no page count (Ls.pagination) found: only this page read",)
            return ListPage(entries=tuple(entries), notes=notes)
        pages, cut = planned(int(found.group(1)))
        requests: tuple[ListRequest, ...] = ()
        if _page_index(url) <= 1:
            requests = tuple(ListRequest(url=_with_page(url, n)) for n in range(2, pages + 1))
        return ListPage(entries=tuple(entries), next_requests=requests, notes=(cut,) if cut else ())


def _page_index(url: str) -> int:
    value = dict(parse_qsl(urlsplit(url).query)).get("pageIndex", "1")
    return int(value) if value.isdigit() else 1


def _with_page(url: str, page: int) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "pageIndex"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("pageIndex", str(page))])))


ADAPTER = AnhuiPublicAdapter()
