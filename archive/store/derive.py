"""Everything the archive derives from a raw page: text, attachment texts, classification and the content hash.

Pure: bytes in, values out; used at crawl time and again by re-extraction from stored captures.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass

from archive.extract import (
    EXTRACTOR_VERSION,
    AttachmentError,
    Extracted,
    classify,
    extract_file,
    extract_page,
    parts_sha256,
)
from archive.store.raw import RawFile, RawPage

# Below this many CJK characters a page is a pointer ("详见附件"), not the report itself.
POINTER_PAGE_CJK = 120
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True, slots=True)
class DerivedAttachment:
    url: str
    filename: str
    media_type: str | None
    text: str | None
    error: str | None
    warnings: tuple[str, ...] = ()  # the reader's, e.g. a PDF without a text layer


@dataclass(frozen=True, slots=True)
class Derived:
    title: str
    text: str
    kind: str | None
    year: int | None
    reason: str
    publisher: str | None
    published_date: dt.date | None
    content_sha256: str
    extractor_version: str
    encoding: str | None
    replacement_chars: int
    attachments: tuple[DerivedAttachment, ...]
    warnings: tuple[str, ...]
    # The page itself holds no report text, only a pointer to its attachment(s): it is identified by their bytes.
    pointer: bool = False


def file_text(f: RawFile) -> DerivedAttachment:
    """Text of one fetched attachment, or the reason there is none (never raises for a bad file)."""
    if f.body is None:
        return DerivedAttachment(f.url, f.filename, None, None, f.error or "not downloaded")
    try:
        ft = extract_file(f.body, f.filename, f.content_type)
    except AttachmentError as exc:
        return DerivedAttachment(f.url, f.filename, None, None, str(exc))
    return DerivedAttachment(f.url, f.filename, ft.media_type, ft.text, None, ft.warnings)


def cjk_count(text: str, limit: int | None = None) -> int:
    """CJK characters in `text`, counted up to `limit` at most (a long report need not be counted to the end)."""
    if limit is None:
        return len(_CJK.findall(text))
    return sum(1 for _ in itertools.islice(_CJK.finditer(text), limit))


def derive(page: RawPage, extracted: Extracted | None = None) -> Derived:
    ex = extracted or extract_page(page.body, page.final_url or page.url, page.content_type)
    files = {f.url: f for f in page.files}
    attachments = tuple(
        file_text(files[a.url])
        if a.url in files
        else DerivedAttachment(a.url, a.filename, None, None, "not downloaded")
        for a in ex.attachments
    )
    title = ex.title or page.list_title or ""
    text = ex.text
    page_cjk = cjk_count(text, POINTER_PAGE_CJK)  # exact below the threshold, which is all that is compared
    if page_cjk < POINTER_PAGE_CJK:
        # The page only points at its attachment(s): the attachment is the report.
        file_texts = [a.text for a in attachments if a.text and cjk_count(a.text, page_cjk + 1) > page_cjk]
        if file_texts:
            text = "\n".join(file_texts)
    cls = classify(title, text, ex.publisher)
    # The hash covers the attachments too: a corrected attachment behind an unchanged page is a new version.
    hashed = [text, *(a.text or "" for a in attachments)]
    return Derived(
        title=title,
        text=text,
        kind=cls.kind,
        year=cls.year,
        reason=cls.reason,
        publisher=ex.publisher,
        published_date=ex.published_date or page.list_date,
        content_sha256=parts_sha256(hashed),
        extractor_version=EXTRACTOR_VERSION,
        encoding=ex.encoding,
        replacement_chars=ex.replacement_chars,
        attachments=attachments,
        warnings=ex.warnings,
        pointer=page_cjk < POINTER_PAGE_CJK,
    )
