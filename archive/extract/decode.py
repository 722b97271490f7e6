"""Turn page bytes into text: find the encoding (BOM, HTTP header, meta, sniffing), survive wrong labels.

The BOM, the declarations and the encoding labels are read as browsers read them, by w3lib (Scrapy's own
encoding library). What browsers do not do and Chinese portals need is ours: GB2312 and GBK widened to GB18030,
a label the bytes contradict overruled (valid UTF-8 under a GBK label, GBK under a UTF-8 one, Chinese under a
Latin one), and of the plausible codecs the one that leaves the fewest bytes unread.
"""

from __future__ import annotations

import codecs
import warnings
from dataclasses import dataclass

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

_REPLACEMENT = "\ufffd"
# Where a declaration is trusted: near the top (Word's web pages put theirs after a long style block, within it).
_META_WINDOW = 4096
# Pages labelled gb2312 or gbk routinely hold characters only GB18030 has (rare name characters,
# Extension A/B ideographs); GB18030 is a superset of both, so decoding with it loses nothing.
_WIDEN = {"gbk": "gb18030"}
# WHATWG maps ISO-8859-1, ASCII and the like to windows-1252; a Chinese page labelled so is almost always mislabelled.
_LATIN = "cp1252"
# WHATWG encodings that are no text encoding: `replacement` (HZ, ISO-2022-CN: refused outright) and x-user-defined
# (bytes as private-use characters). A page so labelled is decoded as if it declared nothing.
_NO_TEXT = {"replacement", "x-user-defined"}


@dataclass(frozen=True, slots=True)
class Decoded:
    """Decoded page text, the codec used, and how many U+FFFD characters the decoding produced."""

    text: str
    encoding: str
    replacement_chars: int
    declared: str | None = None  # the codec the page or server claimed, after widening; None if silent


def decode_html(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode an HTML body as served, trusting BOM, then HTTP charset, then <meta>, then sniffing."""
    codec, bom = read_bom(body)
    if codec is not None and bom is not None:
        text = body[len(bom) :].decode(codec, errors="replace")
        return Decoded(text, codec, text.count(_REPLACEMENT), declared=codec)
    declared = _http_charset(content_type) or meta_charset(body)
    if declared is None:
        return _sniff(body, None)
    if declared == "utf-8":
        return _declared_utf8(body)
    if declared == _LATIN:
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
    """The Python codec name for an encoding label (WHATWG's labels, as browsers resolve them), widened to GB18030
    for GB2312/GBK; None if the label names no encoding Python can decode."""
    with warnings.catch_warnings():  # w3lib warns of labels it resolves only through Python's own aliases
        warnings.simplefilter("ignore")
        name = resolve_encoding(label.strip())
    if name is None or name in _NO_TEXT:
        return None
    try:
        name = codecs.lookup(name).name
    except LookupError:
        return None
    return _WIDEN.get(name, name)


def _http_charset(content_type: str | None) -> str | None:
    label = http_content_type_encoding(content_type) if content_type else None
    return canonical_codec(label) if label else None


def meta_charset(body: bytes) -> str | None:
    """The codec a document declares in its head (a <meta> charset or an XML declaration), canonical; None if none."""
    label = html_body_declared_encoding(body[:_META_WINDOW])
    return canonical_codec(label) if label else None


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
