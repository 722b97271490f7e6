"""Hanweb JCMS "jpage" lists: the first page inside a `<datastore>` script, the rest from a data proxy."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from archive.lists._jsobj import JsValue, find_object
from archive.lists._lists import entry_from_item, main_list_entries, parse_document, parse_fragment
from archive.lists._text import decode, looks_like_html, snippet
from archive.lists.base import Entry, ListPage, ListParseError, ListRequest

_DATASTORE_RE = re.compile(r"<datastore\b[^>]*>(.*?)</datastore\s*>", re.I | re.S)
_RECORD_RE = re.compile(r"<record\b[^>]*>(.*?)</record\s*>", re.I | re.S)
_NEXTGROUP_RE = re.compile(r"<nextgroup\b[^>]*>(.*?)</nextgroup\s*>", re.I | re.S)
_CDATA_RE = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)
_HREF_RE = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.I)
_JPAGE_RE = re.compile(r"(?:new\s+JPage|\.jpage)\s*\(", re.I)
_XML_START_RE = re.compile(r"^\s*(?:<\?xml\b|<datastore\b)", re.I)
# Query keys that page the proxy; everything else in a nextgroup link is a list parameter.
_PAGING_KEYS = {"page", "startrecord", "endrecord", "perpage", "totalrecord", "totalpage"}
_DEFAULT_PER_PAGE = 15
# The proxy answers three screens' worth of records per request, as the portal's own script asks.
_SCREENS_PER_REQUEST = 3


@dataclass
class _Plan:
    """What the column page says about fetching the rest of the list."""

    proxy_url: str | None = None
    per_page: int | None = None
    total: int | None = None
    params: list[tuple[str, str]] = field(default_factory=list)
    page_numbered: bool = False


class HanwebJPageAdapter:
    """Reads Hanweb column pages and their `dataproxy.jsp` XML replies."""

    name = "hanweb-jpage"

    def detect(self, url: str, text: str) -> bool:
        lowered = text.lower()
        return (
            "<datastore" in lowered
            or "dataproxy.jsp" in lowered
            or _JPAGE_RE.search(text) is not None
            or "dataproxy.jsp" in url.lower()
        )

    def parse(self, url: str, body: bytes, content_type: str | None = None) -> ListPage:
        text = decode(body, content_type)
        if _XML_START_RE.match(text):
            return _parse_reply(url, text)
        if "dataproxy" in urlsplit(url).path.lower():
            raise ListParseError(
                f"expected a Hanweb dataproxy XML reply (<datastore>) from {url}, got: {snippet(text)}"
            )
        if not looks_like_html(text):
            raise ListParseError(
                f"expected a Hanweb column page (HTML) or dataproxy reply (XML) from {url}, got: {snippet(text)}"
            )
        return _parse_column(url, text)


def _parse_reply(url: str, text: str) -> ListPage:
    store = _DATASTORE_RE.search(text)
    if store is None:
        raise ListParseError(f"expected a <datastore> in the dataproxy reply from {url}, got: {snippet(text)}")
    entries = _record_entries(store.group(1), url)
    total = _int(_element_text(store.group(1), "totalrecord"))
    notes: list[str] = []
    query = dict(parse_qsl(urlsplit(url).query))
    start, end = _int(query.get("startrecord")), _int(query.get("endrecord"))
    if total is not None and start is not None and end is not None:
        expected = max(0, min(end, total) - start + 1)
        if expected != len(entries):
            notes.append(
                f"records {start}-{end} of {total} should hold {expected} entries, the reply held {len(entries)}"
            )
    return ListPage(entries=tuple(entries), total_records=total, notes=tuple(notes))


def _parse_column(url: str, text: str) -> ListPage:
    stores = [match.group(1) for match in _DATASTORE_RE.finditer(text)]
    config = find_object(text, _JPAGE_RE)
    notes: list[str] = []
    if stores:
        # A page may carry small side lists too; the column's own list is the one with the most records.
        main = max(stores, key=lambda store: len(_RECORD_RE.findall(store)))
        entries = _record_entries(main, url)
    else:
        root = parse_document(text)
        entries = main_list_entries(root, url) if root is not None else []
        main = ""
        if config is None and not entries:
            raise ListParseError(
                f"expected a Hanweb column page with a <datastore> list or JPage settings "
                f"at {url}, got: {snippet(text)}"
            )
    plan = _read_plan(url, config, main)
    # Counting distinct entries, not records, errs towards asking for a record twice (harmless)
    # rather than skipping one when the page repeats a pinned item or holds an unreadable record.
    requests = _plan_requests(url, plan, len(entries), notes)
    return ListPage(entries=tuple(entries), next_requests=tuple(requests), total_records=plan.total, notes=tuple(notes))


def _record_entries(store: str, base: str) -> list[Entry]:
    seen: set[str] = set()
    entries: list[Entry] = []
    for record in _RECORD_RE.findall(store):
        chunks = _CDATA_RE.findall(record)
        markup = "".join(chunks) if chunks else html.unescape(record)
        entry = entry_from_item(parse_fragment(markup), base)
        if entry is not None and entry.url not in seen:
            seen.add(entry.url)
            entries.append(entry)
    return entries


def _read_plan(url: str, config: dict[str, JsValue] | None, store: str) -> _Plan:
    plan = _Plan()
    settings = {key.lower(): value for key, value in (config or {}).items()}
    if isinstance(settings.get("proxyurl"), str):
        plan.proxy_url = urljoin(url, str(settings["proxyurl"]).strip())
    plan.per_page = _int(settings.get("perpage"))
    plan.total = _int(settings.get("totalrecord"))
    ajax = settings.get("ajaxparam")
    if isinstance(ajax, dict):
        plan.params = [(key, _form_value(value)) for key, value in ajax.items()]
    link = _nextgroup_link(store)
    if link is not None:
        target = urlsplit(urljoin(url, link))
        query = parse_qsl(target.query, keep_blank_values=True)
        lowered = {key.lower(): value for key, value in query}
        if plan.proxy_url is None:
            plan.proxy_url = urlunsplit((target.scheme, target.netloc, target.path, "", ""))
        if not plan.params:
            plan.params = [(key, value) for key, value in query if key.lower() not in _PAGING_KEYS]
        plan.per_page = plan.per_page or _int(lowered.get("perpage"))
        plan.total = plan.total if plan.total is not None else _int(lowered.get("totalrecord"))
    if plan.total is None:
        plan.total = _int(_element_text(store, "totalrecord"))
    if plan.proxy_url is not None:
        # A nextgroup link's `page=1` is a constant; only the older proxy path (or a proxyUrl that
        # itself pages) numbers pages.
        proxy = urlsplit(plan.proxy_url)
        in_query = {key.lower() for key, _ in parse_qsl(proxy.query)}
        plan.page_numbered = "page" in in_query or "/module/web/jpage/" in proxy.path
    return plan


def _plan_requests(url: str, plan: _Plan, shown: int, notes: list[str]) -> list[ListRequest]:
    if plan.total is None or plan.total <= shown:
        return []
    if plan.proxy_url is None:
        notes.append(f"the list holds {plan.total} records but names no data proxy: only {shown} read")
        return []
    per_page = plan.per_page
    if not per_page or per_page <= 0:
        # The page itself shows one screen, so its length is the best guess of a screen's size.
        per_page = shown or _DEFAULT_PER_PAGE
        notes.append(f"no perPage given: assumed {per_page}")
    base = urlsplit(plan.proxy_url)
    kept = [(k, v) for k, v in parse_qsl(base.query, keep_blank_values=True) if k.lower() not in _PAGING_KEYS]
    headers = (("Referer", url),)
    requests: list[ListRequest] = []
    for page, start, end in _ranges(shown, plan.total, per_page, plan.page_numbered):
        paging = [("startrecord", str(start)), ("endrecord", str(end)), ("perpage", str(per_page))]
        if page is not None:
            paging.insert(0, ("page", str(page)))
        target = urlunsplit((base.scheme, base.netloc, base.path, urlencode(kept + paging), ""))
        requests.append(ListRequest(url=target, method="POST", formdata=tuple(plan.params), headers=headers))
    return requests


def _ranges(shown: int, total: int, per_page: int, numbered: bool) -> list[tuple[int | None, int, int]]:
    """(page number or None, first record, last record) of each request after the records shown."""
    if not numbered:
        group = per_page * _SCREENS_PER_REQUEST
        return [(None, start, min(start + group - 1, total)) for start in range(shown + 1, total + 1, group)]
    # Page-numbered proxies answer whole pages; ranges aligned to them mean the page number and the
    # record range name the same records, whichever of the two the proxy reads.
    first_page = shown // per_page + 1
    last_page = -(-total // per_page)
    return [(page, (page - 1) * per_page + 1, min(page * per_page, total)) for page in range(first_page, last_page + 1)]


def _nextgroup_link(store: str) -> str | None:
    match = _NEXTGROUP_RE.search(store)
    if match is None:
        return None
    chunks = _CDATA_RE.findall(match.group(1))
    href = _HREF_RE.search("".join(chunks) if chunks else match.group(1))
    return html.unescape(href.group(1)) if href else None


def _element_text(store: str, tag: str) -> str | None:
    pattern = rf"<{tag}\b[^>]*>\s*(?:<!\[CDATA\[)?\s*([^<\]]*?)\s*(?:\]\]>)?\s*</{tag}\s*>"
    match = re.search(pattern, store, re.I)
    return match.group(1) if match else None


def _form_value(value: JsValue) -> str:
    return value if isinstance(value, str) else ""


def _int(value: object) -> int | None:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


ADAPTER = HanwebJPageAdapter()
