"""Text of a .docx: body paragraphs and tables in document order, one table row per line."""

from __future__ import annotations

import io
from collections.abc import Iterator

from lxml import etree

from archive.extract.filetext import AttachmentError, FileLimits
from archive.extract.zipguard import check_zip

_NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
}
_W = f"{{{_NS['w']}}}"
_P, _TBL, _SDT, _TR, _TC = (f"{_W}{t}" for t in ("p", "tbl", "sdt", "tr", "tc"))

# Run content of a paragraph, leaving out deleted text, text boxes (read separately, below) and the
# mc:Fallback copy Word writes beside every modern drawing, which would repeat the text.
_RUN_PIECES = etree.XPath(
    ".//w:r/w:t | .//w:r/w:tab | .//w:r/w:br | .//w:r/w:cr | .//w:r/w:noBreakHyphen",
    namespaces=_NS,
)
_TEXTBOX_PARAS = etree.XPath(".//w:txbxContent/w:p", namespaces=_NS)
_SKIP = {f"{_W}del", f"{_W}txbxContent", f"{{{_NS['mc']}}}Fallback"}


def extract_docx(data: bytes, filename: str, limits: FileLimits) -> tuple[str, tuple[str, ...]]:
    """(text, warnings) of a .docx; AttachmentError when it is not a readable Word document."""
    check_zip(data, filename, limits)
    # Imported here so the other formats work on a machine without python-docx.
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, etree.XMLSyntaxError, OSError) as exc:
        raise AttachmentError(filename, f"corrupt or truncated .docx ({type(exc).__name__}: {exc})") from exc
    except Exception as exc:  # zipfile and the XML layer raise a wide spread of types on damaged files
        raise AttachmentError(filename, f"unreadable .docx ({type(exc).__name__}: {exc})") from exc
    lines = [line for line in _block_lines(document.element.body) if line]
    warnings = () if lines else ("the .docx has no text in its body (images only?)",)
    return "\n".join(lines), warnings


def _block_lines(container: etree._Element) -> Iterator[str]:
    for child in container:
        if child.tag == _P:
            yield from _paragraph_lines(child)
        elif child.tag == _TBL:
            yield from _table_lines(child)
        elif child.tag == _SDT:  # content controls wrap ordinary blocks
            content = child.find(f"{_W}sdtContent")
            if content is not None:
                yield from _block_lines(content)


def _paragraph_lines(p: etree._Element) -> Iterator[str]:
    parts: list[str] = []
    for piece in _RUN_PIECES(p):
        if _is_skipped(piece, p):
            continue
        tag = etree.QName(piece).localname
        if tag == "t":
            parts.append(piece.text or "")
        elif tag == "tab":
            parts.append("\t")
        elif tag == "noBreakHyphen":
            parts.append("-")
        else:
            parts.append("\n")
    for line in "".join(parts).split("\n"):
        yield line.strip()
    for inner in _TEXTBOX_PARAS(p):
        # only this paragraph's own text boxes, each once: not the Fallback copy, not boxes in boxes
        if _nearest(inner, _P) is p and not _is_skipped(inner.getparent(), p):
            yield from _paragraph_lines(inner)


def _is_skipped(el: etree._Element, stop: etree._Element) -> bool:
    parent = el.getparent()
    while parent is not None and parent is not stop:
        if parent.tag in _SKIP:
            return True
        parent = parent.getparent()
    return False


def _table_lines(tbl: etree._Element) -> Iterator[str]:
    for tr in tbl.iter(_TR):
        if _nearest(tr, _TBL) is not tbl:
            continue  # a nested table's row: already folded into its cell
        cells = [_cell_text(tc) for tc in tr if tc.tag == _TC]
        if any(cells):
            yield "\t".join(cells)


def _cell_text(tc: etree._Element) -> str:
    # A cell's paragraphs (and any table inside it) become one field, so the row stays on one line.
    return " ".join(s.replace("\t", " ") for s in _block_lines(tc) if s)


def _nearest(el: etree._Element, tag: str) -> etree._Element | None:
    parent = el.getparent()
    while parent is not None and parent.tag != tag:
        parent = parent.getparent()
    return parent
