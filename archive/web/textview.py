"""Archived text cut into what a page shows: paragraphs with their section headings, snippets with their marks.

Pure and free of HTML: it only says where things are; the templates escape every piece they are given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# The brackets `fazhi search` puts around each term in a snippet (its `highlight` offsets point inside them).
MARK_OPEN, MARK_CLOSE = "【", "】"


@dataclass(frozen=True, slots=True)
class Block:
    """A paragraph; one that opens a section carries its `heading` (the rest of the paragraph in `text`)."""

    anchor: str  # `p-N` (N from 1): a stable fragment to cite a paragraph by
    text: str
    heading: str = ""
    level: int = 0  # 1 for `一、…`, 2 for `（一）…`, 0 for a plain paragraph
    section_id: str = ""  # `s-N` for a paragraph that opens section N


@dataclass(frozen=True, slots=True)
class TocEntry:
    section_id: str
    heading: str
    level: int


def blocks(text: str, sections: Sequence[dict[str, Any]] = (), prefix: str = "p") -> list[Block]:
    """The paragraphs of `text` (split at `\\n`, blank ones dropped), headings placed by the sections' offsets."""
    starts = {int(s["start"]): (n, s) for n, s in enumerate(sections, 1)}
    out: list[Block] = []
    offset = 0
    for number, para in enumerate(text.split("\n"), 1):
        begin, end = offset, offset + len(para)
        offset = end + 1
        if not para.strip():
            continue
        anchor = f"{prefix}-{number}"
        hit = next((starts[i] for i in range(begin, end) if i in starts), None)
        if hit is None:
            out.append(Block(anchor, para))
            continue
        n, section = hit
        heading = str(section["heading"])
        at = para.find(heading)
        rest = para[at + len(heading) :] if at >= 0 else para
        out.append(Block(anchor, rest.strip(), heading, int(section["level"]), f"s-{n}"))
    return out


def toc(sections: Sequence[dict[str, Any]]) -> list[TocEntry]:
    return [TocEntry(f"s-{n}", str(s["heading"]), int(s["level"])) for n, s in enumerate(sections, 1)]


@dataclass(frozen=True, slots=True)
class Piece:
    text: str
    marked: bool = False


def snippet_pieces(snippet: str, highlight: Sequence[Sequence[int]]) -> list[Piece]:
    """A search snippet cut at its `highlight` offsets; the 【】 brackets around each mark give way to the mark."""
    pieces: list[Piece] = []
    at = 0
    for start, end in sorted((int(s), int(e)) for s, e in highlight):
        if not (at <= start <= end <= len(snippet)):
            continue
        before_end = start - 1 if start > 0 and snippet[start - 1] == MARK_OPEN else start
        after = end + 1 if end < len(snippet) and snippet[end] == MARK_CLOSE else end
        if before_end > at:
            pieces.append(Piece(snippet[at:before_end]))
        pieces.append(Piece(snippet[start:end], True))
        at = after
    if at < len(snippet):
        pieces.append(Piece(snippet[at:]))
    return pieces
