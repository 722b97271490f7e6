"""Hostile and broken input never crashes the pure parts: seeded random bytes and mutated real fixtures.

Extraction must return (with warnings), list adapters may only raise ListParseError, file extraction only
AttachmentError; anything else would abort a crawl on one bad page.
"""

from __future__ import annotations

import io
import random
import zlib
from pathlib import Path

import docx
import pytest
from test_attachments import PDF_PAGES, make_pdf

from archive.extract import AttachmentError, extract_file, extract_page
from archive.lists import ADAPTERS
from archive.lists.base import ListParseError

FIXTURES = Path(__file__).parent / "fixtures"
PAGES = sorted((FIXTURES / "pages").glob("*.html"))
LISTS = sorted(p for p in (FIXTURES / "lists").iterdir() if p.is_file())


def mutations(data: bytes, seed: int, count: int = 12) -> list[bytes]:
    """Truncations, flipped bytes, spliced junk and NULs: what a broken server or a cut connection serves."""
    rng = random.Random(seed)
    out = [b"", data[: len(data) // 2], data[: rng.randrange(1, max(2, len(data)))]]
    for _ in range(count):
        buf = bytearray(data)
        for _ in range(rng.randint(1, 40)):
            if buf:
                buf[rng.randrange(len(buf))] = rng.getrandbits(8)
        pos = rng.randrange(len(buf) + 1)
        buf[pos:pos] = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 64))) + b"\x00"
        out.append(bytes(buf))
    return out


def random_blobs(seed: int, count: int = 20) -> list[bytes]:
    rng = random.Random(seed)
    return [bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 4000))) for _ in range(count)]


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_extraction_survives_mutated_pages(page: Path) -> None:
    for i, body in enumerate(mutations(page.read_bytes(), seed=zlib.crc32(page.name.encode()))):
        result = extract_page(body, "https://www.example.gov.cn/art/2024/3/14/art_1_2.html")
        assert isinstance(result.text, str), f"mutation {i}"
        assert "\x00" not in result.text and "\x00" not in result.title


def test_extraction_survives_random_bytes_and_pathological_markup() -> None:
    for body in random_blobs(seed=7):
        extract_page(body, "https://www.example.gov.cn/a.html")
    deep = ("<html><body>" + "<div>" * 3000 + "<p>2023年。</p>" + "</div>" * 3000 + "</body></html>").encode()
    assert extract_page(deep, "https://www.example.gov.cn/a.html").warnings


@pytest.mark.parametrize("listing", LISTS, ids=[p.name for p in LISTS])
def test_adapters_raise_only_list_parse_errors(listing: Path) -> None:
    url = "https://www.example.gov.cn/col/col1229174959/index.html"
    for body in [*mutations(listing.read_bytes(), seed=len(listing.name)), *random_blobs(seed=3, count=5)]:
        for adapter in ADAPTERS.values():
            try:
                page = adapter.parse(url, body, None)
            except ListParseError as exc:
                assert str(exc)
            else:
                assert all(e.url.startswith(("http://", "https://")) for e in page.entries)


def _docx_bytes() -> bytes:
    document = docx.Document()
    for n in range(30):
        document.add_paragraph(f"第{n}段：2023年，我区法治政府建设取得新进展。")
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_file_extraction_raises_only_attachment_errors() -> None:
    pdf = make_pdf(PDF_PAGES)
    cases = [*mutations(_docx_bytes(), seed=11, count=25), *mutations(pdf, seed=13, count=25), *random_blobs(seed=5)]
    for i, data in enumerate(cases):
        for name in ("报告.docx", "报告.pdf", "报告.doc", "报告.wps"):
            try:
                extract_file(data, name)
            except AttachmentError as exc:
                assert name in str(exc), f"case {i}: the message must name the file"
