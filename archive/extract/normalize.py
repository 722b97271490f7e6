"""Text clean-up shared by the extractors, and the canonical form of a text whose hash decides versions."""

from __future__ import annotations

import functools
import hashlib
import itertools
import re
import unicodedata
from collections.abc import Iterable

# Ideographs (BMP, Extension A, compatibility, supplementary planes), kana, CJK and full-width punctuation,
# and the curly quotes, dashes and ellipsis Chinese text uses.
_CJK_CLASS = (
    "\u2014\u2018\u2019\u201c\u201d\u2026\u00b7\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f"
)
_CJK = re.compile(f"[{_CJK_CLASS}]")
_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad]")
_SPACE_RUN = re.compile(r"\s+")
_SPACE_NEAR_CJK = re.compile(f"(?<=[{_CJK_CLASS}]) | (?=[{_CJK_CLASS}])")
# A whole whitespace run holding a line break: scanning finds each such run from its first character,
# and the greedy tail takes it to its last.
_BREAK_RUN = re.compile(r"\s*[\r\n]\s*")


def clean_line(raw: str) -> str:
    """One display line: invisible marks dropped, whitespace runs collapsed, ends stripped.

    A run holding a source line break next to a CJK character is removed, not turned into a space:
    editors wrap long Chinese paragraphs anywhere (also between "2023" and "年"), and Chinese text has
    no word spaces to restore (as in CSS Text 3's segment-break rule). A typed space stays one space.
    """
    text = _drop_invisible(raw)
    if "\n" in text or "\r" in text:
        text = _drop_wrapping(text)
    # split() and strip() know the same whitespace as the regex \s: collapsing and trimming in one go.
    return " ".join(text.split())


def _drop_invisible(text: str) -> str:
    # Eight substring scans cost a fraction of one pass of the character-class regex over a paragraph,
    # and most text has none of these characters.
    if (
        "\u200b" in text
        or "\u200c" in text
        or "\u200d" in text
        or "\u200e" in text
        or "\u200f" in text
        or "\u2060" in text
        or "\ufeff" in text
        or "\u00ad" in text
    ):
        return _INVISIBLE.sub("", text)
    return text


def _drop_wrapping(text: str) -> str:
    """Remove the whitespace runs that hold a line break and touch a CJK character; others become one space."""
    pieces = _BREAK_RUN.split(text)
    out = [pieces[0]]
    for previous, piece in itertools.pairwise(pieces):
        # The characters either side of the run ("" at the ends of the text, which never match).
        out.append("" if _CJK.match(previous[-1:]) or _CJK.match(piece[:1]) else " ")
        out.append(piece)
    return "".join(out)


# A version's texts are normalized for its content hash and again, moments later, folded for the search index:
# the few latest are kept (NFKC is the costly part of both).
@functools.lru_cache(maxsize=8)
def normalize_text(text: str) -> str:
    """The canonical form of a report text, used only for hashing and comparison, never for display.

    NFKC folds full-width and half-width forms together (，/, ：/: （/( and full-width digits), and
    spaces next to CJK characters are dropped. Portals re-publish the same report through different
    editors that swap punctuation widths or indentation; those are not new versions of the report.
    Wording, digits and paragraph breaks still count, so any real edit changes the hash.
    """
    out: list[str] = []
    for raw in text.splitlines():
        line = unicodedata.normalize("NFKC", _INVISIBLE.sub("", raw))
        line = _SPACE_RUN.sub(" ", line).strip()
        line = _SPACE_NEAR_CJK.sub("", line)
        if line:
            out.append(line)
    return "\n".join(out)


def kept_lines(text: str) -> list[str]:
    """The lines of `text` that `normalize_text` keeps, unchanged and in order (line i of the normalized text comes
    from the i-th of them): blank or invisible-only lines are dropped. Decided without NFKC, which is the costly part;
    it differs only for a line of characters NFKC turns into spaces."""
    return [raw for raw in text.splitlines() if _INVISIBLE.sub("", raw).strip()]


def text_sha256(text: str) -> str:
    """Hex SHA-256 of the normalized text (UTF-8)."""
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()


def parts_sha256(parts: Iterable[str]) -> str:
    """`text_sha256` of the parts joined by line breaks, from each part normalized on its own: the same hash, since
    normalizing works line by line and drops empty lines."""
    normal = "\n".join(n for n in map(normalize_text, parts) if n)
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()
