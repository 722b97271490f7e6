"""Decode text-like attachments (plain .txt, Word documents saved as web pages) into lines."""

from __future__ import annotations

import re
from collections.abc import Iterator

import lxml.html

from archive.extract.decode import canonical_codec

_CJK_GAP = re.compile(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])")
_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "dt", "dd", "pre", "blockquote"}


def decode_text(data: bytes, declared: str | None = None) -> tuple[str, str, int]:
    """(text, codec used, U+FFFD count) the way a browser would: BOM, then declaration, then utf-8/gb18030."""
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            text = data.decode(codec, errors="replace")
            return text, codec, text.count("\ufffd")
    # A label is read as the page decoder reads it (aliases, GB2312/GBK widened to GB18030); a Western label on a
    # Chinese document is a mislabel, as it is on a page, and is passed over.
    label = canonical_codec(declared) if declared else None
    candidates = [*([label] if label and label != "cp1252" else []), "utf-8", "gb18030"]
    for codec in candidates:
        try:
            return data.decode(codec), codec, 0
        except (UnicodeDecodeError, LookupError):
            continue
    text = data.decode("gb18030", errors="replace")
    return text, "gb18030", text.count("\ufffd")


def text_lines(text: str) -> list[str]:
    """Non-empty stripped lines of a plain-text document."""
    lines = (line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return [line for line in lines if line]


def word_html_lines(markup: str) -> list[str]:
    """Lines of a Word document saved as HTML: one per paragraph, table rows tab-joined."""
    root = lxml.html.document_fromstring(markup)
    for junk in root.xpath("//script | //style | //head | //comment()"):
        junk.drop_tree()
    return [line for line in _html_blocks(root) if line]


def _html_blocks(root: lxml.html.HtmlElement) -> Iterator[str]:
    for el in root.iter(*_BLOCKS):
        inside_cell = any(a.tag in ("td", "th") for a in el.iterancestors())
        if el.tag == "tr":
            if not any(a.tag == "tr" for a in el.iterancestors()):
                yield "\t".join(_squash(c.text_content()) for c in el if c.tag in ("td", "th"))
        elif not inside_cell and not any(a.tag in _BLOCKS for a in el.iterancestors()):
            yield _squash(el.text_content())


def _squash(text: str) -> str:
    # Word wraps its HTML source mid-sentence; a wrap between two Chinese characters is not a space.
    return _CJK_GAP.sub("", " ".join(text.replace("\xa0", " ").split()))
