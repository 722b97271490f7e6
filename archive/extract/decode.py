"""Turn page bytes into text: find the encoding (BOM, HTTP header, meta, sniffing), survive wrong labels."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_REPLACEMENT = "\ufffd"
# Where a declaration is trusted: near the top, as browsers look for it (Word's web pages put theirs there too).
_META_WINDOW = 4096
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Pages labelled gb2312 or gbk routinely hold characters only GB18030 has (rare name characters,
# Extension A/B ideographs); GB18030 is a superset of both, so decoding with it loses nothing.
_WIDEN = {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "hz": "gb18030"}
# WHATWG maps these labels to windows-1252; a Chinese page labelled so is almost always mislabelled.
_LATIN = {"latin-1", "iso8859-1", "ascii", "cp1252"}
# WHATWG labels Python's codec registry does not know.
_ALIASES = {
    "x-gbk": "gbk", "csgbk": "gbk", "windows-936": "gbk", "ms936": "gbk", "gb_2312": "gb2312",
    "gb_2312-80": "gb2312", "csgb2312": "gb2312", "chinese": "gb2312", "iso-ir-58": "gb2312",
    "csiso58gb231280": "gb2312", "unicode-1-1-utf-8": "utf-8", "x-unicode20utf8": "utf-8",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Decoded:
    """Decoded page text, the codec used, and how many U+FFFD characters the decoding produced."""

    text: str
    encoding: str
    replacement_chars: int
    declared: str | None = None  # the codec the page or server claimed, after widening; None if silent


def decode_html(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode an HTML body as served, trusting BOM, then HTTP charset, then <meta>, then sniffing."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            text = body[len(bom) :].decode(codec, errors="replace")
            return Decoded(text, codec, text.count(_REPLACEMENT), declared=codec)
    declared = _http_charset(content_type) or meta_charset(body)
    if declared is None:
        return _sniff(body, None)
    if declared == "utf-8":
        return _declared_utf8(body)
    if declared == "cp1252":
        return _sniff(body, declared)
    if _is_real_utf8(body):
        # Valid multi-byte UTF-8 is practically never produced by GBK-encoded Chinese text,
        # so a page that passes the strict UTF-8 check is UTF-8 whatever its label says.
        return Decoded(body.decode("utf-8"), "utf-8", 0, declared=declared)
    try:
        return Decoded(body.decode(declared), declared, 0, declared=declared)
    except UnicodeDecodeError:
        pass
    return _best_effort(body, declared, (declared, "gb18030", "utf-8"))


def canonical_codec(label: str) -> str | None:
    """The Python codec name for an encoding label, widened to GB18030 for GB2312/GBK; None if unknown."""
    key = label.strip().lower()
    try:
        name = codecs.lookup(_ALIASES.get(key, key)).name
    except LookupError:
        return None
    if name in _LATIN:
        return "cp1252"
    return _WIDEN.get(name, name)


def _http_charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = _HTTP_CHARSET.search(content_type)
    return canonical_codec(match.group(1)) if match else None


def meta_charset(body: bytes) -> str | None:
    """The codec a document declares in its head (a <meta> charset or an XML declaration), canonical; None if none."""
    head = body[:_META_WINDOW]
    for pattern in (_META_CHARSET, _XML_ENCODING):
        match = pattern.search(head)
        if match:
            codec = canonical_codec(match.group(1).decode("ascii", errors="ignore"))
            if codec:
                return codec
    return None


def _is_real_utf8(body: bytes) -> bool:
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _declared_utf8(body: bytes) -> Decoded:
    try:
        return Decoded(body.decode("utf-8"), "utf-8", 0, declared="utf-8")
    except UnicodeDecodeError:
        pass
    loose = body.decode("utf-8", errors="replace")
    bad = loose.count(_REPLACEMENT)
    good = sum(1 for ch in loose if ord(ch) > 0x7F) - bad
    # A UTF-8 page with a few broken bytes (a truncated copy-paste) is still UTF-8; a GBK page
    # mislabelled UTF-8 decodes to almost nothing but replacement characters.
    if good >= 20 * bad:
        return Decoded(loose, "utf-8", bad, declared="utf-8")
    try:
        return Decoded(body.decode("gb18030"), "gb18030", 0, declared="utf-8")
    except UnicodeDecodeError:
        return _best_effort(body, "utf-8", ("utf-8", "gb18030"))


def _sniff(body: bytes, declared: str | None) -> Decoded:
    for codec in ("utf-8", "gb18030"):
        try:
            return Decoded(body.decode(codec), codec, 0, declared=declared)
        except UnicodeDecodeError:
            continue
    return _best_effort(body, declared, ("utf-8", "gb18030"))


def _best_effort(body: bytes, declared: str | None, candidates: tuple[str, ...]) -> Decoded:
    best: Decoded | None = None
    for codec in dict.fromkeys(candidates):
        text = body.decode(codec, errors="replace")
        decoded = Decoded(text, codec, text.count(_REPLACEMENT), declared=declared)
        if best is None or decoded.replacement_chars < best.replacement_chars:
            best = decoded
    assert best is not None
    return best
