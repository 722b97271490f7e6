"""What each simulated portal publishes: its description, its report articles and its noise entries."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import replace
from importlib import resources

from portalsim.model import Article, Attachment, SiteSpec
from portalsim.noise import noise_articles, stable_id

SPECS: dict[str, SiteSpec] = {
    "yuhang": SiteSpec(
        "yuhang",
        "杭州市余杭区人民政府",
        "浙江省杭州市余杭区",
        "330110",
        "hanweb-jpage",
        "utf-8",
        "UTF-8",
        "/col/col1229174959/index.html",
        "余杭区",
    ),
    "dinghai": SiteSpec(
        "dinghai",
        "舟山市定海区人民政府",
        "浙江省舟山市定海区",
        "330902",
        "trs",
        "gbk",
        "gb2312",
        "/col/col1229007109/index.html",
        "定海区",
    ),
    "putuo": SiteSpec(
        "putuo",
        "舟山市普陀区人民政府",
        "浙江省舟山市普陀区",
        "330903",
        "hanweb-jpaas",
        "utf-8",
        "UTF-8",
        "/col/col1229698471/index.html",
        "普陀区",
    ),
    "shangcheng": SiteSpec(
        "shangcheng",
        "杭州市上城区人民政府",
        "浙江省杭州市上城区",
        "330102",
        "static",
        "gbk",
        "gbk",
        "/list.jsp?page=1",
        "上城区",
    ),
    # Not among the default sites: a Guangdong county on the province's 政府信息公开 platform, for its own tests.
    "tianhe": SiteSpec(
        "tianhe",
        "广州市天河区人民政府",
        "广东省广州市天河区",
        "440106",
        "gkmlpt",
        "utf-8",
        "UTF-8",
        "/gkmlpt/index",
        "天河区",
    ),
    # A Heilongjiang district on a Ucap (开普云) portal, asked for by name too.
    "daoli": SiteSpec(
        "daoli",
        "哈尔滨市道里区人民政府",
        "黑龙江省哈尔滨市道里区",
        "230102",
        "ucap",
        "utf-8",
        "UTF-8",
        "/hrbdl/c100123/list.shtml",
        "道里区",
    ),
    # A district of Hefei on Anhui's 政务公开 platform, asked for by name too.
    "luyang": SiteSpec(
        "luyang",
        "合肥市庐阳区人民政府",
        "安徽省合肥市庐阳区",
        "340103",
        "anhui-public",
        "utf-8",
        "UTF-8",
        "/public/column/6596051?type=4&action=list&nav=3&catId=7000001",
        "庐阳区",
    ),
}
# The sites a simulator runs unless told which (tianhe, daoli and luyang are asked for by name).
SITE_ORDER: tuple[str, ...] = ("yuhang", "dinghai", "putuo", "shangcheng")

YUHANG_COLUMN = 1229174959
DINGHAI_COLUMN = 1229007109
PUTUO_COLUMN = 1229698471


def seed_text(name: str) -> str:
    """A hand-cleaned report text from portalsim/data, paragraphs joined by "\\n"."""
    raw = resources.files("portalsim").joinpath("data").joinpath(name).read_text(encoding="utf-8")
    return "\n".join(line for line in raw.split("\n") if line.strip())


def _yuhang_path(key: str, when: dt.datetime) -> str:
    art_id = 59012345 if key == "report-2023" else stable_id("yuhang" + key)
    return f"/art/{when.year}/{when.month}/{when.day}/art_{YUHANG_COLUMN}_{art_id}.html"


def _trs_href(key: str, when: dt.datetime) -> str:
    return f"./{when:%Y%m}/t{when:%Y%m%d}_{stable_id('dinghai' + key, 7)}.html"


def _trs_path(key: str, when: dt.datetime) -> str:
    return f"/col/col{DINGHAI_COLUMN}/{_trs_href(key, when)[2:]}"


def _putuo_path(key: str, when: dt.datetime) -> str:
    hex_id = hashlib.md5(("putuo" + key).encode()).hexdigest()
    return f"/col/col{PUTUO_COLUMN}/art/{when.year}/art_{hex_id}.html"


def _static_path(key: str, when: dt.datetime) -> str:
    return f"/xxgk/{when:%Y%m}/t{when:%Y%m%d}_{stable_id('shangcheng' + key, 6)}.html"


def _gkmlpt_path(key: str, when: dt.datetime) -> str:
    post_id = 5_000_000 + stable_id("tianhe" + key, 6)
    return f"/gkmlpt/content/{post_id // 1_000_000}/{post_id // 1000}/post_{post_id}.html"


def _ucap_path(key: str, when: dt.datetime) -> str:
    return f"/hrbdl/c100123/{when:%Y%m}/c00_{stable_id('daoli' + key, 8)}.shtml"


def _anhui_path(key: str, when: dt.datetime) -> str:
    return f"/public/6596051/{stable_id('luyang' + key, 8)}.html"


def _with_noise(
    short: str, reports: list[Article], total: int, make_path: Callable[[str, dt.datetime], str]
) -> list[Article]:
    return reports + noise_articles(short, total - len(reports), make_path)


def _yuhang() -> list[Article]:
    title = "杭州市余杭区人民政府关于余杭区2023年法治政府建设年度报告"
    when = dt.datetime(2024, 3, 14, 10, 20)
    report = Article(
        "report-2023",
        title,
        when,
        "区司法局",
        seed_text("yuhang_2023.txt"),
        _yuhang_path("report-2023", when),
        kind="annual_report",
        year=2023,
        attachment=Attachment("6f3e2a9c41d84b7e9a5c0d1e2f3a4b5c.docx", title + ".docx"),
    )
    when = dt.datetime(2022, 2, 25, 16, 5)
    bureau = Article(
        "bureau-2021",
        "杭州市余杭区综合行政执法局2021年度法治政府建设工作报告",
        when,
        "区综合行政执法局",
        seed_text("yuhang_bureau_2021.txt"),
        _yuhang_path("bureau-2021", when),
        kind="department_report",
        year=2021,
    )
    # Listed, but under /private/: only a crawler that ignores robots.txt ever fetches it.
    when = dt.datetime(2024, 3, 1, 9, 0)
    private = Article(
        "private-draft",
        "余杭区2023年法治政府建设年度报告(征求意见稿)",
        when,
        "区司法局",
        "本稿为内部征求意见稿，请勿转载。",
        "/private" + _yuhang_path("private-draft", when),
        private=True,
    )
    return _with_noise("余杭区", [report, bureau, private], 40, _yuhang_path)


def _dinghai() -> list[Article]:
    when = dt.datetime(2024, 3, 20, 15, 30)
    report = Article(
        "report-2023",
        "舟山市定海区人民政府关于定海区2023年法治政府建设工作的报告",
        when,
        "舟山市定海区人民政府",
        seed_text("dinghai_2023.txt"),
        _trs_path("report-2023", when),
        kind="annual_report",
        year=2023,
        list_href=_trs_href("report-2023", when),
    )
    when = dt.datetime(2022, 1, 19, 10, 0)
    renda = Article(
        "renda-2021",
        "对我区法治政府建设情况的调查与建议",
        when,
        "区人大常委会",
        seed_text("dinghai_renda_2021.txt"),
        _trs_path("renda-2021", when),
        # It covers "近年来" (2019-2020), not one year: a perfect classifier gives no year.
        kind="related",
        year=None,
        list_href=_trs_href("renda-2021", when),
    )
    noise = noise_articles("定海区", 34, _trs_path)
    noise = [_relisted(a, _trs_href(a.key, a.published)) for a in noise]
    return [report, renda, *noise]


def _relisted(article: Article, href: str) -> Article:
    return replace(article, list_href=href)


def _putuo() -> list[Article]:
    title = "舟山市普陀区人民政府关于2023年法治政府建设工作情况的报告"
    when = dt.datetime(2024, 3, 25, 17, 0)
    report = Article(
        "report-2023",
        title,
        when,
        "舟山市普陀区人民政府",
        seed_text("putuo_2023.txt"),
        _putuo_path("report-2023", when),
        kind="annual_report",
        year=2023,
        attachment_only=True,
        attachment=Attachment("/jpaas-web-server/upload/2024/03/25/8c1f4e2ab7d3.docx", title + ".docx"),
    )
    return _with_noise("普陀区", [report], 25, _putuo_path)


def _shangcheng() -> list[Article]:
    when = dt.datetime(2022, 3, 28, 14, 40)
    report = Article(
        "report-2021",
        "关于上城区法治政府建设工作情况的报告",
        when,
        "杭州市上城区人民政府",
        seed_text("shangcheng_2021.txt"),
        _static_path("report-2021", when),
        kind="annual_report",
        year=2021,
    )
    return _with_noise("上城区", [report], 25, _static_path)


def _one_report(
    site_id: str, when: dt.datetime, seed: str, make_path: Callable[[str, dt.datetime], str], noise: int
) -> list[Article]:
    """A site of the other platform families: its 2023 annual report (a seed text under its own name) among
    `noise` other entries."""
    spec = SPECS[site_id]
    title = f"{spec.name.removesuffix('人民政府')}2023年法治政府建设年度报告"
    report = Article(
        "report-2023", title, when, spec.name, seed_text(seed), make_path("report-2023", when),
        kind="annual_report", year=2023,
    )  # fmt: skip
    return _with_noise(spec.short, [report], noise, make_path)


def _tianhe() -> list[Article]:
    return _one_report("tianhe", dt.datetime(2024, 3, 27, 16, 25), "shangcheng_2021.txt", _gkmlpt_path, 30)


def _daoli() -> list[Article]:
    return _one_report("daoli", dt.datetime(2024, 3, 29, 10, 5), "putuo_2023.txt", _ucap_path, 35)


def _luyang() -> list[Article]:
    return _one_report("luyang", dt.datetime(2024, 3, 26, 9, 40), "dinghai_2023.txt", _anhui_path, 40)


_TWIN_DEPARTMENTS = (
    ("justice", "区司法局", "全年办理法律援助案件1046件，开展人民调解4387次，调解成功率达98.6%"),
    ("finance", "区财政局", "全年审查政府采购合同612份，完成财政投资评审项目138个，审减资金1.27亿元"),
)


def pointer_twins(site_id: str) -> list[Article]:
    """Two department reports whose pages read only "详见附件。", each with its own .docx attachment.

    Many portals post reports this way; the pages are alike and only the attachments tell them apart.
    Only the JPaaS site renders attachment-only pages.
    """
    if site_id != "putuo":
        raise ValueError(f"pointer pages are simulated on putuo (hanweb-jpaas) only, not {site_id!r}")
    out = []
    for n, (slug, dept, figures) in enumerate(_TWIN_DEPARTMENTS):
        key = f"pointer-{slug}-2023"
        when = dt.datetime(2024, 3, 26, 9, 30 + n)
        title = f"舟山市普陀{dept}2023年度法治政府建设工作报告"
        text = "\n".join(
            [
                f"2023年，我局坚持以习近平法治思想为指导，认真落实法治政府建设各项任务，现将{dept}2023年度"
                "法治政府建设工作情况报告如下。",
                "一、主要工作和成效",
                f"（一）依法全面履行职能。{figures}，各项工作依法有序推进。",
                "（二）严格规范公正文明执法。全面落实行政执法公示、执法全过程记录和重大执法决定法制审核制度。",
                "二、存在的问题和不足",
                "部分干部运用法治思维和法治方式解决问题的能力还需提升，法治宣传的针对性还需加强。",
                "三、下一步工作打算",
                "我局将持续深化法治机关建设，推动法治政府建设各项任务落地见效。",
            ]
        )
        hex_id = hashlib.md5(("putuo" + key).encode()).hexdigest()[:12]
        attachment = Attachment(f"/jpaas-web-server/upload/2024/03/26/{hex_id}.docx", title + ".docx")
        path = _putuo_path(key, when)
        out.append(
            Article(
                key, title, when, f"普陀{dept}", text, path,
                kind="department_report", year=2023, attachment=attachment, attachment_only=True,
            )
        )  # fmt: skip
    return out


_BUILDERS: dict[str, Callable[[], list[Article]]] = {
    "yuhang": _yuhang,
    "dinghai": _dinghai,
    "putuo": _putuo,
    "shangcheng": _shangcheng,
    "tianhe": _tianhe,
    "daoli": _daoli,
    "luyang": _luyang,
}


_PATHS: dict[str, Callable[[str, dt.datetime], str]] = {
    "yuhang": _yuhang_path,
    "dinghai": _trs_path,
    "putuo": _putuo_path,
    "shangcheng": _static_path,
    "tianhe": _gkmlpt_path,
    "daoli": _ucap_path,
    "luyang": _anhui_path,
}


def build_articles(site_id: str, scale: int = 1) -> list[Article]:
    """Every article of a site, newest first (the order its list shows them).

    `scale` > 1 adds scale-1 further copies of each report (for load and benchmarks): each its own page, a day
    older per copy, with a numbered title and one closing line of its own so every copy is a distinct text.
    """
    articles = _BUILDERS[site_id]()
    reports = [a for a in articles if a.kind is not None]
    for n in range(1, scale):
        for a in reports:
            key = f"{a.key}-copy{n}"
            when = a.published - dt.timedelta(days=n)
            path = _PATHS[site_id](key, when)
            href = _trs_href(key, when) if site_id == "dinghai" else None
            copy = replace(
                a, key=key, title=f"{a.title}（{n}）", published=when, path=path, list_href=href,
                text=f"{a.text}\n（第{n}份）", attachment=None, attachment_only=False,
            )  # fmt: skip
            articles.append(copy)
    return sorted(articles, key=lambda a: a.published, reverse=True)
