"""Value objects produced by extraction: what a page or a file says, with no I/O attached."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class AttachmentLink:
    """A link from a report page to an attached file (absolute URL and the human file name)."""

    url: str
    filename: str


@dataclass(frozen=True, slots=True)
class Extracted:
    """The report-relevant content of one article page."""

    title: str
    text: str  # the report's own text, paragraphs separated by "\n"
    published_date: dt.date | None = None
    publisher: str | None = None
    attachments: tuple[AttachmentLink, ...] = ()
    encoding: str = "utf-8"  # the codec the page was decoded with
    replacement_chars: int = 0  # U+FFFD count after decoding: >0 means the encoding was wrong somewhere
    warnings: tuple[str, ...] = field(default=())
