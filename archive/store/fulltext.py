"""The full-text index: every version's folded text, kept in step with the versions; its character pairs are
merged into posting lists by postings.py.

Chinese has no spaces between words, so the index does not know words: it knows every pair of adjacent characters
of the folded text (title, page text and attachment texts of a version) and how often each occurs. A term of two
characters is one pair; a longer term is found among the versions that hold all of its pairs and then checked
against the stored folded text, so there are no false hits. The same tables and queries serve SQLite and
PostgreSQL (no FTS5, no pg_trgm): neither's tokenizer handles a two-character Chinese term on the versions here.

The folded text is written by a session hook in the flush that writes a version, so it commits or rolls back with
it, whatever code made the version (ingest, completion, reextract, repair). Until the next merge the doc is
searched by reading its text, so a version is findable from the moment it is committed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, delete, event, insert, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, UOWTransaction, sessionmaker

from archive.extract.normalize import normalize_text
from archive.store.models import Attachment, SearchDoc, Version

TITLE_MARK = "^"  # before a pair of the title: the title's pairs are kept apart for ranking


def fold(text: str) -> str:
    """The searchable form of a text: the archive's hashing normalization (NFKC folds full-width and half-width
    forms, spaces next to CJK dropped), lower-cased. Index and query both go through it."""
    return normalize_text(text).lower()


def bigrams(folded: str) -> Counter[str]:
    """Each pair of adjacent characters inside a line, with its count (a term never spans a line break)."""
    pairs: Counter[str] = Counter()
    for line in folded.split("\n"):
        pairs.update(line[i : i + 2] for i in range(len(line) - 1))
    return pairs


def document(title: str, text: str, attachment_texts: Iterable[str | None]) -> str:
    """The text a version is searched by, folded: its title, page text and every attachment's text."""
    return "\n".join(fold(part) for part in (title, text, *attachment_texts) if part)


def index_versions(conn: Connection, version_ids: Sequence[int]) -> None:
    """(Re)write the docs of these versions from what the database holds for them now; they wait for a merge."""
    if not version_ids:
        return
    ids = list(version_ids)
    drop_versions(conn, ids)
    rows = conn.execute(
        select(Version.id, Version.report_id, Version.title, Version.text).where(Version.id.in_(ids))
    ).all()
    files: dict[int, list[str | None]] = {}
    for vid, text in conn.execute(
        select(Attachment.version_id, Attachment.text)
        .where(Attachment.version_id.in_(ids))
        .order_by(Attachment.version_id, Attachment.position)
    ):
        files.setdefault(vid, []).append(text)
    docs = [_doc(vid, rid, title, text, files.get(vid, ())) for vid, rid, title, text in rows]
    if docs:
        conn.execute(insert(SearchDoc), docs)


def _doc(version_id: int, report_id: int, title: str, text: str, files: Iterable[str | None]) -> dict[str, Any]:
    return {
        "version_id": version_id,
        "report_id": report_id,
        "title": fold(title),
        "body": document(title, text, files),
    }


def drop_versions(conn: Connection, version_ids: Sequence[int]) -> None:
    """Their docs go; pairs already merged stay in their segment, invalid (no doc names it), until its next merge."""
    conn.execute(delete(SearchDoc).where(SearchDoc.version_id.in_(list(version_ids))))


def _touched(session: Session) -> tuple[list[Version], set[int], set[int]]:
    """Versions this flush inserted together with all their attachments, other versions whose searchable text it
    wrote, and versions it deleted."""
    new = session.new
    inserted: list[Version] = []
    written: set[int] = set()
    deleted: set[int] = set()
    for obj in new:
        if isinstance(obj, Version) and obj.id is not None:
            inserted.append(obj)
        elif isinstance(obj, Attachment) and obj.version_id is not None:
            written.add(obj.version_id)
    # A changed row is indexed again only when its searchable text changed (not, say, a link to its exchange).
    for obj in session.dirty:
        if isinstance(obj, Version) and obj.id is not None and _changed(obj, "title", "text"):
            written.add(obj.id)
        elif isinstance(obj, Attachment) and obj.version_id is not None and _changed(obj, "text", "version_id"):
            written.add(obj.version_id)
    for obj in session.deleted:
        if isinstance(obj, Version) and obj.id is not None:
            deleted.add(obj.id)
        elif isinstance(obj, Attachment) and obj.version_id is not None:
            written.add(obj.version_id)
    # What this flush wrote for a version it inserted with its attachments (as ingest does) is in memory: it is
    # indexed from there rather than read back. Any other is read from the database.
    fresh = [
        v
        for v in inserted
        if v.id not in deleted and "attachments" in v.__dict__ and all(a in new for a in v.attachments)
    ]
    written |= {v.id for v in inserted} - {v.id for v in fresh}
    return fresh, written - deleted - {v.id for v in fresh}, deleted


def _changed(obj: object, *names: str) -> bool:
    state = sa_inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _after_flush(session: Session, _ctx: UOWTransaction) -> None:
    fresh, written, deleted = _touched(session)
    if not fresh and not written and not deleted:
        return
    conn = session.connection()
    if deleted:
        drop_versions(conn, sorted(deleted))
    if fresh:
        # A version inserted now has no doc yet (a doc goes with its version: ON DELETE CASCADE), so none is dropped.
        conn.execute(insert(SearchDoc), [_doc(v.id, v.report_id, v.title, v.text, _texts(v)) for v in fresh])
    index_versions(conn, sorted(written))


def _texts(version: Version) -> list[str | None]:
    return [a.text for a in sorted(version.attachments, key=lambda a: a.position)]


def keep_index(sessions: sessionmaker[Session]) -> None:
    """Make every session of `sessions` write the index in the flush that writes a version."""
    event.listen(sessions, "after_flush", _after_flush)
