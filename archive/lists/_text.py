"""Text utilities shared by the list adapters: decoding list bytes, reading list dates, tidying titles."""

from __future__ import annotations

import datetime as dt
import re

from archive.extract.dates import SEPARATED, first_date
from archive.extract.decode import decode_html

_SPACE_RE = re.compile(r"\s+")
_HTML_TAG_RE = re.compile(r"<(?:!doctype|html|head|body|meta|title|link|script|style|div|ul|table|p)\b", re.I)


def decode(body: bytes, content_type: str | None = None) -> str:
    """Bytes of a list page or reply as text, decoded the same way the extractor decodes pages
    (the one place the adapters decode, so a change of decoder is one line)."""
    return decode_html(body, content_type).text


def parse_date(text: str) -> dt.date | None:
    """The first date in `text` (YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD or YYYY年M月D日): archive.extract.dates reads it,
    as it reads a page's."""
    return first_date(text)


def strip_date(text: str) -> str:
    """`text` without the dates in it (a date sometimes sits inside the link next to the title)."""
    text = SEPARATED.sub(" ", text)
    return squash(text.replace("[]", " ").replace("［］", " "))


def squash(text: str) -> str:
    """Runs of whitespace (including full-width and non-breaking spaces) collapsed to one space."""
    return _SPACE_RE.sub(" ", text.replace("\u3000", " ").replace("\xa0", " ")).strip()


def snippet(text: str, limit: int = 80) -> str:
    """The first `limit` characters of `text` on one line, for error messages."""
    return squash(text)[:limit] or "(empty)"


def looks_like_html(text: str) -> bool:
    """Whether `text` is an HTML page or fragment (a tag of one near its start)."""
    return _HTML_TAG_RE.search(text[:4096]) is not None
