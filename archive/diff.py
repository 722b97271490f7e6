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
