"""A report's sections and its required parts, on the five seed texts and on hand-made variants."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.extract.sections import REQUIRED, chinese_number, outline, outline_report

TEXTS = Path(__file__).parent / "fixtures" / "page_texts"
ALL = tuple(REQUIRED)


def seed(n: int) -> str:
    return (TEXTS / f"seed_{n:03d}.txt").read_text(encoding="utf-8")


# Each seed's top-level headings as they begin, and the required parts it lacks.
SEEDS = {
    # 余杭区 2023: thematic first heading (聚焦高效规范…), which is the measures part by its place.
    0: (
        2023,
        ["一、聚焦高效规范", "二、存在的问题和不足", "三、党政主要负责人", "四、2024年法治政府建设主要安排"],
        ("other",),
    ),
    # 上城区 2021: the rule's own headings, "存在的不足" without "和原因".
    1: (2021, ["一、主要举措和成效", "二、存在的不足", "三、党政主要负责人", "四、2022年主要工作安排"], ("other",)),
    # A two-part report: work done and next year's ideas; no shortcomings, no leadership part.
    2: (2023, ["一、2023年主要工作", "二、2024年工作思路"], ("shortcomings", "leadership", "other")),
    # A bureau's 2021 report with all four numbered parts.
    3: (
        2021,
        ["一、2021年法治政府建设的主要举措和成效", "二、存在的不足和原因", "三、党政主要负责人", "四、2022年度"],
        ("other",),
    ),
    # The 人大 investigation (a related document, not a report): situation, problems, suggestions. Suggestions are
    # not a plan of the government's own, so only two of the five parts are read into it.
    4: (
        2021,
        ["一、近年来我区法治政府建设基本情况", "二、我区法治政府建设中存在的问题", "三、对推进法治政府建设的几点建议"],
        ("leadership", "next_year", "other"),
    ),
}


@pytest.mark.parametrize("n", sorted(SEEDS))
def test_seed_sections(n: int) -> None:
    year, headings, missing = SEEDS[n]
    text = seed(n)
    found = outline(text, year)
    top = [s for s in found.sections if s.level == 1]
    assert len(top) == len(headings)
    for section, start in zip(top, headings, strict=True):
        assert section.heading.startswith(start)
        # Offsets point into the text: the slice starts with the heading and the sections tile the report.
        assert text[section.start :].startswith(section.heading)
    assert [b.start for b in top[1:]] == [a.end + 1 for a in top[:-1]]
    assert top[-1].end == len(text.rstrip())
    assert found.missing == missing


def test_second_level_headings_nest_inside_their_part() -> None:
    text = seed(0)
    found = outline(text, 2023)
    subs = [s for s in found.sections if s.level == 2]
    assert [s.heading for s in subs[:2]] == [
        "（一）深化源头把控，提升依法决策能力",
        "（二）推进依法行政，规范公正文明执法",
    ]
    # `（一）落实学法用法，切实提升法治素养。学习贯彻…`: a heading run into its paragraph ends at the full stop.
    assert "（一）落实学法用法，切实提升法治素养" in [s.heading for s in subs]
    first_part = found.sections[0]
    assert all(first_part.start < s.start and s.end <= first_part.end for s in subs[:5])
    assert not any(s.covers for s in subs)


def test_seed_text_with_page_chrome_and_half_width_punctuation() -> None:
    # As the page text came off the portal: `(一)` in ASCII brackets, blank lines, sharing links at the end.
    text = seed(0).replace("（", "(").replace("）", ")").replace("\n", "\n\n") + "\n\n分享:微信 微博\n【打印本页】"
    found = outline(text, 2023)
    assert [s.heading[:2] for s in found.sections if s.level == 1] == ["一、", "二、", "三、", "四、"]
    assert sum(s.level == 2 for s in found.sections) == 11 and found.missing == ("other",)


def test_the_five_parts_in_the_rules_own_words() -> None:
    text = "\n".join(
        [
            "2023年，我县扎实推进法治政府建设。",
            "一、主要举措和成效",
            "全年审核规范性文件12件。",
            "二、存在的不足和原因",
            "基层执法力量薄弱。",
            "三、党政主要负责人履行推进法治建设第一责任人职责、加强法治政府建设的有关情况",
            "县长带头学法。",
            "四、2024年推进法治政府建设的主要安排",
            "深化行政执法改革。",
            "五、其他需要报告的情况",
            "无。",
        ]
    )
    found = outline(text, 2023)
    assert found.missing == () and found.found == 5
    assert [s.covers for s in found.sections] == [(k,) for k in ALL]
    assert text[found.sections[-1].start : found.sections[-1].end] == "五、其他需要报告的情况\n无。"


@pytest.mark.parametrize(
    ("heading", "covers"),
    [
        ("一、2023年主要工作及成效", ("measures",)),
        ("一、依法行政工作主要成效", ("measures",)),
        ("二、存在的问题", ("shortcomings",)),
        ("二、存在的不足和下一步打算", ("shortcomings", "next_year")),
        ("三、党政主要负责人履行推进法治建设第一责任人职责情况", ("leadership",)),
        ("三、2024年工作打算", ("next_year",)),
        ("三、2019年工作思路", ("next_year",)),
        # Worded like work done, but about the year after the report's: next year's plan.
        ("三、2024年主要工作", ("next_year",)),
        ("五、其它事项", ("other",)),
    ],
)
def test_heading_variants(heading: str, covers: tuple[str, ...]) -> None:
    # Parts before it with neutral titles, so that its number runs on.
    before = "一二三四五"[: "一二三四五".index(heading[0])]
    text = (
        "2023年，全面推进法治政府建设。\n" + "".join(f"{n}、第{n}部分\n正文。\n" for n in before) + f"{heading}\n正文。"
    )
    (section,) = [s for s in outline(text, 2023).sections if s.heading == heading]
    assert section.covers == covers


def test_numbers_out_of_turn_are_not_headings() -> None:
    # A quoted list in a paragraph (`三、` with no `一、` before it) is not part of the outline.
    text = "2023年，工作推进。\n三、会议要求，各部门要落实责任。\n一、主要举措和成效\n正文。\n二、存在的不足\n正文。"
    found = outline(text, 2023)
    assert [s.heading for s in found.sections] == ["一、主要举措和成效", "二、存在的不足"]


def test_texts_without_an_outline() -> None:
    assert outline("", 2023).sections == () and outline("", 2023).missing == ALL
    see = (TEXTS / "see_attachment.txt").read_text(encoding="utf-8")
    assert outline(see).sections == ()
    # A work plan's numbered tasks are not a report's measures: nothing is read into them.
    plan = outline((TEXTS / "workplan_2024.txt").read_text(encoding="utf-8"), 2024)
    assert len(plan.sections) >= 3 and all(not s.covers for s in plan.sections) and plan.missing == ALL


def test_report_outline_by_kind_and_from_the_attachment() -> None:
    text = seed(1)
    found, source = outline_report("annual_report", 2021, text, [])
    assert source == "text" and found.missing == ("other",)
    assert outline_report("related", 2021, text, []) == (outline_report("related", 2021, "", [])[0], None)
    assert outline_report("related", 2021, text, [])[0].missing == ()
    # The page only points to its file: the sections are the attachment's, offsets into the attachment's text.
    found, source = outline_report("department_report", 2021, "详见附件。", [None, text])
    assert source == "attachments/1" and found.missing == ("other",)
    found, source = outline_report("annual_report", 2021, "详见附件。", [None])
    assert source is None and found.missing == ALL


@pytest.mark.parametrize(
    ("numeral", "value"),
    [("一", 1), ("九", 9), ("十", 10), ("十二", 12), ("二十", 20), ("九十九", 99), ("十十", None), ("一二", None)],
)
def test_chinese_numbers(numeral: str, value: int | None) -> None:
    assert chinese_number(numeral) == value


@pytest.mark.parametrize(
    "name",
    ["anji_2023", "chunan_2022", "scjg_2023", "sfj_table_2023", "street_rare_chars_2023", "town_xinfeng_2023",
     "wglt_2023", "xianju_2018", "xihu_edu_2023"],
)  # fmt: skip
def test_other_reports_have_their_measures_shortcomings_and_plans(name: str) -> None:
    text = (TEXTS / f"{name}.txt").read_text(encoding="utf-8")
    found = outline(text, int(name[-4:]))
    assert set(found.missing) <= {"leadership", "other"}, found.missing
