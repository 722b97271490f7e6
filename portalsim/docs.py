"""Real .docx attachments built from a clean text: a line holding tabs is a table row, the rest paragraphs."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import docx
from docx.shared import Pt

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def blocks(text: str) -> list[str | list[list[str]]]:
    """Split a clean text into paragraphs (str) and tables (rows of cells), in order."""
    out: list[str | list[list[str]]] = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        if "\t" in line:
            row = line.split("\t")
            last = out[-1] if out else None
            if isinstance(last, list) and len(last[0]) == len(row):
                last.append(row)
            else:
                out.append([row])
        else:
            out.append(line)
    return out


def build_docx(title: str, text: str) -> bytes:
    """A Word file whose body reads back, paragraph and table row in order, as `text`.

    The title goes only into the document properties, so the body is exactly the report text.
    """
    document = docx.Document()
    document.core_properties.title = title
    # A fixed timestamp keeps the bytes (and so the ETag) the same for the same text.
    document.core_properties.created = dt.datetime(2024, 1, 1)
    document.core_properties.modified = dt.datetime(2024, 1, 1)
    document.styles["Normal"].font.size = Pt(14)
    for block in blocks(text):
        if isinstance(block, str):
            document.add_paragraph(block)
            continue
        table = document.add_table(rows=len(block), cols=len(block[0]))
        table.style = "Table Grid"
        for r, row in enumerate(block):
            for c, cell in enumerate(row):
                table.cell(r, c).text = cell
    buf = io.BytesIO()
    document.save(buf)
    return _fixed_zip_times(buf.getvalue())


def _fixed_zip_times(data: bytes) -> bytes:
    # The zip entries carry the save time; pin it so the same text gives the same bytes in every run.
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            pinned = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            pinned.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(pinned, src.read(info.filename))
    return out.getvalue()
