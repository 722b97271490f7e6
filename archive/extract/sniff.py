"""Tell what a downloaded file really is from its first bytes, whatever its name or the server claims."""

from __future__ import annotations

import codecs
import io
import re
import zipfile

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
OFD = "application/ofd"  # China's fixed-layout format, a zip with OFD.xml at the root
ZIP = "application/zip"
PDF = "application/pdf"
MSWORD = "application/msword"  # OLE Word 97-2003, which is also what WPS Office writes as .wps
XLS = "application/vnd.ms-excel"
PPT = "application/vnd.ms-powerpoint"
OLE_ENCRYPTED = "application/x-ole-encrypted"  # a password-protected docx/xlsx wrapped in OLE
OLE = "application/x-ole-storage"
RTF = "application/rtf"
HTML = "text/html"
WORD_HTML = "application/x-word-html"  # a Word document saved as a web page and named .doc
TEXT = "text/plain"
EMPTY = "application/x-empty"
UNKNOWN = "application/octet-stream"

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HTML_START = re.compile(
    rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|meta|title|script|div|p)\b", re.I | re.S
)
_WORD_HTML = re.compile(rb"urn:schemas-microsoft-com:office:word|content=\"?Word\.Document", re.I)
_ZIP_MARKERS = ((b"word/", DOCX), (b"xl/", XLSX), (b"ppt/", PPTX), (b"OFD.xml", OFD))


def sniff_media_type(data: bytes, filename: str) -> str:
    """The media type the bytes are, by their magic.

    `filename` is accepted so callers can pass what they have, and deliberately not consulted: portals
    serve .doc files that are docx, .wps files that are OLE Word and "PDFs" that are HTML error pages.
    """
    del filename
    if not data.strip():
        return EMPTY
    head = data[:1024]
    if b"%PDF-" in head:  # the PDF spec lets junk precede the header
        return PDF
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _zip_kind(data)
    if data.startswith(OLE_MAGIC):
        return _ole_kind(data)
    if data.lstrip().startswith(b"{\\rtf"):
        return RTF
    probe = data[:4096].lstrip(b"\xef\xbb\xbf")
    if _HTML_START.match(probe) or (b"<html" in probe.lower() and b"</" in probe):
        return WORD_HTML if _WORD_HTML.search(data[:65536]) else HTML
    if _looks_like_text(data[:65536]):
        return TEXT
    return UNKNOWN


def _zip_kind(data: bytes) -> str:
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
        # A truncated download has no central directory; the local headers still name the parts.
        return next((kind for marker, kind in _ZIP_MARKERS if marker in data[:65536]), ZIP)
    if "word/document.xml" in names or any(n.startswith("word/") for n in names):
        return DOCX
    if any(n.startswith("xl/") for n in names):
        return XLSX
    if any(n.startswith("ppt/") for n in names):
        return PPTX
    if "OFD.xml" in names:
        return OFD
    return ZIP


def _ole_kind(data: bytes) -> str:
    # Directory entries hold stream names in UTF-16LE; finding one is cheaper than parsing the FAT chain.
    def has(name: str) -> bool:
        return name.encode("utf-16-le") + b"\x00\x00" in data

    if has("WordDocument"):
        return MSWORD
    if has("EncryptedPackage"):
        return OLE_ENCRYPTED
    if has("Workbook") or has("Book"):
        return XLS
    if has("PowerPoint Document"):
        return PPT
    return OLE


def _looks_like_text(sample: bytes) -> bool:
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True  # UTF-16 with a byte order mark
    if b"\x00" in sample:
        return False
    controls = sum(1 for b in sample if b < 0x20 and b not in (0x09, 0x0A, 0x0C, 0x0D))
    if controls > len(sample) // 100:
        return False
    for codec in ("utf-8", "gb18030"):
        try:
            # not final: the sample may end inside a multi-byte character
            codecs.getincrementaldecoder(codec)().decode(sample, final=False)
            return True
        except UnicodeDecodeError:
            continue
    return False
