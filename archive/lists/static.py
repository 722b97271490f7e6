"""Plain static lists: the page's main list of links, then the `下一页` link until `尾页`."""

from __future__ import annotations

import re
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

import lxml.html

from archive.lists._lists import absolute_url, main_list_entries, parse_document
from archive.lists._text import decode, looks_like_html, snippet, squash
from archive.lists.base import ListPage, ListParseError, ListRequest

_NEXT_WORDS = ("下一页", "下页", "后一页")
_LAST_WORDS = ("尾页", "末页", "最后一页")
_DECORATION = "[]【】()（）<>《》«»‹›→ \t\n"
_INDEX_PAGE_RE = re.compile(r"^(?P<prefix>.*?)(?:_(?P<n>\d+))?\.(?P<ext>s?html?)$", re.I)
_PAGE_KEYS = ("page", "pageno", "pagenum", "pageindex", "p", "currentpage")


class StaticAdapter:
    """Reads any HTML list page; the fallback when no richer protocol is detected."""

    name = "static"

    def detect(self, url: str, text: str) -> bool:
        return looks_like_html(text)

    def parse(self, url: str, body: bytes, content_type: str | None = None) -> ListPage:
        text = decode(body, content_type)
        root = parse_document(text) if looks_like_html(text) else None
        if root is None:
            raise ListParseError(f"expected an HTML list page at {url}, got: {snippet(text)}")
        entries = main_list_entries(root, url, require_dates=False)
        following = next_page_url(root, url)
        requests = (ListRequest(url=following),) if following else ()
        return ListPage(entries=tuple(entries), next_requests=requests)


def next_page_url(root: lxml.html.HtmlElement, url: str) -> str | None:
    """The next list page's URL, or None on the last page (the one `尾页` points at, or no way on)."""
    current = _same_page_key(url)
    explicit: str | None = None
    for anchor in root.iter("a"):
        label = squash(anchor.text_content()).strip(_DECORATION)
        hint = anchor.get("title") or ""
        if label in _LAST_WORDS or any(word in hint for word in _LAST_WORDS):
            last = absolute_url(url, anchor.get("href"))
            if last is None or _same_page_key(last) == current:
                return None
        elif explicit is None and (label in _NEXT_WORDS or any(word in hint for word in _NEXT_WORDS)):
            explicit = absolute_url(url, anchor.get("href")) or ""
    if explicit is not None:
        # A disabled 下一页 (script link, or pointing at this page) means this is the last page.
        return explicit if explicit and _same_page_key(explicit) != current else None
    return _numbered_next(root, url)


def _numbered_next(root: lxml.html.HtmlElement, url: str) -> str | None:
    """Without a 下一页 link, follow a page-number link to this page's number + 1, if the page has one."""
    wanted = {_same_page_key(candidate) for candidate in _successors(url)}
    here = urlsplit(url)
    for anchor in root.iter("a"):
        target = absolute_url(url, anchor.get("href"))
        if target is None:
            continue
        if _same_page_key(target) in wanted or _second_page_of(target, here):
            return target
    return None


def _successors(url: str) -> list[str]:
    """The URLs one page on by the usual conventions (`?page=N`, `index_N.html`)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    for position, (key, value) in enumerate(query):
        if key.lower() in _PAGE_KEYS and value.isdigit():
            query[position] = (key, str(int(value) + 1))
            return [urlunsplit(parts._replace(query=urlencode(query)))]
    folder, _, name = parts.path.rpartition("/")
    match = _INDEX_PAGE_RE.match(name or "index.html")
    if match is None:
        return []
    prefix, ext = match.group("prefix"), match.group("ext")
    # Page two of `list.html` is `list_1.html` on TRS-style sites and `list_2.html` on others.
    numbers = [int(match.group("n")) + 1] if match.group("n") else [1, 2]
    return [urlunsplit(parts._replace(path=f"{folder}/{prefix}_{n}.{ext}")) for n in numbers]


def _second_page_of(target: str, here: SplitResult) -> bool:
    """Whether `target` is page 2 of the unnumbered page `here` (`list.jsp` → `list.jsp?page=2`)."""
    parts = urlsplit(target)
    if (parts.netloc, parts.path) != (here.netloc, here.path):
        return False
    if any(key.lower() in _PAGE_KEYS for key, _ in parse_qsl(here.query)):
        return False
    extra = dict(parse_qsl(parts.query))
    pages = [key for key in extra if key.lower() in _PAGE_KEYS]
    rest = {key: value for key, value in extra.items() if key not in pages}
    return len(pages) == 1 and extra[pages[0]] == "2" and rest == dict(parse_qsl(here.query))


def _same_page_key(url: str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """What identifies a list page regardless of query order and a trailing `index.html`."""
    parts = urlsplit(url)
    path = re.sub(r"/index\.s?html?$", "/", parts.path, flags=re.I)
    return parts.netloc.lower(), path, tuple(sorted(parse_qsl(parts.query, keep_blank_values=True)))


ADAPTER = StaticAdapter()
