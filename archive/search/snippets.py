"""Snippets: the passage of a text around the first hit of a search, every hit marked 【like this】.

Terms are found by folding character by character (spaces ignored), so a term typed half-width is marked in a
full-width text; `highlight` gives the [start, end) offsets of each marked term inside the snippet, so a caller
(the web page) can render the marks otherwise.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from archive.extract.normalize import kept_lines

MARK_OPEN, MARK_CLOSE = "【", "】"
SNIPPET_CHARS = 120
_SPACE = re.compile(r"\s")


@cache
def _fold_table() -> dict[int, str]:
    """Each character of the Basic Multilingual Plane that folding changes, and what it becomes (for str.translate:
    folding a text a character at a time in C instead of in a Python loop). Built once, in about 40 ms."""
    table: dict[int, str] = {}
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        folded = unicodedata.normalize("NFKC", ch).lower()
        if folded != ch:
            table[cp] = folded
    return table


def _fold_char(ch: str) -> str:
    if ord(ch) < 0x10000:
        return _fold_table().get(ord(ch), ch)
    return unicodedata.normalize("NFKC", ch).lower()


def _quick_fold(text: str) -> str:
    """The text folded a character at a time, without whitespace."""
    return "".join(text.translate(_fold_table()).split())


def make_snippet(
    parts: list[str], terms: tuple[str, ...], document: tuple[str, str] | None = None
) -> tuple[str, list[list[int]]]:
    """The passage around the first term found in `parts`, in its original characters, every term in it marked.

    Found by folding character by character (spaces ignored), so a term typed half-width is marked in a
    full-width text. Returns the snippet and [start, end] offsets of each marked term in it.

    `document`, when given, is (the title, the folded document fulltext.document made of the title and
    `parts`): the line holding a term is then found in it, without folding the text again.
    """
    if document is not None:
        found = _located(parts, *document, terms)
        if found is not None:
            return found
    needles = ["".join(t.split()) for t in terms]
    for part in parts:
        # The whole part first: most parts hold no term, and their lines need no look.
        if not any(n in _quick_fold(part) for n in needles):
            continue
        for line in part.splitlines():
            quick = _quick_fold(line)
            if not any(n in quick for n in needles):
                continue
            snippet = _marked(line, terms)
            if snippet is not None:
                return snippet
    return parts[0][:SNIPPET_CHARS], []


def _located(parts: list[str], title: str, body: str, terms: tuple[str, ...]) -> tuple[str, list[list[int]]] | None:
    """The first line holding a term, found in the folded document and taken from the original part's kept lines.

    The document holds the title then the parts, each folded line by line, so line i of a part's stretch is its
    i-th kept line. None (look the slow way) if the stretches do not add up, or the line found holds no term.
    """
    folded = body.split("\n")
    stretches: list[tuple[list[str], list[str]]] = []
    at = 0
    for part in (title, *parts):
        if not part:
            continue
        kept = kept_lines(part)
        size = max(len(kept), 1)  # a part of blank lines still adds one (empty) line
        stretches.append((kept, folded[at : at + size]))
        at += size
    if at != len(folded):
        return None
    for kept, lines in [*stretches[1:], stretches[0]]:  # the title last, as the parts are given
        for i, line in enumerate(lines):
            if any(term in line for term in terms) and i < len(kept):
                return _marked(kept[i], terms)
    return None


def _marked(line: str, terms: tuple[str, ...]) -> tuple[str, list[list[int]]] | None:
    folded, where = _fold_map(line)
    spans = _spans(folded, where, terms)
    return _cut(line, spans) if spans else None


def _fold_map(line: str) -> tuple[str, list[int]]:
    """The line folded per character without whitespace, and for each folded character its index in `line`."""
    low = line.translate(_fold_table())
    if len(low) == len(line):
        # No character became several (none becomes none), so character i of the fold comes from character i.
        if not _SPACE.search(low):
            return low, list(range(len(low)))
        kept = [i for i, ch in enumerate(low) if not ch.isspace()]
        return "".join(low[i] for i in kept), kept
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(line):
        if ch.isspace():
            continue
        for out in _fold_char(ch):
            if not out.isspace():
                chars.append(out)
                where.append(i)
    return "".join(chars), where


def _spans(folded: str, where: list[int], terms: tuple[str, ...]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for term in terms:
        needle = "".join(term.split())
        start = folded.find(needle)
        while start >= 0 and needle:
            spans.append((where[start], where[start + len(needle) - 1] + 1))
            start = folded.find(needle, start + len(needle))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def _cut(line: str, spans: list[tuple[int, int]]) -> tuple[str, list[list[int]]]:
    first = spans[0][0]
    start = max(0, first - SNIPPET_CHARS // 3)
    end = min(len(line), max(start + SNIPPET_CHARS, spans[0][1]))
    pieces = ["…"] if start else []
    length = len(pieces[0]) if pieces else 0
    marks: list[list[int]] = []
    pos = start
    for s, e in spans:
        if s < start or e > end:
            continue
        pieces.append(line[pos:s])
        length += s - pos
        pieces.append(MARK_OPEN + line[s:e] + MARK_CLOSE)
        marks.append([length + len(MARK_OPEN), length + len(MARK_OPEN) + (e - s)])
        length += len(MARK_OPEN) + (e - s) + len(MARK_CLOSE)
        pos = e
    pieces.append(line[pos:end])
    if end < len(line):
        pieces.append("…")
    return "".join(pieces), marks
