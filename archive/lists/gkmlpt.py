"""Guangdong's 政府信息公开 platform (`/gkmlpt/`): a script-built page whose `window._CONFIG` holds the site id
(`SID`) and the catalogue tree (`TREE`); lists come from a JSON API, `/gkmlpt/api/all/{catalogue}?page=N&sid=S`,
a hundred articles a page, `classify.post_count` in all.

A column page plans the API calls: the catalogue its URL names after `#`, else every catalogue of the tree whose
name says reports may be filed there (as the tree walk of discovery chooses links). Each reply gives its articles
and, while more remain, the next page.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from archive.clock import TIMEZONE
from archive.lists._jsobj import find_scalar
from archive.lists._text import decode, snippet, squash
from archive.lists.base import Entry, ListPage, ListParseError, ListRequest
from archive.lists.discovery import BRANCH

PER_PAGE = 100
_API = re.compile(r"/gkmlpt/api/all/(\d+)$")
_TREE = re.compile(r"\bTREE\s*:\s*")
_MARKERS = ("window._config", "/gkmlpt/gkml/", "service_area_id")


class GkmlptAdapter:
    """Reads gkmlpt column pages (to plan API calls) and the list API's JSON replies."""

    name = "gkmlpt"

    def detect(self, url: str, text: str) -> bool:
        lowered = text[:200_000].lower()
        return "/gkmlpt/" in urlsplit(url).path and any(m in lowered for m in _MARKERS)

    def parse(self, url: str, body: bytes, content_type: str | None = None) -> ListPage:
        text = decode(body, content_type)
        if _API.search(urlsplit(url).path):
            return _parse_reply(url, text)
        return _parse_index(url, text)


def _parse_index(url: str, text: str) -> ListPage:
    sid = find_scalar(text, "SID")
    if not sid or not sid.isdigit():
        raise ListParseError(f"expected a gkmlpt page with window._CONFIG's SID at {url}, got: {snippet(text)}")
    base = url.split("/gkmlpt/", 1)[0] + "/gkmlpt/api/all/"
    fragment = urlsplit(url).fragment
    if fragment.isdigit():
        chosen = [fragment]
    else:
        chosen = [str(node["id"]) for node in _catalogues(text) if BRANCH.search(str(node.get("name", "")))]
    if not chosen:
        return ListPage(notes=(f"no catalogue of the gkmlpt tree at {url} is one reports are filed under",))
    requests = tuple(ListRequest(url=f"{base}{cid}?{urlencode({'page': 1, 'sid': sid})}") for cid in chosen)
    return ListPage(next_requests=requests)


def _catalogues(text: str) -> list[dict[str, Any]]:
    """Every node of the `TREE` array (depth first), each a mapping with `id` and `name`."""
    match = _TREE.search(text)
    if match is None:
        return []
    try:
        tree, _ = json.JSONDecoder().raw_decode(text, match.end())
    except json.JSONDecodeError:
        return []
    out: list[dict[str, Any]] = []
    stack = list(reversed(tree)) if isinstance(tree, list) else []
    while stack:
        node = stack.pop()
        if isinstance(node, dict) and str(node.get("id", "")).isdigit() and not node.get("jump_url"):
            out.append(node)
            children = node.get("children")
            stack.extend(reversed(children) if isinstance(children, list) else ())
    return out


def _parse_reply(url: str, text: str) -> ListPage:
    try:
        reply = json.loads(text)
    except json.JSONDecodeError as error:
        raise ListParseError(
            f"expected JSON from the gkmlpt list API at {url} ({error.msg}), got: {snippet(text)}"
        ) from None
    if not isinstance(reply, dict) or not isinstance(reply.get("articles"), list):
        raise ListParseError(f"expected `articles` in the gkmlpt list API reply from {url}, got: {snippet(text)}")
    entries = tuple(e for item in reply["articles"] if (e := _entry(url, item)) is not None)
    classify = reply.get("classify")
    count = classify.get("post_count") if isinstance(classify, dict) else reply.get("total")
    total = count if isinstance(count, int) and count >= 0 else None
    page = _page_of(url)
    more = total is not None and page < math.ceil(total / PER_PAGE) and bool(entries)
    next_requests = (ListRequest(url=_with_page(url, page + 1)),) if more else ()
    return ListPage(entries=entries, next_requests=next_requests, total_records=total)


def _entry(url: str, item: Any) -> Entry | None:
    if not isinstance(item, dict):
        return None
    link = item.get("url") or item.get("post_url")
    title = squash(str(item.get("title") or ""))
    if not isinstance(link, str) or not link or not title:
        return None
    return Entry(urljoin(url, link), title, _date(item))


def _date(item: dict[str, Any]) -> dt.date | None:
    """The list date: `date` is seconds since the epoch (midnight, Beijing time); `created_at` a local time."""
    stamp = item.get("date") or item.get("display_publish_time")
    if isinstance(stamp, int | float) and not isinstance(stamp, bool) and 0 < stamp < 32_503_680_000:
        return dt.datetime.fromtimestamp(stamp, TIMEZONE).date()
    created = item.get("created_at")
    if isinstance(created, str):
        try:
            return dt.date.fromisoformat(created[:10])
        except ValueError:
            return None
    return None


def _page_of(url: str) -> int:
    value = dict(parse_qsl(urlsplit(url).query)).get("page", "1")
    return max(1, int(value)) if value.isdigit() else 1


def _with_page(url: str, page: int) -> str:
    parts = urlsplit(url)
    query = [(k, str(page) if k == "page" else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(query)))


ADAPTER = GkmlptAdapter()
