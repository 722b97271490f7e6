"""Finding report columns a registry does not name: which links of a 政府信息公开 page lead to columns worth
walking, and which results of a portal's site search may be reports.

Pure like the list adapters (bytes in, links out). Reports move between columns from one year to the next
(桐庐, 镇海, 嘉善 did), so the crawler walks the disclosure tree of the portal and asks its search as well as
reading the columns the registry gives. The walk follows only links whose text names a place reports are filed
under; a portal's tree has thousands of columns and a polite crawl reads a few dozen.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from archive.extract.classify import title_may_be_report
from archive.lists._lists import absolute_url, parse_document
from archive.lists._text import decode, parse_date, squash, strip_date
from archive.lists.base import Entry

# The search words: every report title has them, few other documents do.
QUERY = "法治政府建设"
# Link texts of the disclosure tree's branches and leaves under which the reports were seen filed
# (shared research notes: 法治政府建设报告, 法治政府年报, 规划计划>计划总结, 政策文件>其他文件, 重点工作 …).
BRANCH = re.compile(
    r"信息公开|公开目录|主动公开|法治|依法|年报|年度报告|工作报告|规划计划|计划总结|政策文件|政府文件|其他文件"
    r"|重点工作|政府建设|工作信息|行政权力|政务专题|专题专栏|通知公告"
)
# Links that are articles, not columns: never walked as branches (they may still be report entries).
_ARTICLE = re.compile(r"/art/|/t\d{8}_|\.(?:pdf|docx?|wps|xlsx?)$", re.I)
# Column pages, never report entries however their link reads (法治政府建设年度报告 is a column's name too).
_COLUMN = re.compile(r"/col/col\d+/?(?:index\.s?html?)?$", re.I)


@dataclass(frozen=True, slots=True)
class Link:
    url: str
    text: str


def branch_links(url: str, body: bytes, content_type: str | None = None) -> list[Link]:
    """Links of a disclosure page to columns on the same host whose text names where reports are filed."""
    root = parse_document(decode(body, content_type))
    if root is None:
        return []
    host = urlsplit(url).hostname
    out: dict[str, Link] = {}
    for anchor in root.iter("a"):
        target = absolute_url(url, anchor.get("href"))
        text = squash(anchor.text_content() or anchor.get("title") or "")
        if not target or not text or urlsplit(target).hostname != host or _ARTICLE.search(urlsplit(target).path):
            continue
        if BRANCH.search(text) and target.split("#")[0] != url:
            out.setdefault(target.split("#")[0], Link(target.split("#")[0], text))
    return list(out.values())


def report_links(url: str, body: bytes, content_type: str | None = None) -> list[Entry]:
    """The links of a page (a search result page, a column the adapters cannot read) whose text may be a report's
    title; the date next to each, when there is one."""
    root = parse_document(decode(body, content_type))
    if root is None:
        return []
    out: dict[str, Entry] = {}
    for anchor in root.iter("a"):
        target = absolute_url(url, anchor.get("href"))
        title = squash(anchor.get("title") or anchor.text_content() or "")
        if not target or len(title) < 8 or not title_may_be_report(title) or is_column(target):
            continue
        out.setdefault(target, Entry(target, strip_date(title), _date_near(anchor, title)))
    return list(out.values())


def _date_near(anchor: Any, title: str) -> dt.date | None:
    """The date beside a result link: in its own cell or item, else in the row or item around that."""
    node = anchor.getparent()
    for _ in range(2):
        if node is None:
            return None
        found = parse_date(squash(node.text_content()).replace(title, ""))
        if found is not None:
            return found
        node = node.getparent()
    return None


def is_column(url: str) -> bool:
    """Whether `url` is a Hanweb column page (walked as a branch, never fetched as a report)."""
    return _COLUMN.search(urlsplit(url).path) is not None


def search_url(template: str, query: str = QUERY) -> str:
    """The search request for `query` from a registry `search_url` template (`{query}` stands for the words)."""
    return template.replace("{query}", quote(query))
