"""Non-report list entries (work plans, notices, news) that share the reports' words but are not reports."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from portalsim.model import Article


@dataclass(frozen=True, slots=True)
class _Template:
    title: str  # {s} district short name, {y} year, {p} previous year
    month: int
    publisher: str
    body: tuple[str, ...]


_NOTICE = (
    "各镇人民政府、街道办事处，区政府各部门、各直属单位：",
    "现将《{t}》印发给你们，请结合实际认真贯彻落实。",
    "{s}人民政府办公室",
)
_NEWS = (
    "近日，{s}召开专题会议，总结{p}年工作成效，部署{y}年重点任务。",
    "会议强调，要坚持以习近平新时代中国特色社会主义思想为指导，压紧压实工作责任，确保各项任务落地见效。",
)

_TEMPLATES: tuple[_Template, ...] = (
    _Template("{s}{y}年法治政府建设工作要点", 4, "区司法局", _NOTICE),
    _Template("{s}{y}年法治政府建设重点任务分工", 5, "区司法局", _NOTICE),
    _Template("关于开展{y}年度行政执法案卷评查工作的通知", 6, "区司法局", _NOTICE),
    _Template("{s}召开{y}年法治政府建设工作推进会", 3, "区司法局", _NEWS),
    _Template("{s}{y}年普法依法治理工作实施方案", 3, "区委依法治区办", _NOTICE),
    _Template("关于印发{s}{y}年政务公开工作要点的通知", 5, "区政府办公室", _NOTICE),
    _Template("{s}{p}年政府信息公开工作年度报告", 1, "区政府办公室", _NEWS),
    _Template("{s}{p}年国民经济和社会发展统计公报", 3, "区统计局", _NEWS),
    _Template("{s}举办{y}年春季人才招聘会", 2, "区人力社保局", _NEWS),
    _Template("{s}召开{y}年安全生产工作会议", 2, "区应急管理局", _NEWS),
)


def _stable(text: str, mod: int) -> int:
    # A hash that is the same on every run, so dates and ids do not move between test sessions.
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16) % mod


def noise_articles(
    short: str,
    count: int,
    make_path: Callable[[str, dt.datetime], str],
    years: tuple[int, ...] = (2024, 2023, 2022, 2021),
) -> list[Article]:
    """`count` distinct noise articles for a district; `make_path(key, published)` places each on the site."""
    out: list[Article] = []
    for year in years:
        for n, tpl in enumerate(_TEMPLATES):
            if len(out) == count:
                return out
            fields = {"s": short, "y": str(year), "p": str(year - 1)}
            title = tpl.title.format(**fields)
            day = 1 + _stable(title, 27)
            published = dt.datetime(year, tpl.month, day, 9 + _stable(title, 8), _stable(title + "m", 60))
            key = f"noise-{year}-{n:02d}"
            body = "\n".join(line.format(t=title, **fields) for line in tpl.body)
            out.append(Article(key, title, published, tpl.publisher, body, make_path(key, published)))
    if len(out) < count:
        raise ValueError(f"only {len(out)} noise titles available, {count} asked")
    return out


def stable_id(text: str, digits: int = 8) -> int:
    """A deterministic numeric id of `digits` digits for an article key."""
    low: int = 10 ** (digits - 1)
    return low + _stable(text, 9 * low)
