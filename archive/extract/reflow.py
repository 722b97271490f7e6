"""Undo a PDF's line wrapping: join lines the layout broke, keep the breaks the author made.

PDFs have no paragraphs, only positioned lines, so this is a heuristic. A line break is kept when
  1. the line ends a sentence or clause: 。！？；： (or ! ? ; :), possibly followed by closing quotes
     or brackets (”’」』）》】);
  2. the next line starts an outline item: 一、 （一） (一) 第一章/节/条/部分 1. 1、 （1） (1) ① 附件;
  3. the next line is indented (leading spaces or U+3000, or, when the PDF's geometry is known, it
     starts right of the page's left margin: a first-line indent, a centred title, a signature), which
     is how Chinese paragraphs begin, or it is set in another font size (titles, headings);
  4. the line is clearly shorter than the text column (under 80% of the usual full line width): a
     title, a heading, or the last line of a paragraph, issuing body or date;
  5. either line is blank.
Otherwise the lines are joined with nothing between them, or with one space when both sides are
Latin letters or digits (English words). Bare page numbers ("- 3 -", "— 3 —", "第3页 共9页") are dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_SENTENCE_END = re.compile(r"[。！？；：!?;:][”’」』）)》】\]\"']*$")
_OUTLINE_START = re.compile(
    r"^(?:[一二三四五六七八九十百]+、"
    r"|[（(][一二三四五六七八九十百]+[）)]"
    r"|第[一二三四五六七八九十百零〇\d]+[章节条部分篇]"
    r"|\d{1,2}[.．、](?!\d)"
    r"|[（(]\d{1,2}[）)]"
    r"|[①-⑳]"
    r"|附件|附表)"
)
_PAGE_NUMBER = re.compile(
    r"^[\s\-—－–_·•]*(?:\d{1,4}|第\s*\d{1,4}\s*页(?:\s*[，,/]?\s*共\s*\d{1,4}\s*页)?)[\s\-—－–_·•]*$"
)
_SHORT_LINE = 0.8
_SIZE_CHANGE = 0.1  # relative font size difference that marks a heading


@dataclass(frozen=True, slots=True)
class Line:
    """One laid-out line, with what the PDF says about its position when that is known."""

    text: str
    indented: bool = False  # starts clearly right of the page's left margin
    size: float | None = None  # font size in points


def is_page_number(line: str) -> bool:
    """A line that holds nothing but a page number, as PDF footers do."""
    return bool(_PAGE_NUMBER.match(line.strip()))


def display_width(text: str) -> int:
    """Width in half-width cells: CJK and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def reflow(lines: Sequence[str | Line], column_width: int | None = None) -> list[str]:
    """Paragraphs from wrapped lines; `column_width` (in display cells) is guessed when not given."""
    kept = [_as_line(item) for item in lines]
    kept = [line for line in kept if not is_page_number(line.text)]
    width = column_width or _usual_width(line.text for line in kept)
    paragraphs: list[str] = []
    current = ""
    previous: Line | None = None
    for line in kept:
        text = line.text.strip()
        if not text:
            current, previous = _flush(paragraphs, current), None
            continue
        if current and previous is not None and _breaks_between(previous, line, width):
            current = _flush(paragraphs, current)
        current = _join(current, text) if current else text
        previous = line
    _flush(paragraphs, current)
    return paragraphs


def _as_line(item: str | Line) -> Line:
    if isinstance(item, str):
        return Line(item.rstrip())
    return Line(item.text.rstrip(), item.indented, item.size)


def _breaks_between(previous: Line, following: Line, width: int) -> bool:
    before, after = previous.text.strip(), following.text.strip()
    return bool(
        _SENTENCE_END.search(before)
        or _OUTLINE_START.match(after)
        or following.text[:1] in (" ", "\u3000", "\t")
        or following.indented
        or _size_changed(previous.size, following.size)
        or (width and display_width(before) < _SHORT_LINE * width)
    )


def _size_changed(before: float | None, after: float | None) -> bool:
    return bool(before and after and abs(before - after) > _SIZE_CHANGE * max(before, after))


def _join(left: str, right: str) -> str:
    if _latin(left[-1]) and _latin(right[0]):
        return f"{left} {right}"
    return left + right


def _latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _flush(paragraphs: list[str], current: str) -> str:
    if current:
        paragraphs.append(current)
    return ""


def _usual_width(lines: Iterable[str]) -> int:
    # The width most body lines reach: a high percentile, so one overlong table row does not set it.
    widths = sorted(display_width(s.strip()) for s in lines if len(s.strip()) >= 8)
    if not widths:
        return 0
    return widths[int(0.9 * (len(widths) - 1))]
