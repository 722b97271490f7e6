"""Index segments: the character pairs of many docs merged into one posting list per pair, and merged again as
they pile up, so a query reads a handful of rows per pair whatever the size of the archive.

A new or re-written doc is only a row of folded text (fulltext.py), which keeps ingest cheap; `optimize`
(run after each crawl and repair) turns waiting docs into a segment, and merges segments of a similar size when
`FANOUT` of them have gathered (a log-structured merge, as Lucene does). A posting list is valid for a version
only while that version's doc still names the segment, so a doc re-written or deleted after the merge is never
matched by its old pairs, and the next merge drops them.
"""

from __future__ import annotations

import sys
import zlib
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, func, insert, select, text, update

from archive.store.fulltext import TITLE_MARK, bigrams, index_versions
from archive.store.models import SearchDoc, SearchPosting, SearchSegment, Version, utcnow

FANOUT = 8  # segments of one size class merged together
BUILD_DOCS = 1000  # waiting docs made into one segment at a time (bounds memory)
_GRAM_CHUNK = 4000  # pairs read at a time while merging
TF_MAX = 0xFFFF  # a count is kept in 16 bits; the rank caps its counts the same way
_PG_MERGE_LOCK = 0x66617A68  # any fixed number: one merge at a time per archive
_LITTLE = sys.byteorder == "little"


def pack(ids: array[int], tfs: array[int]) -> bytes:
    """Version ids (uint32) then counts (uint16), little-endian, zlib-compressed when that pays."""
    if not _LITTLE:  # pragma: no cover - the stored form is little-endian everywhere
        ids, tfs = array("I", ids), array("H", tfs)
        ids.byteswap()
        tfs.byteswap()
    raw = ids.tobytes() + tfs.tobytes()
    if len(raw) > 96:
        return b"z" + zlib.compress(raw, 1)
    return b"r" + raw


def unpack(data: bytes) -> tuple[array[int], array[int]]:
    raw = zlib.decompress(data[1:]) if data[:1] == b"z" else data[1:]
    n = len(raw) // 6
    ids, tfs = array("I"), array("H")
    ids.frombytes(raw[: 4 * n])
    tfs.frombytes(raw[4 * n :])
    if not _LITTLE:  # pragma: no cover
        ids.byteswap()
        tfs.byteswap()
    return ids, tfs


def size_class(docs: int) -> int:
    """0 below 64 docs, then one class per factor of FANOUT."""
    cls, bound = 0, 64
    while docs >= bound:
        cls, bound = cls + 1, bound * FANOUT
    return cls


@dataclass(slots=True)
class OptimizeSummary:
    docs_merged: int = 0  # waiting docs that went into new segments
    merges: int = 0  # segment merges
    segments: int = 0  # segments left


def optimize(engine: Engine) -> OptimizeSummary:
    """Bring waiting docs into segments and merge segments until no size class holds FANOUT of them.

    Each step is its own short transaction under a lock (so crawls writing meanwhile wait seconds, not minutes).
    """
    summary = OptimizeSummary()
    while True:
        with _merge_lock(engine) as conn:
            done = build_pending(conn, limit=BUILD_DOCS)
            summary.docs_merged += done
            if not done:
                group = _mergeable(conn)
                if not group:
                    summary.segments = conn.scalar(select(func.count()).select_from(SearchSegment)) or 0
                    return summary
                merge_segments(conn, group)
                summary.merges += 1


def optimize_all(conn: Connection) -> None:
    """The same inside the caller's transaction (a migration, a benchmark)."""
    while build_pending(conn, limit=BUILD_DOCS):
        pass
    while group := _mergeable(conn):
        merge_segments(conn, group)


@contextmanager
def _merge_lock(engine: Engine) -> Iterator[Connection]:
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MERGE_LOCK})
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock first: two merges never read the same docs
        yield conn


def build_pending(conn: Connection, limit: int) -> int:
    """Make one segment of up to `limit` waiting docs; how many went in."""
    docs = conn.execute(
        select(SearchDoc.id, SearchDoc.version_id, SearchDoc.title, SearchDoc.body)
        .where(SearchDoc.segment_id.is_(None))
        .order_by(SearchDoc.id)
        .limit(limit)
    ).all()
    if not docs:
        return 0
    lists: dict[str, tuple[array[int], array[int]]] = defaultdict(lambda: (array("I"), array("H")))
    for _id, vid, title, body in docs:
        for gram, n in _pairs(title, body):
            ids, tfs = lists[gram]
            ids.append(vid)
            tfs.append(min(n, TF_MAX))
    segment = _new_segment(conn, len(docs))
    _write(conn, segment, ((g, *lists[g]) for g in sorted(lists)))
    conn.execute(
        update(SearchDoc)
        .where(SearchDoc.id.in_([d.id for d in docs]), SearchDoc.segment_id.is_(None))
        .values(segment_id=segment)
    )
    return len(docs)


