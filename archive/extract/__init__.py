"""Pure extraction: page and file bytes in, report text and metadata out (no I/O, clock or environment)."""

from __future__ import annotations

from archive.extract.attachments import AttachmentError, FileText, extract_file
from archive.extract.classify import Classification, classify, title_may_be_report
from archive.extract.decode import Decoded, decode_html
from archive.extract.html import extract_page
from archive.extract.normalize import normalize_text, text_sha256
from archive.extract.types import AttachmentLink, Extracted

# Bumped whenever extraction output changes, so stored texts can be re-derived from raw captures.
EXTRACTOR_VERSION = "1"

__all__ = [
    "EXTRACTOR_VERSION",
    "AttachmentError",
    "AttachmentLink",
    "Classification",
    "Decoded",
    "Extracted",
    "FileText",
    "classify",
    "decode_html",
    "extract_file",
    "extract_page",
    "normalize_text",
    "text_sha256",
    "title_may_be_report",
]
