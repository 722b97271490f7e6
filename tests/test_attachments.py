"""Attachment text extraction on real files built here: docx, PDF, OLE Word, and broken ones."""

from __future__ import annotations

import io
import random
import shutil
import stat
import struct
import zipfile
from pathlib import Path

import docx
import pytest
from conftest import unavailable
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from pypdf import PdfReader, PdfWriter

from archive.extract import sniff
from archive.extract.attachments import AttachmentError, FileLimits, FileText, extract_file, sniff_media_type
from archive.extract.doc import extract_doc
from archive.extract.reflow import Line, reflow


@pytest.fixture
def needs_antiword() -> None:
    if shutil.which("antiword") is None:
        unavailable("antiword is not installed (apt-get install antiword; .ci/run does)")


# ---------------------------------------------------------------- builders of real files


def make_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("舟山市定海区人民政府关于定海区2023年法治政府建设工作的报告")
    document.add_paragraph("")
    document.add_paragraph("   ")
    document.add_paragraph("一、2023年主要工作")
    table = document.add_table(rows=2, cols=3)
    for row, cells in zip(table.rows, [("指标", "2022年", "2023年"), ("行政复议案件", "120", "98")], strict=True):
        for cell, value in zip(row.cells, cells, strict=True):
            cell.text = value
    document.add_paragraph("二、存在的不足")
    document.add_paragraph("舟山市定海区人民政府")
    document.add_paragraph("2024年1月15日")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


DOCX_TEXT = (
    "舟山市定海区人民政府关于定海区2023年法治政府建设工作的报告\n"
    "一、2023年主要工作\n"
    "指标\t2022年\t2023年\n"
    "行政复议案件\t120\t98\n"
    "二、存在的不足\n"
    "舟山市定海区人民政府\n"
    "2024年1月15日"
)


PdfLine = str | tuple[float, float, str]  # text, or (indent from the margin in pt, font size, text)


def make_pdf(pages: list[list[PdfLine]]) -> bytes:
    """A PDF drawing each line with a CID font (Identity-H) and a ToUnicode map, as Chinese PDFs do."""
    pages_ = [[(0.0, 12.0, line) if isinstance(line, str) else line for line in page] for page in pages]
    chars = sorted({ch for page in pages_ for _, _, line in page for ch in line})
    cid = {ch: i + 1 for i, ch in enumerate(chars)}
    bfchars = [f"<{cid[ch]:04X}> <{ord(ch):04X}>" for ch in chars]
    blocks = [bfchars[i : i + 100] for i in range(0, len(bfchars), 100)]
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        + "".join(f"{len(b)} beginbfchar\n" + "\n".join(b) + "\nendbfchar\n" for b in blocks)
        + "endcmap CMapName currentdict /CMap defineresource pop end end\n"
    ).encode()
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, filled in once the page objects are numbered
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H "
        b"/DescendantFonts [4 0 R] /ToUnicode 5 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /STSong-Light /CIDSystemInfo "
        b"<< /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 6 0 R /DW 1000 >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(cmap), cmap),
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 4 /FontBBox [0 -200 1000 900] "
        b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>",
    ]
    kids = []
    for page in pages_:
        ops, y = ["BT"], 770.0
        for indent, size, line in page:
            glyphs = "".join(f"{cid[ch]:04X}" for ch in line)
            ops.append(f"/F1 {size:g} Tf 1 0 0 1 {72 + indent:g} {y:g} Tm <{glyphs}> Tj")
            y -= size * 1.5
        content = ("\n".join([*ops, "ET"])).encode()
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (len(objects))
        )
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# Two pages as a PDF lays them out: wrapped mid-sentence, a page number, a paragraph crossing the page.
PDF_PAGES: list[list[PdfLine]] = [
    [
        (40, 16, "杭州市余杭区2023年法治政府建设年度报告"),  # centred, larger: a title
        (24, 12, "2023年，我区坚持以习近平法治思想为指导，全面推"),  # first-line indent
        "进法治政府建设，各项工作取得新进展。现将有关情",
        "况报告如下：",
        (24, 12, "一、主要工作"),
        (24, 12, "（一）坚持依法全面履行政府职能。深化放管服改"),
        "革，优化营商环境，全年投入法治建设经费1.5亿元，压",
        (130, 12, "- 1 -"),
    ],
    [
        "减审批时限百分之六十",
        (24, 12, "二、存在的不足"),
        (200, 12, "杭州市余杭区人民政府"),  # the signature, set to the right
    ],
]
PDF_PARAGRAPHS = [
    "杭州市余杭区2023年法治政府建设年度报告",
    "2023年，我区坚持以习近平法治思想为指导，全面推进法治政府建设，各项工作取得新进展。现将有关情况报告如下：",
    "一、主要工作",
    "（一）坚持依法全面履行政府职能。深化放管服改革，优化营商环境，全年投入法治建设经费1.5亿元，压减审批时限百分之六十",
    "二、存在的不足",
    "杭州市余杭区人民政府",
]


