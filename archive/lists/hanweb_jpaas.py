"""Hanweb JPaaS lists (2024 on): column-page parameters in inline JS, list pages from a JSON gateway."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

from archive.lists._jsobj import find_object, find_scalar
from archive.lists._lists import entries_from_items, parse_fragment
from archive.lists._text import decode, looks_like_html, snippet
from archive.lists.base import ListPage, ListParseError, ListRequest

API_PATH = "/api-gateway/jpaas-publish-server/front/page/build/unit"
_API_PATH_RE = re.compile(r"""["']((?:https?://[^"'\s]+)?/[^"'\s]*?/front/page/build/unit)["'?]""")
_QUERY_DATA_RE = re.compile(r"\bqueryData\s*[=:]\s*")
# The gateway's parameters in the order the portal's own script sends them; `bulidstatic` is its spelling.
_DEFAULTS = (
    ("parseType", "bulidstatic"),
    ("webId", None),
    ("tplSetId", None),
    ("pageType", "column"),
    ("tagId", None),
    ("editType", "null"),
    ("pageId", None),
)
_REQUIRED = ("webId", "tplSetId", "pageId")
_DEFAULT_PAGE_SIZE = 20


class HanwebJPaaSAdapter:
    """Reads JPaaS column pages (to plan the first API call) and the gateway's JSON replies."""

    name = "hanweb-jpaas"

    def detect(self, url: str, text: str) -> bool:
        lowered = text.lower()
        return (
            "jpaas" in lowered
            or "bulidstatic" in lowered
            or "/front/page/build/unit" in url
            or ("queryData" in text and "tplSetId" in text)
        )

    def parse(self, url: str, body: bytes, content_type: str | None = None) -> ListPage:
        text = decode(body, content_type)
        if text.lstrip().startswith(("{", "[")):
            return _parse_reply(url, text)
        if urlsplit(url).path.endswith("/front/page/build/unit"):
            raise ListParseError(f"expected a JSON reply from the JPaaS list API at {url}, got: {snippet(text)}")
        if not looks_like_html(text):
            raise ListParseError(
                f"expected a JPaaS column page (HTML) or list API reply (JSON) from {url}, got: {snippet(text)}"
            )
        return _parse_column(url, text)


def _parse_column(url: str, text: str) -> ListPage:
    found = find_object(text, _QUERY_DATA_RE) or {}
    query_data = {key: value for key, value in found.items() if isinstance(value, str)}
    params: list[tuple[str, str]] = []
    for key, default in _DEFAULTS:
        value = query_data.get(key) or find_scalar(text, key) or default
        if value is not None:
            params.append((key, value))
    named = {key for key, _ in params}
    missing = [key for key in _REQUIRED if key not in named]
    if missing:
        raise ListParseError(
            f"expected JPaaS list parameters (queryData or {', '.join(missing)}) at {url}, got: {snippet(text)}"
        )
    params += [(key, value) for key, value in query_data.items() if key not in named and key != "paramJson"]
    size = query_data.get("pageSize") or find_scalar(text, "pageSize")
    page_size = int(size) if size and size.isdigit() else _DEFAULT_PAGE_SIZE
    params.append(("paramJson", _param_json({"pageNo": 1, "pageSize": page_size})))
    path = _API_PATH_RE.search(text)
    api = urljoin(url, path.group(1) if path else API_PATH)
    request = ListRequest(url=f"{api}?{urlencode(params, quote_via=quote)}", headers=(("Referer", url),))
    return ListPage(next_requests=(request,))


def _parse_reply(url: str, text: str) -> ListPage:
    try:
        reply = json.loads(text)
    except json.JSONDecodeError as error:
        raise ListParseError(
            f"expected JSON from the JPaaS list API at {url} ({error.msg}), got: {snippet(text)}"
        ) from None
    if not isinstance(reply, dict):
        raise ListParseError(f"expected a JSON object from the JPaaS list API at {url}, got: {snippet(text)}")
    if reply.get("success") in (False, "false"):
        message = next((str(reply[k]) for k in ("message", "msg", "errMsg", "error") if reply.get(k)), "")
        return ListPage(error=f"JPaaS list API refused the request: {message or 'no message given'}")
    data = reply.get("data")
    markup = data.get("html") if isinstance(data, dict) else None
    if not isinstance(markup, str):
        raise ListParseError(f"expected data.html in the JPaaS list API reply from {url}, got: {snippet(text)}")
    items = list(parse_fragment(markup).iter("li"))
    entries = entries_from_items(items, url)
    if not items:
        return ListPage()  # an empty list: past the last page
    return ListPage(entries=tuple(entries), next_requests=(ListRequest(url=_next_page(url)),))


def _next_page(url: str) -> str:
    """The same API call one page on; every other parameter stays as it was."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    for position, (key, value) in enumerate(query):
        if key == "paramJson":
            paging = _load_object(value)
            number = str(paging.get("pageNo", 1))
            paging["pageNo"] = int(number) + 1 if number.isdigit() else 2
            query[position] = (key, _param_json(paging))
            break
    else:
        query.append(("paramJson", _param_json({"pageNo": 2, "pageSize": _DEFAULT_PAGE_SIZE})))
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))


def _load_object(text: str) -> dict[str, Any]:
    try:
        loaded = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _param_json(value: dict[str, Any]) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


ADAPTER = HanwebJPaaSAdapter()
