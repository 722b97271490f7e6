"""Text of an attached report file (.docx, .pdf, .doc, .wps, .txt), chosen by what the bytes really are."""

from __future__ import annotations

import posixpath
import re

from archive.extract import sniff
from archive.extract.decode import meta_charset
from archive.extract.doc import extract_doc
from archive.extract.docx import extract_docx
from archive.extract.filetext import AttachmentError, FileLimits, FileText
from archive.extract.pdf import extract_pdf
from archive.extract.sniff import sniff_media_type
from archive.extract.textual import decode_text, text_lines, word_html_lines

__all__ = ["AttachmentError", "FileLimits", "FileText", "extract_file", "sniff_media_type"]

DEFAULT_LIMITS = FileLimits()

# What each extension and each server-declared type may honestly be; anything else earns a warning.
_EXPECTED = {
    ".pdf": {sniff.PDF},
    ".docx": {sniff.DOCX},
    ".doc": {sniff.MSWORD, sniff.WORD_HTML, sniff.RTF},
    ".wps": {sniff.MSWORD, sniff.DOCX},
    ".txt": {sniff.TEXT},
}
_DECLARED_ALIASES = {
    "application/x-pdf": sniff.PDF,
    "application/kswps": sniff.MSWORD,
    "application/wps-office.wps": sniff.MSWORD,
    "application/wps-office.doc": sniff.MSWORD,
    "application/vnd.ms-works": sniff.MSWORD,
    "application/wps-office.docx": sniff.DOCX,
}
_GENERIC_DECLARED = {
    "application/octet-stream", "binary/octet-stream", "application/force-download",
    "application/x-download", "application/download", "application/unknown",
}  # fmt: skip
_DOCUMENT_EXTENSIONS = {".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".ofd"}
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_UNSUPPORTED = {
    sniff.XLSX: "a spreadsheet (.xlsx)",
    sniff.XLS: "a spreadsheet (.xls)",
    sniff.PPTX: "a presentation (.pptx)",
    sniff.PPT: "a presentation (.ppt)",
    sniff.OFD: "an OFD document (China's fixed-layout format)",
    sniff.RTF: "an RTF document",
    sniff.ZIP: "a zip archive, not a document",
}


def extract_file(
    data: bytes, filename: str, media_type: str | None = None, *, limits: FileLimits = DEFAULT_LIMITS
) -> FileText:
    """The text of one downloaded attachment.

    `filename` is the human file name (used in messages and warnings), `media_type` the server's
    Content-Type; neither decides how the bytes are read. Raises AttachmentError naming the file and
    the problem when no text can be had.
    """
    if len(data) > limits.max_input_bytes:
        raise AttachmentError(filename, f"file is {len(data):,} bytes (limit {limits.max_input_bytes:,})")
    kind = sniff_media_type(data, filename)
    warnings = _mismatches(kind, filename, media_type)
    pages: int | None = None
    if kind == sniff.DOCX:
        text, more = extract_docx(data, filename, limits)
    elif kind == sniff.PDF:
        text, pages, more = extract_pdf(data, filename, limits)
    elif kind == sniff.MSWORD:
        text, more = extract_doc(data, filename, limits)
        more += () if text else ("the converter found no text in the Word file",)
    elif kind == sniff.TEXT:
        text, more = _plain_text(data, filename)
    elif kind == sniff.WORD_HTML:
        text, more = _word_html(data)
    else:
        raise AttachmentError(filename, _refusal(kind, data))
    return FileText(text=text, media_type=kind, pages=pages, warnings=(*warnings, *more))


def _plain_text(data: bytes, filename: str) -> tuple[str, tuple[str, ...]]:
    extension = _extension(filename)
    text, codec, bad = decode_text(data)
    if extension in _DOCUMENT_EXTENSIONS:
        snippet = " ".join(text.split())[:80]
        raise AttachmentError(filename, f"the server sent plain text instead of the {extension} file: {snippet!r}")
    warnings = (f"{bad} undecodable byte sequences (decoded as {codec})",) if bad else ()
    return "\n".join(text_lines(text)), warnings


def _word_html(data: bytes) -> tuple[str, tuple[str, ...]]:
    text, codec, bad = decode_text(data, meta_charset(data))
    warnings = ["a Word document saved as a web page; read as HTML"]
    if bad:
        warnings.append(f"{bad} undecodable byte sequences (decoded as {codec})")
    return "\n".join(word_html_lines(text)), tuple(warnings)


def _refusal(kind: str, data: bytes) -> str:
    if kind == sniff.EMPTY:
        return "empty file (no bytes, or only whitespace): the download probably failed"
    if kind == sniff.HTML:
        text, _, _ = decode_text(data[:65536], meta_charset(data))
        found = _TITLE.search(text)
        title = " ".join(found.group(1).split())[:80] if found else ""
        return (
            "the server sent an HTML page instead of the file"
            + (f" (page title {title!r})" if title else "")
            + ": the link may have expired, need a login or be blocked; retry later"
        )
    if kind == sniff.OLE_ENCRYPTED:
        return "password-protected Office document: its text is encrypted"
    if kind == sniff.OLE:
        return "an OLE container without a Word document stream: corrupt, truncated or not a Word file"
    if kind in _UNSUPPORTED:
        return f"unsupported type: {_UNSUPPORTED[kind]} ({kind})"
    return "unrecognised content, not a PDF, Word (.docx/.doc/.wps) or text file: corrupt or unsupported"


def _mismatches(kind: str, filename: str, declared: str | None) -> list[str]:
    warnings = []
    extension = _extension(filename)
    if extension in _EXPECTED and kind not in _EXPECTED[extension]:
        warnings.append(f"named {extension} but the bytes are {kind}")
    if declared:
        base = declared.split(";")[0].strip().lower()
        base = _DECLARED_ALIASES.get(base, base)
        if base and base not in _GENERIC_DECLARED and base != kind:
            warnings.append(f"served as {base} but the bytes are {kind}")
    return warnings


def _extension(filename: str) -> str:
    return posixpath.splitext(filename.strip().lower())[1]
