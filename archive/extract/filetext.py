"""Value types shared by the attachment readers: the limits they obey, what they return, how they fail."""

from __future__ import annotations

from dataclasses import dataclass, field

MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class FileLimits:
    """Bounds that keep one hostile or broken file from eating the machine."""

    max_input_bytes: int = 100 * MB  # the file as downloaded
    max_unzipped_bytes: int = 50 * MB  # sum of a zip's declared member sizes
    max_zip_ratio: float = 200.0  # declared uncompressed : compressed, per large member and overall
    max_zip_members: int = 10_000
    max_pdf_pages: int = 2_000
    converter_timeout_s: float = 60.0  # antiword / LibreOffice wall clock


@dataclass(frozen=True, slots=True)
class FileText:
    """The text of one attached file."""

    text: str  # paragraphs joined by "\n"; table rows one per line, cells joined by "\t"
    media_type: str  # sniffed from the bytes, never taken from the name or the server's header
    pages: int | None = None  # PDFs only
    warnings: tuple[str, ...] = field(default=())


class AttachmentError(ValueError):
    """A file whose text cannot be had; the message names the file, the problem and what to do."""

    def __init__(self, filename: str, problem: str) -> None:
        super().__init__(filename, problem)  # both in args, so the error survives pickling
        self.filename = filename
        self.problem = problem

    def __str__(self) -> str:
        return f"{self.filename}: {self.problem}"
