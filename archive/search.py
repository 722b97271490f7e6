"""`fazhi search`: reports whose latest text (title, page, attachments) holds every term, ranked, with snippets.

Terms are split on spaces and folded like the index (archive/search_index.py). A term of two or more characters
is looked up by its character pairs and checked in the folded text; a one-character term only narrows the
reports the longer terms found (alone it would match nearly every report, so a query of one-character terms
only is refused).

`rank` is the number of times the terms occur (for a term longer than two characters, counted by its rarest
pair, which is at least its count), doubled for each term in the title. Ties go to the most recently fetched.
The snippet is the paragraph around the first hit, with the term marked 【like this】 (`highlight` gives the
[start, end) offsets of each marked term inside `snippet`, so a caller can render it otherwise).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, literal, select
from sqlalchemy.orm import Session, selectinload

from archive.errors import BadUsage
from archive.models import Report, SearchDoc, SearchGram, Site, Version
from archive.query import _report_dict
from archive.search_index import fold

MARK_OPEN, MARK_CLOSE = "【", "】"
SNIPPET_CHARS = 120
DEFAULT_LIMIT = 20
_TITLE_BONUS = 2
_VERIFY_BATCH = 50


@dataclass(frozen=True, slots=True)
class Query:
    terms: tuple[str, ...]  # folded, two characters or more
    singles: tuple[str, ...]  # folded one-character terms


def parse(query: str) -> Query:
    """The folded terms of a query; a usage error when it holds nothing to search for."""
    if not query or not query.strip():
        raise BadUsage("the search query is empty: give a term of at least two characters, e.g. fazhi search 法治")
    folded = [t for t in (fold(word) for word in query.split()) if t]
    terms = tuple(dict.fromkeys(t for t in folded if len(t) >= 2))
    singles = tuple(dict.fromkeys(t for t in folded if len(t) == 1))
    if not terms:
        raise BadUsage(
            f"{query.strip()!r} has no term of two or more characters: a single character matches nearly every "
            "report; add a longer term (one-character terms then narrow its results)"
        )
    return Query(terms, singles)


def _term_hits(term: str) -> Select[int, int]:
    """Versions holding every pair of `term`, with the count of its rarest pair."""
    pairs = sorted({term[i : i + 2] for i in range(len(term) - 1)})
    return (
        select(SearchGram.version_id, func.min(SearchGram.tf).label("tf"))
        .where(SearchGram.gram.in_(pairs))
        .group_by(SearchGram.version_id)
        .having(func.count() == len(pairs))
    )


def _latest() -> ColumnElement[bool]:
    """The version joined as `Version` is its report's current one."""
    return Report.current_version_id == Version.id


def search(
    session: Session,
    query: str,
    site: str | None = None,
    year: int | None = None,
    kind: str | None = None,
    region: str | None = None,
    limit: int | None = DEFAULT_LIMIT,
    all_versions: bool = False,
) -> list[dict[str, Any]]:
    q = parse(query)
    if limit is not None and limit < 1:
        raise BadUsage(f"--limit must be at least 1, not {limit}")
    hits = [_term_hits(t).subquery(f"t{i}") for i, t in enumerate(q.terms)]
    rank: ColumnElement[Any] = literal(0)
    for sub, term in zip(hits, q.terms, strict=True):
        bonus = case((SearchDoc.title.contains(term, autoescape=True), _TITLE_BONUS), else_=1)
        rank = rank + sub.c.tf * bonus
    first = hits[0]
    stmt = select(SearchDoc.version_id, SearchDoc.report_id, rank.label("rank")).select_from(first)
    stmt = stmt.join(SearchDoc, SearchDoc.version_id == first.c.version_id)
    stmt = stmt.join(Version, Version.id == SearchDoc.version_id)
    stmt = stmt.join(Report, Report.id == Version.report_id)
    for sub in hits[1:]:
        stmt = stmt.join(sub, sub.c.version_id == first.c.version_id)
    if not all_versions:
        stmt = stmt.where(_latest())
    if site:
        stmt = stmt.where(Report.site_id == site)
    if year:
        stmt = stmt.where(Report.year == year)
    if kind:
        stmt = stmt.where(Report.kind == kind)
    if region:
        stmt = stmt.join(Site, Site.id == Report.site_id).where(Site.region.contains(region, autoescape=True))
    stmt = stmt.order_by(rank.desc(), Version.fetched_at.desc(), Version.id.desc())
    # The pairs only say a term may be there; the folded text says it is (two-character terms need no check).
    unsure = [t for t in q.terms if len(t) > 2] + list(q.singles)
    if not unsure:
        found = session.execute(stmt if limit is None else stmt.limit(limit)).all()
        return _results(session, q, [(vid, int(r)) for vid, _rid, r in found])
    return _results(session, q, _verified(session, session.execute(stmt).all(), unsure, limit))


