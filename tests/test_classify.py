"""Report classification on titles the way Zhejiang portals name these documents (positives and negatives)."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.extract import Classification, classify, title_may_be_report

TEXTS = Path(__file__).parent / "fixtures" / "page_texts"

GOV_TEXT = "2023年，我区在市委、市政府的正确领导下，全面推进法治政府建设。现将有关情况报告如下："
DEPT_TEXT = "2023年，我局在区委、区政府的坚强领导下，深入推进依法行政。现将我局法治政府建设情况报告如下："
NO_VOICE = "一、主要举措和成效（一）依法全面履行政府职能。"

# (title, text, publisher, expected kind, expected year)
REPORTS = [
    # Joint party+government reports (南湖, 婺城, 龙湾) and one issued by the 依法治区办 on the government's behalf;
    # no voice in the text, so only the title can tell.
    ("中共南湖区委 南湖区人民政府关于2023年度法治政府建设工作情况的报告", NO_VOICE, "区司法局", "annual_report", 2023),
    ("中共婺城区委　婺城区人民政府关于2022年法治政府建设情况的报告", NO_VOICE, None, "annual_report", 2022),
    (
        "中共龙湾区委全面依法治区委员会办公室关于龙湾区2023年法治政府建设情况的报告",
        NO_VOICE,
        "龙湾区司法局",
        "annual_report",
        2023,
    ),
    ("鄞州区依法治区办关于2024年法治政府建设情况的报告", NO_VOICE, "区司法局", "annual_report", 2024),
    ("慈溪市2024年度法治政府建设情况报告", NO_VOICE, "市司法局", "annual_report", 2024),
    ("杭州市余杭区人民政府关于余杭区2023年法治政府建设年度报告", GOV_TEXT, None, "annual_report", 2023),
    (
        "杭州市上城区人民政府关于2021年法治政府建设工作情况的报告",
        "2021年，在市委……",
        None,
        "annual_report",
        2021,
    ),
    ("舟山市定海区人民政府关于定海区2023年法治政府建设工作的报告", GOV_TEXT, None, "annual_report", 2023),
    ("安吉县2023年法治政府建设年度报告", NO_VOICE, None, "annual_report", 2023),
    ("新登镇2023年度法治政府建设工作情况报告", "2023年，新登镇……", None, "annual_report", 2023),
    ("杭州市西湖区人民政府蒋村街道办事处2023年法治政府建设年度报告", NO_VOICE, None, "annual_report", 2023),
    ("仙居县人民政府2018年度依法行政工作报告", "2018年，县政府……", None, "annual_report", 2018),
    ("二〇二三年度法治政府建设情况报告", NO_VOICE, "缙云县人民政府", "annual_report", 2023),
    ("嘉兴市南湖区2023年度法治政府建设工作总结", NO_VOICE, None, "annual_report", 2023),
    (
        "关于法治政府建设工作情况的报告",
        "2022年，我县坚持以习近平法治思想为指导……",
        None,
        "annual_report",
        2022,
    ),
    ("平湖市2023年度法治政府建设情况", "2023年，我市……现将有关情况报告如下：", None, "annual_report", 2023),
    ("2023年法治政府建设年度报告", NO_VOICE, "杭州市余杭区人民政府办公室", "annual_report", 2023),
    ("杭州市余杭区综合行政执法局2021年度法治政府建设工作报告", DEPT_TEXT, None, "department_report", 2021),
    ("宁波市海曙区司法局2023年度法治政府建设情况报告", NO_VOICE, None, "department_report", 2023),
    ("温州市鹿城区市场监督管理局2023年法治政府建设工作报告", NO_VOICE, None, "department_report", 2023),
    (
        "衢州市柯城区文化和广电旅游体育局2023年度法治政府建设情况报告",
        NO_VOICE,
        None,
        "department_report",
        2023,
    ),
    ("杭州市余杭区人民政府办公室2023年度法治政府建设工作报告", NO_VOICE, None, "department_report", 2023),
    ("关于2023年度法治政府建设情况的报告", DEPT_TEXT, "杭州市余杭区民政局", "department_report", 2023),
    ("2022年度法治政府建设工作报告", NO_VOICE, "杭州市临平区卫生健康局", "department_report", 2022),
    ("区教育局2023年法治政府建设年度报告（公开版）", NO_VOICE, None, "department_report", 2023),
    ("对我区法治政府建设情况的调查与建议", "区人大监察和司法委员会……", None, "related", None),
    ("关于区人民政府2023年度法治政府建设情况报告的审议意见", "区人民政府：……", None, "related", 2023),
    ("2023年度法治政府建设第三方评估报告", NO_VOICE, None, "related", 2023),
    ("关于我区法治政府建设情况的调研报告", NO_VOICE, None, "related", None),
    ("关于2021年度法治政府建设工作情况的报告", NO_VOICE, "柯桥区人大常委会", "related", 2021),
]

NOT_REPORTS = [
    "2024年余杭区法治政府建设工作要点",
    "杭州市余杭区法治政府建设实施方案（2021-2025年）",
    "关于印发2024年法治政府建设重点任务分工的通知",
    "关于做好2023年度法治政府建设年度报告编制和公开工作的通知",
    "西湖区召开2024年法治政府建设工作推进会",
    "余杭区2023年度法治政府建设考核结果公示",
    "2024年法治政府建设工作计划",
    "关于《余杭区法治政府建设规划（征求意见稿）》公开征求意见的公告",
    "区司法局举办法治政府建设专题培训班",
    "余杭区2023年政府信息公开工作年度报告",
    "杭州市余杭区人民政府2024年政府工作报告",
    "区委依法治区委员会召开2024年第一次会议",
]


@pytest.mark.parametrize("title,text,publisher,kind,year", REPORTS)
def test_reports(title: str, text: str, publisher: str | None, kind: str, year: int | None) -> None:
    got = classify(title, text, publisher)
    assert isinstance(got, Classification)
    assert (got.kind, got.year) == (kind, year), got.reason
    assert got.reason


@pytest.mark.parametrize("title", NOT_REPORTS)
def test_not_reports(title: str) -> None:
    got = classify(title, GOV_TEXT)
    assert got.kind is None, got.reason
    assert got.year is None


@pytest.mark.parametrize("title", [t for t, *_ in REPORTS])
def test_prefilter_keeps_every_report_title(title: str) -> None:
    assert title_may_be_report(title)


@pytest.mark.parametrize(
    "title",
    [
        "杭州市余杭区人民政府关于余杭区2023年...",
        "杭州市余杭区综合行政执法局2021年度法治政府建设…",
        "依法行政工作报告",
        "法治政府建设年报",
    ],
)
def test_prefilter_keeps_truncated_and_short_titles(title: str) -> None:
    assert title_may_be_report(title)


@pytest.mark.parametrize("title", [t for t in NOT_REPORTS if "报告" not in t])
def test_prefilter_drops_obvious_non_reports(title: str) -> None:
    assert not title_may_be_report(title)


def test_year_is_the_year_reported_on_not_a_plan_period_or_a_date() -> None:
    text = "根据《法治政府建设实施纲要（2021-2025年）》要求，2022年，我县……"
    assert classify("关于法治政府建设工作情况的报告", text).year == 2022
    dated = "2024年3月20日\n2023年，我区法治政府建设取得新进展。"
    assert classify("关于法治政府建设工作情况的报告", dated).year == 2023
    assert classify("关于法治政府建设工作情况的报告", "我区法治政府建设取得新进展。").year is None


def test_year_from_body_only_in_its_opening() -> None:
    late = "我区法治政府建设取得新进展。" * 20 + "2023年"
    assert classify("关于法治政府建设工作情况的报告", late).year is None


@pytest.mark.parametrize(
    "stem,title,publisher,kind,year",
    [
        ("seed_000", "杭州市余杭区人民政府关于余杭区2023年法治政府建设年度报告", None, "annual_report", 2023),
        ("seed_001", "法治政府建设工作情况报告", None, "annual_report", 2021),
        ("seed_002", "关于法治政府建设工作的报告", "舟山市定海区人民政府", "annual_report", 2023),
        ("seed_003", "2021年度法治政府建设工作报告", "杭州市余杭区综合行政执法局", "department_report", 2021),
        ("seed_004", "对我区法治政府建设情况的调查与建议", None, "related", None),
    ],
)
def test_seed_reports(stem: str, title: str, publisher: str | None, kind: str, year: int | None) -> None:
    text = (TEXTS / f"{stem}.txt").read_text("utf-8")
    got = classify(title, text, publisher)
    assert (got.kind, got.year) == (kind, year), got.reason


def test_seed_004_text_alone_reads_as_a_renda_investigation() -> None:
    text = (TEXTS / "seed_004.txt").read_text("utf-8")
    assert classify("关于法治政府建设情况的报告", text).kind == "related"
