"""An article page's title, publication date and publisher: from metas, 信息公开 table, info line, URL."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

from archive.extract.chrome import fold, is_chrome
from archive.extract.dates import SEPARATED, first_date, make_date
from archive.extract.html_text import BLOCK_TAGS, text_content
from archive.extract.normalize import clean_line

_INFO_DATE = re.compile(
    r"(?<!成文)(?<!生效)(?<!废止)(?<!印发)(?<!截止)(?<!会议)(?<!活动)(?<!报名)"
    r"(?:发布日期|发布时间|发表时间|发布于|日期|时间)\s*[:：]?\s*[\[【]?\s*"
    r"(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2})"
)
_BRACKET_DATE = re.compile(r"[\[【]\s*(\d{4}-\d{1,2}-\d{1,2})\s*[\]】]")
_INFO_SOURCE = re.compile(r"(?:信息来源|文章来源|来\s*源)\s*[:：]\s*([^\s|｜丨:：]{2,60})")
_STOP_WORDS = re.compile(r"(?:发布|浏览|点击|阅读|字号|作者|时间|日期|索引号|访问|【|\[).*$")
_URL_DATES = (
    re.compile(r"/art/(\d{4})/(\d{1,2})/(\d{1,2})/"),
    re.compile(r"/t(\d{4})(\d{2})(\d{2})_"),
    re.compile(r"/(\d{4})-?(\d{2})-?(\d{2})/"),
)
_URL_MONTH = re.compile(r"/(20\d{2})(0[1-9]|1[0-2])/")
_TITLE_SPLIT = re.compile(r"\s*(?:_|\|| -{1,2} |--|——|－{1,2}| – | — )\s*")
_SITE_NAME = re.compile(r"(?:人民政府|政府网|门户网站|网站|政府门户|首页|常委会|\.gov\.cn|\.com)$", re.IGNORECASE)
_TRAILING_SITE = re.compile(r"[-－]\s*[^-－]{2,30}?(?:人民政府|政府网|门户网站|网站)$")
_TITLE_TOKENS = frozenset({"title", "tit", "bt", "biaoti", "wzbt", "xxbt", "art_title", "article-title", "h-title"})
_LABELLED = re.compile(r"^\S{1,6}\s*[:：]")
_LABEL_MAX = 200
_TOP_OF_BODY = 12  # elements from the body start within which a heading can still be the title
LABELS = (
    "标题",
    "名称",
    "信息名称",
    "文件名称",
    "发布机构",
    "发布单位",
    "生成日期",
    "发布日期",
    "公开日期",
    "成文日期",
)
_ALL_LABELS = (
    *LABELS,
    "索引号",
    "公开方式",
    "公开范围",
    "主题分类",
    "文号",
    "发文字号",
    "有效性",
    "组配分类",
)
_LABEL_TAGS = ("td", "th", "span", "li", "div", "p", "dt", "b", "strong", "label", "em", "font", "i")
_LABEL_LINE = re.compile(r"^\s*(" + "|".join(r"\s*".join(label) for label in _ALL_LABELS) + r")\s*[:：]?\s*(.*)$", re.S)
_NEXT_LABEL = re.compile(r"\s{2,}|(?:" + "|".join(r"\s*".join(label) for label in _ALL_LABELS) + r")\s*[:：]")


@dataclass(frozen=True, slots=True)
class Found:
    """A value and where it was found (for warnings)."""

    value: str
    source: str


def meta_map(doc: etree._Element) -> dict[str, str]:
    """Lower-cased meta name/property -> content, first occurrence wins."""
    out: dict[str, str] = {}
    for meta in doc.iter("meta"):
        key = (meta.get("name") or meta.get("property") or "").strip().lower()
        content = clean_line(meta.get("content") or "")
        if key and content and key not in out:
            out[key] = content
    return out


def label_values(doc: etree._Element) -> dict[str, str]:
    """Values of a 信息公开 metadata table or list: 标题, 发布机构, 生成日期, 成文日期 and friends."""
    out: dict[str, str] = {}
    # Elements holding a block element are never a label cell; knowing them up front spares reading the
    # text of every large container on the page.
    holders = _block_holders(doc)
    for el in doc.iter(*_LABEL_TAGS):
        if el in holders:
            continue
        text = clean_line(text_content(el))
        if not text or len(text) > _LABEL_MAX:
            continue
        match = _LABEL_LINE.match(text)
        if not match:
            continue
        label = re.sub(r"\s+", "", match.group(1))
        value = match.group(2).strip()
        if not value:
            sibling = el.getnext()
            value = clean_line(text_content(sibling)) if sibling is not None else ""
        value = _NEXT_LABEL.split(value, maxsplit=1)[0].strip()
        if value and label not in out:
            out[label] = value
    return out


def _block_holders(doc: etree._Element) -> set[etree._Element]:
    """Every element with a block element somewhere below it."""
    holders: set[etree._Element] = set()
    for el in doc.iter():
        if not isinstance(el.tag, str) or el.tag.lower() not in BLOCK_TAGS:
            continue
        parent = el.getparent()
        while parent is not None and parent not in holders:
            holders.add(parent)
            parent = parent.getparent()
    return holders


def find_title(
    doc: etree._Element,
    metas: dict[str, str],
    labels: dict[str, str],
    body: etree._Element | None,
    page_title: str,
) -> Found | None:
    """Title by trust: ArticleTitle meta, 信息公开 标题/名称, heading nearest the body, <title> minus site."""
    if metas.get("articletitle"):
        return Found(metas["articletitle"], "meta")
    for label in ("标题", "信息名称", "文件名称", "名称"):
        if labels.get(label):
            return Found(labels[label], "table")
    heading = _nearest_heading(doc, body)
    if heading:
        return Found(heading, "heading")
    text = clean_line(page_title)
    return Found(strip_site_name(text), "title") if text else None


def strip_site_name(title: str) -> str:
    """`报告名_杭州市余杭区人民政府` -> `报告名`: drop parts of a <title> that name the site."""
    parts = [p for p in _TITLE_SPLIT.split(title) if p.strip()]
    kept = [p for p in parts if not _SITE_NAME.search(p.strip())]
    chosen = max(kept, key=len) if kept else (parts[0] if parts else title)
    return _TRAILING_SITE.sub("", chosen).strip()


def _nearest_heading(doc: etree._Element, body: etree._Element | None) -> str | None:
    # Positions count every node of doc.iter(); the body spans [start, end) of them.
    headings: list[tuple[int, str]] = []
    start: int | None = None
    total = 0
    for pos, el in enumerate(doc.iter()):
        total = pos + 1
        if el is body:
            start = pos
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        if tag not in {"h1", "h2", "h3"} and not _is_title_class(f"{el.get('class', '')} {el.get('id', '')}"):
            continue
        text = clean_line(text_content(el))
        if not 4 <= len(text) <= 150 or is_chrome(text) or _LABELLED.match(text) or SEPARATED.search(text):
            continue
        headings.append((pos, text))
    if start is None:
        start = total
    end = start + sum(1 for _ in body.iter()) if body is not None else start
    before: tuple[int, str] | None = None
    inside: tuple[int, str] | None = None
    for pos, text in headings:
        if pos < start and (before is None or pos > before[0]):
            before = (pos, text)
        elif start <= pos < min(end, start + _TOP_OF_BODY) and inside is None:
            inside = (pos, text)
    # The heading just before the body is the title; failing that, one at the very top of the body.
    # Headings further inside are section headings (一、主要举措), never the title.
    if before is not None:
        return before[1]
    return inside[1] if inside else None


def _is_title_class(names: str) -> bool:
    for token in names.lower().split():
        if token in _TITLE_TOKENS or token.endswith(("-title", "_title")) or token.startswith("title"):
            return True
    return False


def find_date(metas: dict[str, str], labels: dict[str, str], info_lines: Iterable[str], url: str) -> Found | None:
    """Publication date by trust: metas, 信息公开 table, info line, URL; 成文日期 only as a last resort."""
    for key in ("pubdate", "firstpublishedtime", "publishdate", "maketime", "article:published_time"):
        date = first_date(metas.get(key, ""), compact=True)
        if date:
            return Found(date.isoformat(), "meta")
    for label in ("生成日期", "发布日期", "公开日期"):
        date = first_date(labels.get(label, ""), compact=True)
        if date:
            return Found(date.isoformat(), "table")
    for line in info_lines:
        folded = fold(line)
        match = _INFO_DATE.search(folded) or _BRACKET_DATE.search(folded)
        date = first_date(match.group(1), compact=True) if match else None
        if date:
            return Found(date.isoformat(), "info")
    for pattern in _URL_DATES:
        match = pattern.search(url)
        date = make_date(*match.groups()) if match else None
        if date:
            return Found(date.isoformat(), "url")
    match = _URL_MONTH.search(url)
    if match:
        return Found(dt.date(int(match.group(1)), int(match.group(2)), 1).isoformat(), "url-month")
    date = first_date(labels.get("成文日期", ""), compact=True)
    return Found(date.isoformat(), "written") if date else None


def find_publisher(metas: dict[str, str], labels: dict[str, str], info_lines: Iterable[str]) -> str | None:
    """Publisher by trust: ContentSource meta, 信息公开 发布机构, the info line's 来源."""
    if metas.get("contentsource"):
        return metas["contentsource"]
    for label in ("发布机构", "发布单位"):
        if labels.get(label):
            return labels[label]
    for line in info_lines:
        match = _INFO_SOURCE.search(line)
        if match:
            value = _STOP_WORDS.sub("", match.group(1)).strip()
            if len(value) >= 2:
                return value
    return None
