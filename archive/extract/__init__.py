"""Pure extraction: page and file bytes in, report text and metadata out (no I/O, clock or environment)."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# Light modules (the standard library only) at once; `classify` also names its module, which must not win.
from archive.extract.classify import Classification, classify, title_may_be_report
from archive.extract.normalize import normalize_text, parts_sha256, text_sha256
from archive.extract.types import AttachmentLink, Extracted

if TYPE_CHECKING:
    from archive.extract.attachments import AttachmentError, FileText, extract_file
    from archive.extract.decode import Decoded, decode_html
    from archive.extract.html import extract_page

# The heavy ones are imported from their module on first use (PEP 562), so a command that only needs, say, the
# text normalization does not load lxml, python-docx and pypdf with it.
_HOME = {
    "AttachmentError": "attachments",
    "FileText": "attachments",
    "extract_file": "attachments",
    "Decoded": "decode",
    "decode_html": "decode",
    "extract_page": "html",
}


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


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
    "parts_sha256",
    "text_sha256",
    "title_may_be_report",
]
