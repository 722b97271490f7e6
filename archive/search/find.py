"""`fazhi search`: reports whose latest text (title, page, attachments) holds every term, ranked, with snippets.

Terms are split on spaces and folded like the index (archive/store/fulltext.py). A term of two or more characters
is looked up by its character pairs (archive/store/postings.py) and checked in the folded text; a one-character
term only narrows the reports the longer terms found (alone it would match nearly every report, so a query of
one-character terms only is refused).

`rank` says how often the terms occur: for each term, the smallest count of its rarest character pairs (up to
four; for a two-character term its own count, for a longer one at least its count), doubled when the term is in
the title, summed over the terms; ties go to the most recently archived version. The merged posting lists give
every candidate that same figure (an upper bound where a text was re-written since its merge), so candidates are
read best first and the search stops as soon as no unread one can enter the results: a term found in every report
costs a batch of reads, not thousands.
"""

from __future__ import annotations

import datetime as dt
import heapq
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from archive.errors import BadUsage
from archive.query.reports import ReportRecord
from archive.records import Record
from archive.search.snippets import MARK_CLOSE, MARK_OPEN, make_snippet
from archive.store.fulltext import TITLE_MARK, fold
from archive.store.models import Attachment, Report, SearchDoc, SearchPosting, Site, Version
from archive.store.postings import TF_MAX, unpack

__all__ = ["DEFAULT_LIMIT", "MARK_CLOSE", "MARK_OPEN", "Query", "SearchHit", "SearchPage", "parse", "search"]

DEFAULT_LIMIT = 20
_TITLE_BONUS = 2
_CHECK_BATCH = 50
_PAIRS_USED = 4
_POOL = 256  # candidates put in line at a time


@dataclass(frozen=True, slots=True)
class SearchHit(ReportRecord):
    """A report found by `fazhi search`, with the passage that matched."""

    version: int
    """The version that matched (the latest unless every version was searched)."""
    fetched_at: dt.datetime
    snippet: str
    """The passage around the first hit, each term marked 【like this】."""
    highlight: tuple[tuple[int, int], ...]
    """[start, end) of each marked term inside `snippet`."""
    rank: int


@dataclass(frozen=True, slots=True)
class SearchPage(Record):
    """A page of search results, best first. A search is not counted in full: `more` says whether a next page has
    any result."""

    items: tuple[SearchHit, ...]
    limit: int
    offset: int
    more: bool


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
) -> list[SearchHit]:
    q = parse(query)
    if limit is not None and limit < 1:
        raise BadUsage(f"--limit must be at least 1, not {limit}")
    scope = _scope(site, year, kind, region, all_versions)
    lists = _term_lists(session, q.terms)
    pairs = [term.pairs for term in lists]
    # Docs not merged yet are read and scored outright.
    found = {vid: rank for vid, rank in _score(session, q, pairs, scope.where(SearchDoc.segment_id.is_(None)))}
    allowed = None
    if site or year or kind or region:  # a narrow scope: candidates outside it are dropped before any is read
        allowed = set(session.scalars(scope.with_only_columns(SearchDoc.version_id)))
    walk = _Candidates(lists, allowed, skip=found.keys())
    # Merged docs best bound first, read a batch at a time (each read checks the doc is in scope and holds every
    # term, and ranks it from its own text), until no unread candidate can rank above the last result.
    merged = scope.where(SearchDoc.segment_id.is_not(None))
    read = 0
    while (head := walk.peek()) is not None:
        if limit is not None and len(found) >= limit:
            kth = heapq.nlargest(limit, ((r, v) for v, r in found.items()))[-1]
            if kth > head:
                break
        batch = walk.take(max(_CHECK_BATCH, read))  # batches grow: a long walk takes few round trips
        found.update(_score(session, q, pairs, merged.where(SearchDoc.version_id.in_(batch))))
        read += len(batch)
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


@dataclass(frozen=True, slots=True)
class _TermLists:
    pairs: list[str]  # the term's rarest pairs (at most _PAIRS_USED), rarest first: they rank it
    counts: list[dict[int, int]]  # version -> count, for each of `pairs`
    titled: set[int]  # versions whose title holds the rarest pair


def _term_lists(session: Session, terms: Sequence[str]) -> list[_TermLists]:
    """The posting lists of each term's rarest pairs (sized first, so the common ones are not even read)."""
    wanted = {p for t in terms for p in _pairs(t)}
    sizes: dict[str, int] = {}
    for gram, size in session.execute(
        select(SearchPosting.gram, func.length(SearchPosting.data)).where(SearchPosting.gram.in_(wanted))
    ):
        sizes[gram] = sizes.get(gram, 0) + size
    chosen = [sorted(_pairs(t), key=lambda g: sizes.get(g, 0))[:_PAIRS_USED] for t in terms]
    grams = {g for pairs in chosen for g in pairs} | {TITLE_MARK + pairs[0] for pairs in chosen}
    lists: dict[str, list[tuple[array[int], array[int]]]] = {}
    for gram, data in session.execute(
        select(SearchPosting.gram, SearchPosting.data).where(SearchPosting.gram.in_(grams))
    ):
        lists.setdefault(gram, []).append(unpack(data))
    return [
        _TermLists(pairs, [_counts(lists.get(p, [])) for p in pairs], _holders(lists.get(TITLE_MARK + pairs[0], [])))
        for pairs in chosen
    ]


