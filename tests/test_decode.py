"""Decoding page bytes: BOM, HTTP charset, <meta>, sniffing, GB2312 widening and wrong declarations."""

from __future__ import annotations

import codecs

import pytest

from archive.extract.decode import canonical_codec, decode_html

TEXT = "2023年，余杭区法治政府建设工作坚持以习近平法治思想为指引，扎实推进法治政府建设各项工作。"
RARE = "街道党工委书记陈𠮷华、主任王䶮明、法律顾问吴㛃"


def page(meta: str = "", text: str = TEXT) -> str:
    return f"<html><head>{meta}<title>报告</title></head><body><p>{text}</p></body></html>"


def test_utf8_bom_wins_over_meta() -> None:
    body = codecs.BOM_UTF8 + page('<meta charset="gb2312">').encode("utf-8")
    got = decode_html(body, "text/html; charset=gbk")
    assert got.encoding == "utf-8"
    assert TEXT in got.text
    assert not got.text.startswith("\ufeff")
    assert got.replacement_chars == 0


def test_utf16_bom() -> None:
    body = codecs.BOM_UTF16_LE + page().encode("utf-16-le")
    got = decode_html(body)
    assert got.encoding == "utf-16-le"
    assert TEXT in got.text


def test_http_charset_beats_meta() -> None:
    body = page('<meta charset="utf-8">').encode("gbk")
    got = decode_html(body, "text/html;charset=GBK")
    assert got.encoding == "gb18030"
    assert TEXT in got.text


@pytest.mark.parametrize(
    "meta",
    [
        '<meta charset="gbk">',
        "<meta charset=gb2312>",
        '<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />',
        "<META HTTP-EQUIV='Content-Type' CONTENT='text/html;charset=GBK'>",
    ],
)
def test_meta_declarations_are_read_and_widened(meta: str) -> None:
    got = decode_html(page(meta).encode("gbk"))
    assert got.encoding == "gb18030"
    assert got.declared == "gb18030"
    assert TEXT in got.text


def test_gb2312_label_with_gb18030_only_characters() -> None:
    body = page('<meta charset="gb2312">', RARE).encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        body.decode("gb2312")
    got = decode_html(body)
    assert RARE in got.text
    assert got.replacement_chars == 0


def test_says_utf8_but_is_gbk() -> None:
    got = decode_html(page('<meta charset="utf-8">').encode("gbk"))
    assert got.encoding == "gb18030"
    assert got.declared == "utf-8"
    assert TEXT in got.text
    assert got.replacement_chars == 0


def test_says_gbk_but_is_utf8() -> None:
    got = decode_html(page('<meta charset="gbk">').encode("utf-8"))
    assert got.encoding == "utf-8"
    assert TEXT in got.text


@pytest.mark.parametrize("codec,expected", [("utf-8", "utf-8"), ("gbk", "gb18030"), ("gb18030", "gb18030")])
def test_sniffing_without_any_declaration(codec: str, expected: str) -> None:
    got = decode_html(page().encode(codec))
    assert got.encoding == expected
    assert got.declared is None
    assert TEXT in got.text


def test_meta_after_first_4kb_is_not_trusted_but_sniffing_still_works() -> None:
    filler = "<!--" + "x" * 5000 + "-->"
    body = (filler + page('<meta charset="iso-8859-1">')).encode("utf-8")
    got = decode_html(body)
    assert got.declared is None
    assert TEXT in got.text


def test_latin1_label_on_chinese_page_is_ignored() -> None:
    got = decode_html(page('<meta charset="iso-8859-1">').encode("utf-8"))
    assert got.encoding == "utf-8"
    assert TEXT in got.text


def test_unknown_label_falls_back_to_sniffing() -> None:
    got = decode_html(page('<meta charset="x-no-such-codec">').encode("gbk"))
    assert got.encoding == "gb18030"
    assert got.declared is None
    assert TEXT in got.text


def test_utf8_with_a_few_broken_bytes_stays_utf8_and_counts_them() -> None:
    body = page('<meta charset="utf-8">').encode("utf-8")
    broken = body.replace("扎实".encode(), b"\xff\xfe")
    got = decode_html(broken)
    assert got.encoding == "utf-8"
    assert got.replacement_chars == 2
    assert "法治思想为指引" in got.text


def test_hopeless_bytes_count_replacements() -> None:
    got = decode_html(bytes(range(0x80, 0x100)) * 4)
    assert got.replacement_chars > 0
    assert got.text.count("\ufffd") == got.replacement_chars


@pytest.mark.parametrize(
    "label,codec",
    [("GB2312", "gb18030"), ("gbk", "gb18030"), ("x-gbk", "gb18030"), ("UTF8", "utf-8"), ("utf-8", "utf-8"),
     ("gb18030", "gb18030"), ("latin1", "cp1252"), ("nonsense", None),
     # As browsers read them: Big5 as its superset Big5-HKSCS; HZ and x-user-defined are no text encoding.
     ("big5", "big5hkscs"), ("hz-gb-2312", None), ("x-user-defined", None)],
)  # fmt: skip
def test_canonical_codec(label: str, codec: str | None) -> None:
    assert canonical_codec(label) == codec


def test_hz_labelled_page_is_read_by_sniffing() -> None:
    text = "杭州市余杭区2023年法治政府建设年度报告"
    got = decode_html(f'<meta charset="hz-gb-2312"><p>{text}</p>'.encode("gb18030"))
    assert text in got.text and got.encoding == "gb18030" and got.replacement_chars == 0
