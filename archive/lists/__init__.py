"""The list-protocol adapters by platform name, and detection of the platform a column page speaks.

Pure, like archive.extract: list bytes in, entries and follow-up requests out, no network or database. The
spider reads each list through them while it crawls, and the archive reads its stored list answers through
them again offline (archive.query.relist), so they live where both may import them.
"""

from __future__ import annotations

from typing import Protocol

from archive.lists import anhui, gkmlpt, hanweb_jpaas, hanweb_jpage, static, trs, ucap
from archive.lists._text import decode
from archive.lists.base import Entry, ListPage, ListParseError, ListRequest

__all__ = [
    "ADAPTERS",
    "Adapter",
    "Entry",
    "ListPage",
    "ListParseError",
    "ListRequest",
    "detect_platform",
    "get_adapter",
]


class Adapter(Protocol):
    """One list protocol: recognises its pages and reads entries and follow-up requests from them."""

    name: str

    def detect(self, url: str, text: str) -> bool:
        """Whether the page at `url` with decoded `text` speaks this protocol."""
        ...

    def parse(self, url: str, body: bytes, content_type: str | None = None) -> ListPage:
        """Entries and follow-up requests from a column page or an API reply; ListParseError if foreign."""
        ...


ADAPTERS: dict[str, Adapter] = {
    adapter.name: adapter
    for adapter in (
        gkmlpt.ADAPTER,
        hanweb_jpaas.ADAPTER,
        hanweb_jpage.ADAPTER,
        anhui.ADAPTER,
        ucap.ADAPTER,
        trs.ADAPTER,
        static.ADAPTER,
    )
}
# gkmlpt's markers are its own (window._CONFIG under /gkmlpt/); JPaaS pages still mention the classic platform's
# paths; Ucap's paging script is TRS's with a container name first; TRS markers are the weakest. Hence the order.
_DETECTION_ORDER = ("gkmlpt", "hanweb-jpaas", "hanweb-jpage", "anhui-public", "ucap", "trs")
_FALLBACK = "static"


def get_adapter(platform: str) -> Adapter:
    """The adapter for a registry `platform` value (`auto` is resolved by `detect_platform` first)."""
    try:
        return ADAPTERS[platform]
    except KeyError:
        known = ", ".join(sorted(ADAPTERS))
        raise ValueError(f"unknown list platform {platform!r}; known platforms: {known}") from None


def detect_platform(url: str, body: bytes, content_type: str | None = None) -> str:
    """The platform name of the column page at `url`; `static` when no richer protocol is recognised."""
    text = decode(body, content_type)
    for name in _DETECTION_ORDER:
        if ADAPTERS[name].detect(url, text):
            return name
    return _FALLBACK