class _Candidates:
    """Merged versions holding the rarest pairs of every term, best upper bound of rank first.

    Each pair's count bounds the term's (a term occurs no more often than any of its pairs). The rarest pair's
    count orders all candidates (one pass); a candidate's tighter bound, the smallest count of its pairs, is
    worked out only when it comes up, and it goes back in line if that lowers it. Postings are not checked
    against the docs (a doc written again after its merge still has its old pairs in the old segment): the bound
    only decides the order of reading, the text read decides the rank, and a doc holding a term is always a
    candidate, by its own segment's pairs or, when not merged yet, by being read.
    """

    def __init__(self, terms: list[_TermLists], allowed: set[int] | None, skip: Iterable[int]) -> None:
        self.terms = terms
        keys = set(terms[0].counts[0].keys())
        for term in terms:
            for counts in term.counts:
                keys &= counts.keys()
        if allowed is not None:
            keys &= allowed
        keys -= set(skip)
        # The rarest pair's count, doubled where the title holds it, summed over the terms; in comprehensions
        # rather than a call per version, since every candidate of a common term gets one.
        loose: dict[int, int] = dict.fromkeys(keys, 0)
        for term in terms:
            first = term.counts[0]
            loose.update({vid: loose[vid] + _TITLE_BONUS * first[vid] for vid in keys & term.titled})
            loose.update({vid: loose[vid] + first[vid] for vid in keys - term.titled})
        # Only the best few hundred go in line at a time (a heap of every candidate of a common term costs more
        # than the whole rest of the query); the rest wait, each no better than `floor`.
        self.waiting = loose
        self.heap: list[tuple[int, int, bool]] = []  # (-bound, -version, tight): best first, ties to the newest
        self.floor = 0
        self._refill()

    def _refill(self) -> None:
        best = heapq.nlargest(_POOL, self.waiting.values())
        if not best:
            return
        cut = best[-1]  # all candidates at the cut come in together, so a tie never needs another refill
        for vid, bound in [item for item in self.waiting.items() if item[1] >= cut]:
            del self.waiting[vid]
            heapq.heappush(self.heap, (-bound, -vid, False))
        self.floor = cut - 1  # bounds are whole numbers: every one still waiting is below the cut

    def _tight(self, vid: int) -> int:
        total = 0
        for term in self.terms:
            total += min(c[vid] for c in term.counts) * (_TITLE_BONUS if vid in term.titled else 1)
        return total

    def peek(self) -> tuple[int, int] | None:
        """(bound, version) of the next candidate, its bound tight."""
        while True:
            while self.heap and not self.heap[0][2]:
                _neg, negvid, _tight = self.heap[0]
                heapq.heapreplace(self.heap, (-self._tight(-negvid), negvid, True))
            # A waiting candidate may tie or beat the head: bring the next few hundred in line first.
            if self.waiting and (not self.heap or -self.heap[0][0] <= self.floor):
                self._refill()
                continue
            return (-self.heap[0][0], -self.heap[0][1]) if self.heap else None

    def take(self, n: int) -> list[int]:
        out: list[int] = []
        while len(out) < n and self.peek() is not None:
            out.append(-heapq.heappop(self.heap)[1])
        return out


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


def _score(session: Session, q: Query, pairs: list[list[str]], docs: Select[int, str, str]) -> list[tuple[int, int]]:
    """(version, rank) for the docs whose folded text holds every term, ranked from the text itself."""
    out: list[tuple[int, int]] = []
    for vid, title, body in session.execute(docs):
        rank = _rank(q, pairs, title, body)
        if rank:
            out.append((vid, rank))
    return out


def _rank(q: Query, pairs: list[list[str]], title: str, body: str) -> int:
    """0 unless the body holds every term; else, summed over the terms, the smallest count of its ranking pairs
    (a two-character term's own count; at least a longer term's count), doubled for a term in the title."""
    if any(single not in body for single in q.singles):
        return 0
    rank = 0
    for term, ranking in zip(q.terms, pairs, strict=True):
        if term not in body:
            return 0
        n = min(_occurrences(body, pair) for pair in ranking)
        rank += min(n, TF_MAX) * (_TITLE_BONUS if term in title else 1)
    return rank


def _occurrences(text: str, term: str) -> int:
    """Counted overlapping, as the pairs are ("哈哈" occurs twice in "哈哈哈")."""
    n, at = 0, text.find(term)
    while at >= 0:
        n += 1
        at = text.find(term, at + 1)
    return n


def _results(session: Session, q: Query, found: list[tuple[int, int]]) -> list[SearchHit]:
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
            SearchHit(
                **ReportRecord.fields_of(report, site, count),
                version=number,
                fetched_at=fetched_at,
                snippet=snippet,
                highlight=tuple((start, end) for start, end in marks),
                rank=rank,
            )
        )
    return out
