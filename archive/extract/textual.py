"""Decode text-like attachments (plain .txt, Word documents saved as web pages) into lines."""

from __future__ import annotations

import re
from collections.abc import Iterator

import lxml.html

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.I)
# GB2312 and GBK are subsets of GB18030; decoding as the superset rescues characters outside them.
_GB_FAMILY = {"gb2312", "gbk", "gb_2312-80", "x-gbk", "cp936", "euc-cn", "hz-gb-2312"}
_CJK_GAP = re.compile(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])")
_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "dt", "dd", "pre", "blockquote"}


def decode_text(data: bytes, declared: str | None = None) -> tuple[str, str, int]:
    """(text, codec used, U+FFFD count) the way a browser would: BOM, then declaration, then utf-8/gb18030."""
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            text = data.decode(codec, errors="replace")
            return text, codec, text.count("\ufffd")
    candidates = []
    if declared:
        name = declared.strip().lower()
        candidates.append("gb18030" if name in _GB_FAMILY else name)
    candidates += ["utf-8", "gb18030"]
    for codec in candidates:
        try:
            return data.decode(codec), codec, 0
        except (UnicodeDecodeError, LookupError):
            continue
    text = data.decode("gb18030", errors="replace")
    return text, "gb18030", text.count("\ufffd")


def html_charset(data: bytes) -> str | None:
    """The charset a page declares in a <meta> tag, if any."""
    found = _CHARSET.search(data[:8192])
    return found.group(1).decode("ascii", errors="replace") if found else None


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
