"""Pure text comparison: paragraph-level diffs and one-line summaries of what changed between versions."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ParagraphDiff:
    added: tuple[str, ...]
    removed: tuple[str, ...]
    unified: str  # a unified diff of paragraphs, for people


def diff_texts(old: str, new: str, old_label: str = "old", new_label: str = "new") -> ParagraphDiff:
    a, b = old.split("\n"), new.split("\n")
    added: list[str] = []
    removed: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            removed.extend(a[i1:i2])
        if tag in ("replace", "insert"):
            added.extend(b[j1:j2])
    unified = "\n".join(difflib.unified_diff(a, b, old_label, new_label, lineterm="", n=1))
    return ParagraphDiff(tuple(added), tuple(removed), unified)


def summarize(old: str, new: str, width: int = 60) -> str:
    """A short human summary: how many paragraphs changed, and the first changed words."""
    d = diff_texts(old, new)
    parts = [f"{len(d.added)} 段新增/修改, {len(d.removed)} 段删除/被替换"]
    if d.added or d.removed:
        first_new = d.added[0] if d.added else ""
        first_old = d.removed[0] if d.removed else ""
        if first_old and first_new:
            old_part, new_part = _changed_span(first_old, first_new, width)
            parts.append(f"“{old_part}” → “{new_part}”")
        elif first_new:
            parts.append(f"新增 “{_clip(first_new, width)}”")
        else:
            parts.append(f"删除 “{_clip(first_old, width)}”")
    return "; ".join(parts)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _changed_span(old: str, new: str, width: int, context: int = 8) -> tuple[str, str]:
    """The first differing stretch of two paragraphs with a little context: a corrected figure stays readable."""
    ops = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in ops:
        if tag != "equal":
            lo_a, lo_b = max(0, i1 - context), max(0, j1 - context)
            return _clip(old[lo_a : i2 + context], width), _clip(new[lo_b : j2 + context], width)
    return _clip(old, width), _clip(new, width)


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of one side's paragraph; `changed` marks characters the other side does not have."""

    text: str
    changed: bool = False


@dataclass(frozen=True, slots=True)
class Row:
    """One line of a side-by-side view: a paragraph of the old text beside its counterpart in the new.

    `tag` is `equal`, `changed` (both sides, marked character by character), `removed` (old side only),
    `added` (new side only) or `skipped` (`skipped` unchanged paragraphs left out between changes).
    Paragraph numbers count from 1; None where that side has no paragraph.
    """

    tag: str
    old_no: int | None = None
    new_no: int | None = None
    old: tuple[Span, ...] = ()
    new: tuple[Span, ...] = ()
    skipped: int = 0


def side_by_side(old: str, new: str, context: int | None = 2) -> list[Row]:
    """Paragraphs paired first, then the characters of each changed pair: a corrected figure shows as itself.

    Runs of unchanged paragraphs longer than twice `context` are folded into one `skipped` row (None keeps all).
    """
    a, b = old.split("\n"), new.split("\n")
    rows: list[Row] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            rows.extend(
                Row("equal", i + 1, j + 1, (Span(a[i]),), (Span(b[j]),))
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            )
            continue
        pairs = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for k in range(pairs):
            old_spans, new_spans = char_spans(a[i1 + k], b[j1 + k])
            rows.append(Row("changed", i1 + k + 1, j1 + k + 1, old_spans, new_spans))
        rows.extend(Row("removed", i + 1, None, (Span(a[i], True),)) for i in range(i1 + pairs, i2))
        rows.extend(Row("added", None, j + 1, (), (Span(b[j], True),)) for j in range(j1 + pairs, j2))
    return rows if context is None else _fold(rows, context)


def char_spans(old: str, new: str) -> tuple[tuple[Span, ...], tuple[Span, ...]]:
    """The two paragraphs cut into spans, the characters only one of them has marked `changed`."""
    left: list[Span] = []
    right: list[Span] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if i2 > i1:
            left.append(Span(old[i1:i2], tag != "equal"))
        if j2 > j1:
            right.append(Span(new[j1:j2], tag != "equal"))
    return tuple(left), tuple(right)


def _fold(rows: list[Row], context: int) -> list[Row]:
    out: list[Row] = []
    at = 0
    while at < len(rows):
        if rows[at].tag != "equal":
            out.append(rows[at])
            at += 1
            continue
        end = at
        while end < len(rows) and rows[end].tag == "equal":
            end += 1
        keep_before = context if at > 0 else 0  # context after the change before this run
        keep_after = context if end < len(rows) else 0  # context before the next change
        if end - at > keep_before + keep_after + 1:
            out.extend(rows[at : at + keep_before])
            out.append(Row("skipped", skipped=end - at - keep_before - keep_after))
            out.extend(rows[end - keep_after : end])
        else:
            out.extend(rows[at:end])
        at = end
    return out
