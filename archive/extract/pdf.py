"""Text of a PDF with pypdf, page by page, with the layout's line wrapping undone (see reflow.py)."""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING, Any

from archive.extract.filetext import AttachmentError, FileLimits
from archive.extract.reflow import Line, is_page_number, reflow

if TYPE_CHECKING:
    from pypdf import PageObject


def extract_pdf(data: bytes, filename: str, limits: FileLimits) -> tuple[str, int, tuple[str, ...]]:
    """(text, page count, warnings) of a PDF; AttachmentError when it cannot be opened or read."""
    from pypdf import PasswordType, PdfReader
    from pypdf.errors import DependencyError, PyPdfError

    warnings: list[str] = []
    if b"%%EOF" not in data[-2048:]:
        warnings.append("the PDF has no %%EOF marker at its end: probably truncated, text may be missing")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            # Many official PDFs carry only an owner password (no printing/copying) and open with "".
            if reader.decrypt("") == PasswordType.NOT_DECRYPTED:
                raise AttachmentError(filename, "encrypted PDF that needs a password to open: text is locked")
            warnings.append("encrypted PDF with an empty user password: decrypted and read")
        count = len(reader.pages)
    except DependencyError as exc:
        raise AttachmentError(
            filename, f"encrypted PDF needs a crypto library to decrypt: pip install cryptography ({exc})"
        ) from exc
    except AttachmentError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError) as exc:
        raise AttachmentError(filename, f"corrupt or truncated PDF ({type(exc).__name__}: {exc})") from exc
    if count == 0:
        raise AttachmentError(filename, "PDF has no pages: corrupt or truncated")
    if count > limits.max_pdf_pages:
        raise AttachmentError(filename, f"PDF has {count} pages (limit {limits.max_pdf_pages}): refused")
    lines: list[Line] = []
    for number, page in enumerate(reader.pages, start=1):
        try:
            lines.extend(_page_lines(page))
        except Exception as exc:  # one broken content stream must not cost the other pages
            warnings.append(f"page {number}: text could not be read ({type(exc).__name__}: {exc})")
    paragraphs = reflow(lines)
    if not paragraphs:
        warnings.append("the PDF has no text layer (probably scanned images); OCR is not attempted")
    return "\n".join(paragraphs), count, tuple(warnings)


def _page_lines(page: PageObject) -> list[Line]:
    """The page's text lines, each with its font size and whether it starts right of the left margin."""
    texts: list[str] = [""]
    firsts: list[tuple[float, float] | None] = [None]  # (x, font size) of each line's first glyphs

    def visit(text: str, cm: list[float], tm: list[float], _font: Any, size: float) -> None:
        for i, part in enumerate(text.split("\n")):
            if i:
                texts.append("")
                firsts.append(None)
            texts[-1] += part
            if part.strip() and firsts[-1] is None:
                # text space -> user space: the Tm matrix, then the CTM
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                scale = math.hypot(tm[0] * cm[0] + tm[1] * cm[2], tm[0] * cm[1] + tm[1] * cm[3])
                firsts[-1] = (x, size * scale)

    plain = page.extract_text(visitor_text=visit) or ""
    if "".join(t + "\n" for t in texts)[:-1] != plain:
        # The visitor saw something else than what was returned: keep the text, drop the geometry.
        return [Line(t) for t in plain.splitlines()]
    starts = [f[0] for t, f in zip(texts, firsts, strict=True) if f and not is_page_number(t)]
    margin = min(starts, default=0.0)
    lines = []
    for text, first in zip(texts, firsts, strict=True):
        if first is None:
            lines.append(Line(text))
        else:
            x, size = first
            # at least one character's width in: a first-line indent is two, a centred title many more
            lines.append(Line(text, indented=x - margin >= 0.9 * size, size=round(size, 1)))
    return lines
