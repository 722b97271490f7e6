"""Article-page extraction against the saved-page fixtures, plus its chrome and normalization rules."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

import archive.extract as extract
from archive.extract import extract_page, normalize_text, text_sha256
from archive.extract.chrome import drop_title_lines, is_chrome, is_filename_line

PAGES = Path(__file__).parent / "fixtures" / "pages"
CASES = sorted(p.stem for p in PAGES.glob("*.html"))


def _load(case: str) -> tuple[bytes, dict]:
    return (PAGES / f"{case}.html").read_bytes(), json.loads((PAGES / f"{case}.json").read_text("utf-8"))


def test_fixture_corpus_is_complete() -> None:
    assert len(CASES) >= 30
    for case in CASES:
        _, expected = _load(case)
        assert {
            "url",
            "title",
            "published_date",
            "publisher",
            "text",
            "must_contain",
            "must_not_contain",
        } <= set(expected)


@pytest.mark.parametrize("case", CASES)
def test_page_text(case: str) -> None:
    body, expected = _load(case)
    got = extract_page(body, expected["url"], expected.get("content_type"))
    assert normalize_text(got.text) == normalize_text(expected["text"])
    assert got.text == expected["text"]
    for phrase in expected["must_contain"]:
        assert phrase in got.text, phrase
    for phrase in expected["must_not_contain"]:
        assert phrase not in got.text, phrase


@pytest.mark.parametrize("case", CASES)
def test_page_metadata(case: str) -> None:
    body, expected = _load(case)
    got = extract_page(body, expected["url"], expected.get("content_type"))
    assert got.title == expected["title"]
    date = dt.date.fromisoformat(expected["published_date"]) if expected["published_date"] else None
    assert got.published_date == date
    assert got.publisher == expected["publisher"]
    assert [{"url": a.url, "filename": a.filename} for a in got.attachments] == expected["attachments"]
    assert got.replacement_chars == 0
    assert "\ufffd" not in got.text


# Known containers are hints only: with every id, class and comment marker renamed away, the
# text-density search alone must still find the same body.
_HINTS = (
    (b'id="zoom"', b'id="zm"'),
    (b"TRS_Editor", b"TRS_Ed"),
    (b"article-conter", b"art-c"),
    (b"UCAP-CONTENT", b"UC-C"),
    (b"bt_content", b"btc"),
    (b'class="content"', b'class="cnt"'),
    (b"<article", b"<div"),
    (b"</article>", b"</div>"),
    (b"ZJEG_RSS", b"ZJ_R"),
    (b"<!--<$[", b"<!--<$x["),
    (b"ContentStart", b"CS"),
    (b"ContentEnd", b"CE"),
)


@pytest.mark.parametrize("case", CASES)
def test_body_found_without_known_containers(case: str) -> None:
    body, expected = _load(case)
    stripped = body
    for old, new in _HINTS:
        stripped = stripped.replace(old, new)
    got = extract_page(stripped, expected["url"], expected.get("content_type"))
    assert got.text == expected["text"]


def test_empty_body_warns_and_keeps_attachment() -> None:
    body, expected = _load("jpage_attachment_only_empty_body")
    got = extract_page(body, expected["url"])
    assert got.text == ""
    assert any("empty" in w for w in got.warnings)
    assert got.attachments[0].filename.endswith(".wps")


def test_wrong_declaration_is_reported_in_warnings() -> None:
    body, expected = _load("wrong_declaration_utf8_label_gbk_bytes")
    got = extract_page(body, expected["url"])
    assert got.encoding == "gb18030"
    assert any("declares utf-8" in w for w in got.warnings)


@pytest.mark.parametrize(
    "body", [b"", b"   ", b"\x00\x01\x02", "纯文本，没有标签".encode(), b"<html><body></body></html>"]
)
def test_odd_input_never_raises(body: bytes) -> None:
    got = extract_page(body, "https://example.gov.cn/a.html")
    assert got.text in ("", "纯文本，没有标签")
    assert got.warnings


def test_url_month_date_is_flagged() -> None:
    page = (
        "<html><head><title>某某报告</title></head><body><div id='zoom'>"
        "<p>2023年，我区法治政府建设取得新成效。</p></div></body></html>"
    )
    got = extract_page(page.encode(), "http://www.example.gov.cn/zwgk/202403/index_5.html")
    assert got.published_date == dt.date(2024, 3, 1)
    assert any("month" in w for w in got.warnings)


def test_public_names() -> None:
    assert extract.EXTRACTOR_VERSION == "1"
    for name in ("extract_page", "classify", "Classification", "title_may_be_report", "decode_html",
                 "normalize_text", "text_sha256", "Extracted", "AttachmentLink"):  # fmt: skip
        assert hasattr(extract, name), name


SEED_CHROME = [
    "分享:",
    "分享到: |",
    "分享到：微信 微博 QQ空间",
    "【返回顶部】 【打印本页】 【关闭窗口】",
    "发布日期:[2022-01-19] 浏览",
    "字号:[ 大 中 小 ]",
    "【字体：大 中 小】",
    "Produced By 大汉网络 大汉版通发布系统",
    "当前位置:首页 > 政务公开 > 法治政府建设",
    "您现在的位置：首页 >> 依法行政",
    "网站标识码：3301100001 浙ICP备05012345号-1",
    "浙公网安备 33011002000123号",
    "主办单位：杭州市余杭区人民政府办公室 承办单位：杭州市余杭区大数据管理服务中心",
    "上一篇：关于公布2024年度重大行政决策事项目录的公告",
    "下一篇：区司法局召开行政执法监督工作座谈会",
    "相关链接",
    "时间：2024-03-25 来源：安吉县司法局",
    "发布时间：2024-04-12 10:31 来源：区司法局",
    "扫一扫在手机打开当前页",
    "[2024-03-14]",
    "索引号：002489514/2024-00012",
]
REPORT_LINES = [
    "特此报告。",
    "舟山市定海区人民政府",
    "2024年3月20日",
    "一、主要举措和成效",
    "（一）落实学法用法，切实提升法治素养。",
    "区人大监察和司法委员会、常委会监察和司法工委",
    "联系人：区司法局法治督察科 张敏，联系电话：89181234。",
    "会议时间：2024年4月1日下午2:00",
    "2023年，全区行政诉讼发案量实现三连降，全区行政机关负责人出庭率保持100%。",
    "四、2024年法治政府建设主要安排",
]


@pytest.mark.parametrize("line", SEED_CHROME)
def test_chrome_lines(line: str) -> None:
    assert is_chrome(line)


@pytest.mark.parametrize("line", REPORT_LINES)
def test_report_lines_are_not_chrome(line: str) -> None:
    assert not is_chrome(line)
    assert not is_filename_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "杭州市余杭区人民政府关于余杭区2023年法治政府建设年度报告.docx",
        "附件：2023年度法治政府建设年度报告参考提纲.docx",
        "附件1：统计表.xlsx（35.2KB）",
        "report.PDF",
        "附件：",
    ],
)
def test_filename_lines(line: str) -> None:
    assert is_filename_line(line)


def test_title_lines_dropped_only_at_the_top() -> None:
    title = "对我区法治政府建设情况的调查与建议"
    lines = [title, "对我区法治政府建设情况的调查与建", "区人大监察和司法委员会", "正文。", title]
    assert drop_title_lines(lines, title) == ["区人大监察和司法委员会", "正文。", title]
    split = ["杭州市余杭区人民政府", "关于余杭区2023年法治政府建设年度报告", "2023年，余杭区……"]
    assert drop_title_lines(split, "杭州市余杭区人民政府关于余杭区2023年法治政府建设年度报告") == [split[2]]
    short = ["详见附件。", "杭州市余杭区司法局", "2024年3月20日"]
    assert drop_title_lines(short, "杭州市余杭区司法局2023年度法治政府建设工作报告") == short


def test_normalize_ignores_width_and_layout_but_not_wording() -> None:
    a = "　　2023年，我区法治政府建设取得新进展（一）。\n\n二、存在的不足"
    b = "2023年,我区法治政府建设取得新进展(一)。\n二、 存在的不足  "
    assert normalize_text(a) == normalize_text(b)
    assert text_sha256(a) == text_sha256(b)
    assert re.fullmatch(r"[0-9a-f]{64}", text_sha256(a))
    assert text_sha256(a) != text_sha256(a.replace("新进展", "新成效"))
    assert text_sha256("第一段\n第二段") != text_sha256("第一段第二段")


def test_cjk_text_gains_no_spaces_from_source_line_breaks() -> None:
    page = (
        "<html><body><div id='zoom'><p>法治政府\n建设取得<span>新</span>\n<span>进展</span>，"
        "2023\n年完成。</p></div></body></html>"
    )
    got = extract_page(page.encode(), "https://example.gov.cn/a.html")
    assert got.text == "法治政府建设取得新进展，2023年完成。"
