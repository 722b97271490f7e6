"""The request and response shapes the platform renderers exchange with the HTTP plumbing."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str  # decoded path, no query
    raw_path: str  # path and query exactly as sent
    query: Mapping[str, str]
    form: Mapping[str, str]
    headers: Mapping[str, str]  # names in canonical Header-Case


@dataclass(slots=True)
class Response:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)
    # Set on article pages and files: they get ETag / Last-Modified and answer conditional requests.
    last_modified: dt.datetime | None = None


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def href_quote(text: str) -> str:
    """Percent-encode a query value as UTF-8, the form the pages link with."""
    return quote(text, safe="")


def html_response(page: str, encoding: str, content_type: str, status: int = 200) -> Response:
    # xmlcharrefreplace keeps characters a legacy codec lacks instead of failing the whole page.
    return Response(status, page.encode(encoding, errors="xmlcharrefreplace"), content_type)


def canonical_header(name: str) -> str:
    """`user-agent` and `User-agent` (urllib's spelling) both become `User-Agent`."""
    return "-".join(part.capitalize() for part in name.split("-"))