def _pairs(title: str, body: str) -> Iterable[tuple[str, int]]:
    yield from bigrams(body).items()
    for gram, n in bigrams(title).items():
        yield TITLE_MARK + gram, n


def _mergeable(conn: Connection) -> list[int]:
    """The FANOUT oldest segments of the first size class that holds that many, or nothing."""
    classes: dict[int, list[int]] = defaultdict(list)
    for seg_id, docs in conn.execute(select(SearchSegment.id, SearchSegment.docs).order_by(SearchSegment.id)):
        classes[size_class(docs)].append(seg_id)
    for cls in sorted(classes):
        if len(classes[cls]) >= FANOUT:
            return classes[cls][:FANOUT]
    return []


def merge_segments(conn: Connection, sources: list[int]) -> int:
    """One segment with the valid postings of `sources`; the docs move to it and the sources go."""
    members: dict[int | None, set[int]] = defaultdict(set)
    for vid, seg in conn.execute(
        select(SearchDoc.version_id, SearchDoc.segment_id).where(SearchDoc.segment_id.in_(sources))
    ):
        members[seg].add(vid)
    built = dict(conn.execute(select(SearchSegment.id, SearchSegment.docs).where(SearchSegment.id.in_(sources))).all())
    # A segment whose docs all still point at it is copied as bytes; one that lost docs is filtered posting by posting.
    partial = {seg: members[seg] for seg in sources if len(members[seg]) != built.get(seg)}
    target = _new_segment(conn, sum(len(v) for v in members.values()))
    grams = list(conn.scalars(select(SearchPosting.gram).where(SearchPosting.segment_id.in_(sources)).distinct()))
    for at in range(0, len(grams), _GRAM_CHUNK):
        chunk = grams[at : at + _GRAM_CHUNK]
        rows = conn.execute(
            select(SearchPosting.gram, SearchPosting.segment_id, SearchPosting.data)
            # By list, not by range: how the database orders text depends on its collation.
            .where(SearchPosting.segment_id.in_(sources), SearchPosting.gram.in_(chunk))
        )
        merged: dict[str, tuple[array[int], array[int]]] = defaultdict(lambda: (array("I"), array("H")))
        for gram, seg, data in rows:
            ids, tfs = unpack(data)
            out_ids, out_tfs = merged[gram]
            keep = partial.get(seg)
            if keep is None:
                out_ids.extend(ids)
                out_tfs.extend(tfs)
            else:
                for vid, n in zip(ids, tfs, strict=True):
                    if vid in keep:
                        out_ids.append(vid)
                        out_tfs.append(n)
        _write(conn, target, ((g, ids, tfs) for g, (ids, tfs) in merged.items() if ids))
    conn.execute(update(SearchDoc).where(SearchDoc.segment_id.in_(sources)).values(segment_id=target))
    conn.execute(delete(SearchPosting).where(SearchPosting.segment_id.in_(sources)))
    conn.execute(delete(SearchSegment).where(SearchSegment.id.in_(sources)))
    return target


def _new_segment(conn: Connection, docs: int) -> int:
    seg_id = conn.execute(insert(SearchSegment).values(docs=docs, created_at=utcnow())).inserted_primary_key
    assert seg_id is not None
    return int(seg_id[0])


def _write(conn: Connection, segment: int, lists: Iterable[tuple[str, array[int], array[int]]]) -> None:
    batch: list[dict[str, object]] = []
    for gram, ids, tfs in lists:
        batch.append({"gram": gram, "segment_id": segment, "data": pack(ids, tfs)})
        if len(batch) >= 5000:
            conn.execute(insert(SearchPosting), batch)
            batch = []
    if batch:
        conn.execute(insert(SearchPosting), batch)


def build_index(conn: Connection, batch: int = 200) -> int:
    """A doc for every version that has none (existing archives; the migration runs it), `batch` at a time so
    memory stays flat; then the pairs merged, inside the caller's transaction."""
    done = 0
    last = 0
    while True:
        ids = list(
            conn.scalars(
                select(Version.id)
                .where(Version.id > last, ~Version.id.in_(select(SearchDoc.version_id)))
                .order_by(Version.id)
                .limit(batch)
            )
        )
        if not ids:
            break
        index_versions(conn, ids)
        done += len(ids)
        last = ids[-1]
    optimize_all(conn)
    return done
