"""`fazhi search`: reports whose latest text (title, page, attachments) holds every term, ranked, with snippets.

Terms are split on spaces and folded like the index (archive/search_index.py). A term of two or more characters
is looked up by its character pairs (archive/search_segments.py) and checked in the folded text; a one-character
term only narrows the reports the longer terms found (alone it would match nearly every report, so a query of
one-character terms only is refused).

`rank` is the number of times the terms occur, doubled for each term in the title; ties go to the most recently
archived version. The pairs give each candidate an upper bound of its rank (a term occurs no more often than its
rarest pair), so candidates are checked best bound first and the search stops as soon as no unchecked candidate
can enter the results: a term found in every report costs a few dozen checks, not thousands.
"""

from __future__ import annotations

import datetime as dt
import heapq
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from archive.errors import BadUsage
from archive.models import Attachment, Report, SearchDoc, SearchPosting, Site, Version
from archive.query import _report_dict
from archive.search_index import TITLE_MARK, fold
from archive.search_segments import unpack
from archive.snippets import MARK_CLOSE, MARK_OPEN, make_snippet

__all__ = ["DEFAULT_LIMIT", "MARK_CLOSE", "MARK_OPEN", "Query", "parse", "search"]

DEFAULT_LIMIT = 20
_TITLE_BONUS = 2
_CHECK_BATCH = 50
_TF_MAX = 0xFFFF
_PAIRS_USED = 3


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
    scope = _scope(site, year, kind, region, all_versions)
    # Docs not merged yet are read and scored outright.
    found = {vid: rank for vid, rank in _score(session, q, scope.where(SearchDoc.segment_id.is_(None)))}
    bounds = _bounds(session, q.terms)
    if site or year or kind or region:  # a narrow scope: drop the candidates outside it before reading any
        allowed = set(session.scalars(scope.with_only_columns(SearchDoc.version_id)))
        bounds = {vid: b for vid, b in bounds.items() if vid in allowed}
    # Merged docs best bound first, read a batch at a time (each read checks the doc is in scope and counts the
    # terms in its text), until no unread candidate can rank above the last result.
    order = sorted(((b, vid) for vid, b in bounds.items() if vid not in found), reverse=True)
    merged = scope.where(SearchDoc.segment_id.is_not(None))
    at = 0
    while at < len(order):
        if limit is not None and len(found) >= limit:
            kth = heapq.nlargest(limit, ((r, v) for v, r in found.items()))[-1]
            if kth > order[at]:
                break
        batch = order[at : at + _CHECK_BATCH]
        found.update(_score(session, q, merged.where(SearchDoc.version_id.in_([vid for _b, vid in batch]))))
        at += len(batch)
    ranked = ((r, v) for v, r in found.items())
    best = heapq.nlargest(limit, ranked) if limit is not None else sorted(ranked, reverse=True)
    return _results(session, q, [(vid, rank) for rank, vid in best])


def _scope(
    site: str | None, year: int | None, kind: str | None, region: str | None, all_versions: bool
) -> Select[int, str, str]:
    """The docs a search may return: (version id, folded title, folded body)."""
    stmt = select(SearchDoc.version_id, SearchDoc.title, SearchDoc.body).join(Report, Report.id == SearchDoc.report_id)
    if not all_versions:
        stmt = stmt.where(Report.current_version_id == SearchDoc.version_id)
    if site:
        stmt = stmt.where(Report.site_id == site)
    if year:
        stmt = stmt.where(Report.year == year)
    if kind:
        stmt = stmt.where(Report.kind == kind)
    if region:
        stmt = stmt.join(Site, Site.id == Report.site_id).where(Site.region.contains(region, autoescape=True))
    return stmt


def _pairs(term: str) -> list[str]:
    return sorted({term[i : i + 2] for i in range(len(term) - 1)})


