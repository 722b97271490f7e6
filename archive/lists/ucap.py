"""Ucap (开普云) portals, as Heilongjiang, Xinjiang, Sichuan and Tibet run them: static `.shtml` column lists under
`/{site}/c{N}/` (`list.shtml`, then `list_2.shtml` …), the page count in the paging script
`createPageHTML('page_div', pages, current, 'list', 'shtml', records)`, articles in `<UCAPCONTENT>`.

Unlike TRS, whose script gives the count first and numbers its pages from 0 (`index_1.html` is the second), the
Ucap script names its container first and numbers pages from 1 (`list_2.shtml` is the second).
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from archive.lists._lists import main_list_entries, parse_document
from archive.lists._text import decode, looks_like_html, snippet
from archive.lists.base import ListPage, ListParseError, ListRequest, planned

_PAGING = re.compile(
    r"""createPageHTML\s*\(\s*["'][\w-]+["']\s*,\s*["']?(\d+)["']?\s*,\s*["']?(\d+)["']?"""
    r"""\s*,\s*["']([\w.-]+)["']\s*,\s*["'](s?html?)["']""",
    re.I,
)
_COLUMN = re.compile(r"/c\d+/(?:[\w-]*list[\w-]*(?:_\d+)?\.shtml)?$")
_MARKERS = ("ucapcontent", "ucaptitle", "loaducapcontent", "_template=ucap/")


class UcapAdapter:
    """Reads Ucap column lists and plans their remaining pages."""

    name = "ucap"

    def detect(self, url: str, text: str) -> bool:
        lowered = text.lower()
        if any(marker in lowered for marker in _MARKERS):
            return True
        # The paging script with a container name first is Ucap's; under a /c{N}/ column path it is no TRS list.
        return _PAGING.search(text) is not None and _COLUMN.search(urlsplit(url).path) is not None

    def parse(self, url: str, body: bytes, content_type: str | None = None) -> ListPage:
        text = decode(body, content_type)
        root = parse_document(text) if looks_like_html(text) else None
        if root is None:
            raise ListParseError(f"expected a Ucap list page (HTML) at {url}, got: {snippet(text)}")
        entries = main_list_entries(root, url)
        paging = _PAGING.search(text)
        if paging is None:
            return ListPage(
                entries=tuple(entries), notes=("no page count (createPageHTML) found: only this page read",)
            )
        pages, current, prefix, ext = int(paging.group(1)), int(paging.group(2)), paging.group(3), paging.group(4)
        requests: tuple[ListRequest, ...] = ()
        cut = None
        if current <= 1:  # the first page plans the rest, so every page is asked for once
            pages, cut = planned(pages)
            requests = tuple(ListRequest(url=urljoin(url, f"{prefix}_{n}.{ext}")) for n in range(2, pages + 1))
        return ListPage(entries=tuple(entries), next_requests=requests, notes=(cut,) if cut else ())


ADAPTER = UcapAdapter()