def _verified(session: Session, ranked: Sequence[Any], unsure: list[str], limit: int | None) -> list[tuple[int, int]]:
    """The candidates, best first, whose folded text holds every term, read a batch at a time until `limit`."""
    out: list[tuple[int, int]] = []
    for at in range(0, len(ranked), _VERIFY_BATCH):
        batch = ranked[at : at + _VERIFY_BATCH]
        bodies = dict(
            session.execute(
                select(SearchDoc.version_id, SearchDoc.body).where(SearchDoc.version_id.in_([r[0] for r in batch]))
            ).all()
        )
        for vid, _rid, rank in batch:
            body = bodies.get(vid, "")
            if all(term in body for term in unsure):
                out.append((vid, int(rank)))
                if limit is not None and len(out) >= limit:
                    return out
    return out


def _results(session: Session, q: Query, found: list[tuple[int, int]]) -> list[dict[str, Any]]:
    if not found:
        return []
    ids = [vid for vid, _ in found]
    loads = (selectinload(Version.report).joinedload(Report.site), selectinload(Version.attachments))
    versions = {v.id: v for v in session.scalars(select(Version).where(Version.id.in_(ids)).options(*loads))}
    counts = dict(
        session.execute(
            select(Version.report_id, func.count())
            .where(Version.report_id.in_({v.report_id for v in versions.values()}))
            .group_by(Version.report_id)
        ).all()
    )
    out = []
    for vid, rank in found:
        v = versions[vid]
        report = v.report
        snippet, marks = make_snippet(
            [v.text, *(a.text for a in v.attachments if a.text), v.title], (*q.terms, *q.singles)
        )
        out.append(
            {
                **_report_dict(report, report.site, counts.get(report.id, 0)),
                "version": v.version,
                "fetched_at": _iso(v.fetched_at),
                "snippet": snippet,
                "highlight": marks,
                "rank": rank,
            }
        )
    return out


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _fold_char(ch: str) -> str:
    return unicodedata.normalize("NFKC", ch).lower()


def make_snippet(parts: list[str], terms: tuple[str, ...]) -> tuple[str, list[list[int]]]:
    """The passage around the first term found, in its original characters, every term in it marked.

    Found by folding character by character (spaces ignored), so a term typed half-width is marked in a
    full-width text. Returns the snippet and [start, end] offsets of each marked term in it.
    """
    needles = ["".join(t.split()) for t in terms]
    for part in parts:
        for line in part.splitlines():
            # A whole-line fold first (fast, in C); the character map only for the line that holds a term.
            quick = "".join(unicodedata.normalize("NFKC", line).lower().split())
            if not any(n in quick for n in needles):
                continue
            folded, where = _fold_map(line)
            spans = _spans(folded, where, terms)
            if spans:
                return _cut(line, spans)
    return parts[0][:SNIPPET_CHARS], []


def _fold_map(line: str) -> tuple[str, list[int]]:
    """The line folded per character without whitespace, and for each folded character its index in `line`."""
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