def _bounds(session: Session, terms: Sequence[str]) -> dict[int, int]:
    """Merged versions holding the rarest pairs of every term, each with an upper bound of its rank.

    Postings are not checked against the docs here (a doc written again after its merge still has its old pairs
    in the old segment): the bound only decides the order of reading, and the text read decides the rank. A doc
    holding a term is always a candidate, by its own segment's pairs or, when not merged yet, by being read.
    """
    wanted = {g for t in terms for p in _pairs(t) for g in (p, TITLE_MARK + p)}
    lists: dict[str, list[tuple[array[int], array[int]]]] = {}
    for gram, data in session.execute(
        select(SearchPosting.gram, SearchPosting.data).where(SearchPosting.gram.in_(wanted))
    ):
        lists.setdefault(gram, []).append(unpack(data))
    total: dict[int, int] | None = None
    for term in terms:
        pairs = sorted(_pairs(term), key=lambda g: sum(len(ids) for ids, _ in lists.get(g, ())))[:_PAIRS_USED]
        counts = _counts(lists.get(pairs[0], []))  # the rarest pair's count bounds the term's
        keys = counts.keys() if total is None else counts.keys() & total.keys()
        for pair in pairs[1:]:
            keys &= _holders(lists.get(pair, []))
        titled = _holders(lists.get(TITLE_MARK + pairs[0], []))
        bound = {vid: counts[vid] * (_TITLE_BONUS if vid in titled else 1) for vid in keys}
        total = bound if total is None else {vid: total[vid] + n for vid, n in bound.items()}
        if not total:
            return {}
    return total or {}


def _counts(lists: list[tuple[array[int], array[int]]]) -> dict[int, int]:
    """Version -> count over a pair's segments; a version in several (written again since) keeps the highest."""
    out: dict[int, int] = {}
    for ids, tfs in lists:
        mine = dict(zip(ids, tfs, strict=True))
        for vid in mine.keys() & out.keys():
            mine[vid] = max(mine[vid], out[vid])
        out.update(mine)
    return out


def _holders(lists: list[tuple[array[int], array[int]]]) -> set[int]:
    held: set[int] = set()
    for ids, _tfs in lists:
        held.update(ids)
    return held


def _score(session: Session, q: Query, docs: Select[int, str, str]) -> list[tuple[int, int]]:
    """(version, rank) for the docs whose folded text holds every term, counted in the text itself."""
    out: list[tuple[int, int]] = []
    for vid, title, body in session.execute(docs):
        rank = _rank(q, title, body)
        if rank:
            out.append((vid, rank))
    return out


def _rank(q: Query, title: str, body: str) -> int:
    if any(single not in body for single in q.singles):
        return 0
    rank = 0
    for term in q.terms:
        n = _occurrences(body, term)
        if not n:
            return 0
        rank += min(n, _TF_MAX) * (_TITLE_BONUS if term in title else 1)
    return rank


def _occurrences(text: str, term: str) -> int:
    """Counted overlapping, as the pairs are ("哈哈" occurs twice in "哈哈哈")."""
    n, at = 0, text.find(term)
    while at >= 0:
        n += 1
        at = text.find(term, at + 1)
    return n


def _results(session: Session, q: Query, found: list[tuple[int, int]]) -> list[dict[str, Any]]:
    if not found:
        return []
    ids = [vid for vid, _ in found]
    current = aliased(Version)
    rows = {
        row[0]: row
        for row in session.execute(
            select(Version.id, Version.version, Version.fetched_at, Version.title, Version.text, Report, Site)
            .add_columns(func.coalesce(current.version, 0), SearchDoc.body)
            .join(SearchDoc, SearchDoc.version_id == Version.id)
            .join(Report, Report.id == Version.report_id)
            .join(Site, Site.id == Report.site_id)
            .outerjoin(current, current.id == Report.current_version_id)  # its number is the version count
            .where(Version.id.in_(ids))
        )
    }
    files: dict[int, list[str]] = {}
    for vid, text in session.execute(
        select(Attachment.version_id, Attachment.text)
        .where(Attachment.version_id.in_(ids))
        .order_by(Attachment.version_id, Attachment.position)
    ):
        if text:
            files.setdefault(vid, []).append(text)
    out = []
    for vid, rank in found:
        _id, number, fetched_at, title, text, report, site, count, body = rows[vid]
        snippet, marks = make_snippet([text, *files.get(vid, ())], (*q.terms, *q.singles), (title, body))
        out.append(
            {
                **_report_dict(report, site, count),
                "version": number,
                "fetched_at": _iso(fetched_at),
                "snippet": snippet,
                "highlight": marks,
                "rank": rank,
            }
        )
    return out


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None