def encrypt_pdf(data: bytes, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-256")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_ole_word(paragraphs: list[str]) -> bytes:
    """A Word 97-2003 file: a compound (OLE) file with WordDocument and 1Table streams.

    Built from the published formats ([MS-CFB], [MS-DOC]) with only what a reader needs: a FIB,
    the text as UTF-16 at 0x800, a one-piece piece table and a stylesheet with one empty style.
    Streams are padded to 4096 bytes so the compound file needs no mini stream.
    """
    text = "\r".join(paragraphs) + "\r"
    body = text.encode("utf-16-le")
    fc_text = 0x800
    fib = bytearray(fc_text)
    struct.pack_into("<HHHHH", fib, 0, 0xA5EC, 0x00C1, 0x6027, 0x0804, 0)  # wIdent, nFib (Word 97), lid zh-CN
    struct.pack_into("<HH", fib, 0x0A, 0x0200, 0x00BF)  # fWhichTblStm: the table stream is 1Table
    struct.pack_into("<II", fib, 0x18, fc_text, fc_text + len(body))  # fcMin, fcMac
    struct.pack_into("<H", fib, 0x20, 14)  # csw
    struct.pack_into("<H", fib, 0x3E, 22)  # cslw
    struct.pack_into("<II", fib, 0x40, fc_text + len(body), 0)  # cbMac
    struct.pack_into("<I", fib, 0x4C, len(text))  # ccpText
    struct.pack_into("<H", fib, 0x98, 93)  # cbRgFcLcb
    # one piece: CPs 0..len, then a PCD whose fc has bit 30 clear, meaning the text is UTF-16
    piece_table = struct.pack("<II", 0, len(text)) + struct.pack("<HIH", 0, fc_text, 0)
    clx = b"\x02" + struct.pack("<I", len(piece_table)) + piece_table
    # STSHI (cstd=1, cbSTDBaseInFile=10) then one empty STD: readers index the stylesheet unchecked
    stylesheet = struct.pack("<H7H", 18, 1, 10, 1, 0, 0, 0, 0) + bytes(4) + struct.pack("<H", 0)
    struct.pack_into("<II", fib, 0xA2, len(clx), len(stylesheet))  # fcStshf, lcbStshf
    struct.pack_into("<II", fib, 0x1A2, 0, len(clx))  # fcClx, lcbClx
    word = bytes(fib) + body
    table = clx + stylesheet
    return _compound_file({"1Table": table.ljust(4096, b"\0"), "WordDocument": word.ljust(4096, b"\0")})


def _compound_file(streams: dict[str, bytes]) -> bytes:
    sector, end, free, fat_marker, none = 512, 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    sectors: list[bytes] = []
    fat: list[int] = []

    def add(data: bytes) -> int:
        start = len(sectors)
        data = data + bytes(-len(data) % sector)
        count = len(data) // sector
        for i in range(count):
            sectors.append(data[i * sector : (i + 1) * sector])
            fat.append(len(sectors) if i < count - 1 else end)
        return start

    def entry(name: str, kind: int, start: int, size: int, right: int = none, child: int = none) -> bytes:
        encoded = name.encode("utf-16-le") + b"\0\0"
        head = encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
        return head + struct.pack("<III", none, right, child) + bytes(36) + struct.pack("<IQ", start, size)

    names = sorted(streams, key=lambda n: (len(n), n.upper()))  # the directory's sort order
    starts = {name: add(streams[name]) for name in names}
    directory = [entry("Root Entry", 5, end, 0, child=1)]
    directory += [
        entry(name, 2, starts[name], len(streams[name]), right=i + 2 if i + 1 < len(names) else none)
        for i, name in enumerate(names)
    ]
    dir_start = add(b"".join(directory))
    fat_start = len(sectors)
    fat.append(fat_marker)  # one FAT sector is plenty for a file this small
    fat += [free] * (128 - len(fat))
    sectors.append(struct.pack("<128I", *fat))
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
    header += struct.pack("<9I", 0, 1, dir_start, 0, 4096, end, 0, end, 0)
    header += struct.pack("<109I", fat_start, *([free] * 108))
    return header + b"".join(sectors)


DOC_PARAGRAPHS = [
    "余杭区2021年法治政府建设年度报告",
    "一、主要工作",
    "全面推进依法行政，取得新进展。",
    "Plain line 2024",
]


# ---------------------------------------------------------------- docx


def test_docx_paragraphs_and_table_rows_in_document_order() -> None:
    result = extract_file(make_docx(), "定海区2023年报告.docx")
    assert result.media_type == sniff.DOCX
    assert result.text == DOCX_TEXT
    assert result.pages is None
    assert result.warnings == ()


def test_docx_keeps_insertions_content_controls_tabs_and_breaks_but_not_deletions() -> None:
    document = docx.Document()
    paragraph = document.add_paragraph("依法")
    w = nsdecls("w")
    paragraph._p.append(parse_xml(f'<w:ins {w} w:id="1" w:author="a"><w:r><w:t>行政</w:t></w:r></w:ins>'))
    paragraph._p.append(parse_xml(f'<w:del {w} w:id="2" w:author="a"><w:r><w:delText>删去</w:delText></w:r></w:del>'))
    paragraph._p.append(parse_xml(f"<w:r {w}><w:tab/><w:t>第二栏</w:t><w:br/><w:t>下一行</w:t></w:r>"))
    body = document.element.body
    control = f"<w:sdt {w}><w:sdtContent><w:p><w:r><w:t>控件里的段落</w:t></w:r></w:p></w:sdtContent></w:sdt>"
    body.insert(len(body) - 1, parse_xml(control))  # before the closing section properties
    buffer = io.BytesIO()
    document.save(buffer)
    assert extract_file(buffer.getvalue(), "a.docx").text == "依法行政\t第二栏\n下一行\n控件里的段落"


def test_docx_without_text_warns() -> None:
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    result = extract_file(buffer.getvalue(), "blank.docx")
    assert result.text == ""
    assert any("no text" in w for w in result.warnings)


def test_doc_that_is_really_docx_is_read_as_docx_with_a_warning() -> None:
    result = extract_file(make_docx(), "报告.doc", "application/msword")
    assert result.media_type == sniff.DOCX
    assert result.text == DOCX_TEXT
    assert any("named .doc" in w for w in result.warnings)
    assert any("served as application/msword" in w for w in result.warnings)


def test_wps_that_is_docx_goes_the_docx_way_quietly() -> None:
    result = extract_file(make_docx(), "报告.wps", "application/octet-stream")
    assert (result.media_type, result.text, result.warnings) == (sniff.DOCX, DOCX_TEXT, ())


def test_truncated_docx_is_refused_as_corrupt() -> None:
    data = make_docx()
    with pytest.raises(AttachmentError, match=r"^半截\.docx: corrupt or truncated") as caught:
        extract_file(data[: len(data) // 2], "半截.docx")
    assert caught.value.filename == "半截.docx"


def test_zip_bomb_by_ratio_is_refused_before_decompressing() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", bytes(8 * 1024 * 1024))  # 8 MB of zeros, a few KB deflated
    data = buffer.getvalue()
    assert len(data) < 64 * 1024
    with pytest.raises(AttachmentError, match=r"word/document\.xml.*expands [\d,]+:1.*zip bomb"):
        extract_file(data, "bomb.docx")


def test_zip_bomb_by_declared_size_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("word/document.xml", b"<w:document/>")
    data = bytearray(buffer.getvalue())
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 3_000_000_000)  # declared uncompressed size: 3 GB
    with pytest.raises(AttachmentError, match=r"would expand to 3,000,000,000 bytes.*zip bomb"):
        extract_file(bytes(data), "bomb.docx")


def test_zip_limits_come_from_file_limits() -> None:
    data = make_docx()
    assert extract_file(data, "a.docx").text == DOCX_TEXT
    with pytest.raises(AttachmentError, match="would expand to"):
        extract_file(data, "a.docx", limits=FileLimits(max_unzipped_bytes=10_000))


# ---------------------------------------------------------------- pdf


def test_pdf_chinese_text_with_wrapping_undone_and_page_numbers_dropped() -> None:
    data = make_pdf(PDF_PAGES)
    result = extract_file(data, "余杭区报告.pdf", "application/pdf")
    assert result.media_type == sniff.PDF
    assert result.pages == 2
    assert result.text.split("\n") == PDF_PARAGRAPHS
    assert "- 1 -" not in result.text
    assert result.warnings == ()


def test_pdf_with_password_is_refused_clearly() -> None:
    data = encrypt_pdf(make_pdf(PDF_PAGES), user_password="s3cret")
    assert PdfReader(io.BytesIO(data)).is_encrypted
    with pytest.raises(AttachmentError, match=r"^locked\.pdf: encrypted PDF that needs a password"):
        extract_file(data, "locked.pdf")


def test_pdf_encrypted_with_empty_user_password_is_read() -> None:
    data = encrypt_pdf(make_pdf(PDF_PAGES), user_password="")
    assert PdfReader(io.BytesIO(data)).is_encrypted
    result = extract_file(data, "restricted.pdf")
    assert result.text.split("\n") == PDF_PARAGRAPHS
    assert any("empty user password" in w for w in result.warnings)


@pytest.mark.parametrize("cut_at", [200, "xref"])
def test_truncated_pdf_is_refused(cut_at: int | str) -> None:
    data = make_pdf(PDF_PAGES)
    end = data.index(b"xref") if cut_at == "xref" else cut_at
    with pytest.raises(AttachmentError, match=r"^cut\.pdf: (corrupt or truncated PDF|PDF has no pages)"):
        extract_file(data[:end], "cut.pdf")


def test_html_error_page_saved_as_pdf_is_refused() -> None:
    page = (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>404 页面不存在</title></head>"
        "<body><h1>您访问的页面不存在</h1></body></html>"
    ).encode()
    with pytest.raises(AttachmentError, match=r"^报告\.pdf: the server sent an HTML page.*'404 页面不存在'"):
        extract_file(page, "报告.pdf", "application/pdf")


# ---------------------------------------------------------------- doc / wps (OLE Word)


@pytest.mark.usefixtures("needs_antiword")
def test_ole_word_doc_is_converted_with_antiword() -> None:
    result = extract_file(make_ole_word(DOC_PARAGRAPHS), "余杭区2021年报告.doc", "application/msword")
    assert result.media_type == sniff.MSWORD
    assert result.text == "\n".join(DOC_PARAGRAPHS)
    assert result.warnings == ()


@pytest.mark.usefixtures("needs_antiword")
def test_wps_that_is_ole_word_is_converted_like_a_doc() -> None:
    result = extract_file(make_ole_word(DOC_PARAGRAPHS), "报告.wps", "application/kswps")
    assert (result.media_type, result.text) == (sniff.MSWORD, "\n".join(DOC_PARAGRAPHS))
    assert result.warnings == ()


@pytest.mark.usefixtures("needs_antiword")
def test_damaged_ole_word_file_gives_the_converters_reason() -> None:
    data = bytearray(make_ole_word(DOC_PARAGRAPHS))
    start = 512 + 4096  # the header, then 1Table's eight sectors, then WordDocument
    assert data[start : start + 2] == b"\xec\xa5"  # the FIB's magic: this really is WordDocument
    data[start : start + 4096] = bytes(4096)  # wipe the stream, FIB included
    with pytest.raises(AttachmentError, match=r"^坏\.doc: antiword could not read it: .+") as caught:
        extract_file(bytes(data), "坏.doc")
    assert "input.doc" not in str(caught.value)  # the temporary name never leaks into messages


def test_missing_converter_names_the_package_to_install(tmp_path: Path) -> None:
    with pytest.raises(AttachmentError, match=r"^x\.doc: .*apt-get install antiword"):
        extract_doc(make_ole_word(DOC_PARAGRAPHS), "x.doc", FileLimits(), search_path=str(tmp_path))


def _script(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def test_converter_that_hangs_is_stopped_at_the_timeout(tmp_path: Path) -> None:
    # A stand-in antiword that never finishes: what is under test is the timeout, not antiword.
    _script(tmp_path, "antiword", "sleep 30\n")
    limits = FileLimits(converter_timeout_s=0.5)
    with pytest.raises(AttachmentError, match=r"antiword took longer than 0\.5s and was stopped"):
        extract_doc(make_ole_word(DOC_PARAGRAPHS), "slow.doc", limits, search_path=str(tmp_path))


def test_libreoffice_is_used_when_antiword_is_absent(tmp_path: Path) -> None:
    # A stand-in soffice writing where LibreOffice writes (<outdir>/<input stem>.txt): this checks the
    # fallback and the pick-up of its output, since LibreOffice itself is not installed here.
    _script(
        tmp_path,
        "soffice",
        'while [ "$1" != "--outdir" ]; do shift; done\n'
        'mkdir -p "$2"\nprintf "\\357\\273\\277第一段\\r\\n\\r\\n第二段\\r\\n" > "$2/input.txt"\n',
    )
    text, warnings = extract_doc(b"\xd0\xcf\x11\xe0", "x.wps", FileLimits(), search_path=str(tmp_path))
    assert (text, warnings) == ("第一段\n第二段", ())


# ---------------------------------------------------------------- text, word-html, junk


def test_gb18030_text_file_is_decoded() -> None:
    data = "余杭区法治政府建设年度报告\r\n\r\n一、主要工作\r\n".encode("gb18030")
    result = extract_file(data, "报告.txt", "text/plain")
    assert (result.media_type, result.text, result.warnings) == (
        sniff.TEXT,
        "余杭区法治政府建设年度报告\n一、主要工作",
        (),
    )


def test_plain_text_served_as_a_pdf_is_refused() -> None:
    with pytest.raises(AttachmentError, match=r"plain text instead of the \.pdf file: '文件不存在"):
        extract_file("文件不存在或已被删除".encode(), "报告.pdf")


def test_word_document_saved_as_html_is_read() -> None:
    page = (
        '<html xmlns:w="urn:schemas-microsoft-com:office:word"><head>'
        '<meta http-equiv=Content-Type content="text/html; charset=gb2312"><style>p {}</style></head>'
        "<body><p class=MsoNormal>定海区法治政府\r\n建设报告</p><table><tr><td><p>指标</p></td>"
        "<td><p>2023年</p></td></tr></table><p>&nbsp;</p></body></html>"
    ).encode("gb18030")
    result = extract_file(page, "报告.doc")
    assert result.media_type == sniff.WORD_HTML
    assert result.text == "定海区法治政府建设报告\n指标\t2023年"


def test_random_bytes_are_refused() -> None:
    data = random.Random(20240115).randbytes(4096)
    with pytest.raises(AttachmentError, match=r"^junk\.pdf: unrecognised content"):
        extract_file(data, "junk.pdf")


@pytest.mark.parametrize("data", [b"", b" \r\n\t "])
def test_empty_file_is_refused(data: bytes) -> None:
    with pytest.raises(AttachmentError, match=r"^empty\.docx: empty file"):
        extract_file(data, "empty.docx")


def test_oversized_input_is_refused() -> None:
    with pytest.raises(AttachmentError, match=r"limit 100"):
        extract_file(b"%PDF-1.4" + bytes(200), "big.pdf", limits=FileLimits(max_input_bytes=100))


def test_errors_are_value_errors_that_survive_pickling() -> None:
    import pickle

    error = AttachmentError("a.pdf", "broken")
    assert isinstance(error, ValueError)
    again = pickle.loads(pickle.dumps(error))
    assert (str(again), again.filename, again.problem) == ("a.pdf: broken", "a.pdf", "broken")


# ---------------------------------------------------------------- sniffing and reflow


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (make_docx(), "a.doc", sniff.DOCX),
        (make_ole_word(["一"]), "a.wps", sniff.MSWORD),
        (b"<html><body>Error</body></html>", "a.pdf", sniff.HTML),
        (b"\r\n  <!doctype html><p>x", "a.docx", sniff.HTML),
        (b"garbage-before\n%PDF-1.4\n", "a.bin", sniff.PDF),
        (b"{\\rtf1\\ansi hello}", "a.doc", sniff.RTF),
        ("纯文本".encode("gb18030"), "a.pdf", sniff.TEXT),
        (b"", "a.pdf", sniff.EMPTY),
        (bytes(range(256)) * 4, "a.txt", sniff.UNKNOWN),
    ],
)
def test_sniff_trusts_bytes_not_names(data: bytes, filename: str, expected: str) -> None:
    assert sniff_media_type(data, filename) == expected


def test_filetext_is_frozen() -> None:
    result = FileText(text="x", media_type=sniff.TEXT)
    with pytest.raises(AttributeError):
        result.text = "y"  # type: ignore[misc]


def test_reflow_joins_lines_wrapped_inside_a_chinese_sentence() -> None:
    lines = [
        "为了规范行政行为，根据有关法律法规的规定，结合本区",
        "实际情况，制定本办法。本办法自发布之日起施行，由区",
        "司法局负责解释",
    ]
    assert reflow(lines) == [
        "为了规范行政行为，根据有关法律法规的规定，结合本区实际情况，制定本办法。本办法自发布之日起施行，由区司法局负责解释"
    ]


def test_reflow_keeps_breaks_at_sentence_ends_outline_markers_and_indents() -> None:
    lines = [
        "第一章 总则",
        "第一条 为了规范行政行为，根据有关法律法规的规定结合本",
        "区实际，制定本办法：",
        "（一）依法行政，合理行政，程序正当，高效便民，诚实守",
        "信；",
        "1.5亿元投入的项目共计二十个，按计划完成百分之九十以",
        "上，其余项目正在推进之中，预计明年上半年全部完成并",
        "　　新的一段以全角空格缩进开始，而不是接在上一行后面",
        "2、第二项工作按计划完成百分之九十以上，其余项目正在",
    ]
    assert reflow(lines) == [
        "第一章 总则",
        "第一条 为了规范行政行为，根据有关法律法规的规定结合本区实际，制定本办法：",
        "（一）依法行政，合理行政，程序正当，高效便民，诚实守信；",
        "1.5亿元投入的项目共计二十个，按计划完成百分之九十以上，其余项目正在推进之中，预计明年上半年全部完成并",
        "新的一段以全角空格缩进开始，而不是接在上一行后面",
        "2、第二项工作按计划完成百分之九十以上，其余项目正在",
    ]


def test_reflow_drops_bare_page_numbers_and_spaces_latin_words() -> None:
    lines = [
        "The district published its annual report on law-based",
        "— 2 —",
        "第 3 页 共 9 页",
        "government in March, covering 120 administrative bodies.",
        "12",
    ]
    assert reflow(lines) == [
        "The district published its annual report on law-based government in March, covering 120 administrative bodies."
    ]


def test_reflow_uses_pdf_geometry_when_given() -> None:
    lines = [
        Line("杭州市余杭区法治政府建设年度报告", indented=True, size=16.0),
        Line("我区坚持以习近平法治思想为指导", size=12.0),
        Line("各项工作取得新进展", indented=True, size=12.0),
    ]
    assert reflow(lines, column_width=30) == [
        "杭州市余杭区法治政府建设年度报告",
        "我区坚持以习近平法治思想为指导",
        "各项工作取得新进展",
    ]
    assert reflow([Line(x.text, size=12.0) for x in lines], column_width=30) == [
        "杭州市余杭区法治政府建设年度报告我区坚持以习近平法治思想为指导各项工作取得新进展"
    ]
