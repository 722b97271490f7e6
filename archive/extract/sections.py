"""A report's text split into its numbered sections, and which of the required sections it has.

《法治政府建设与责任落实督察工作规定》 asks every annual report for five parts: the main measures and results, the
shortcomings and their causes, how the leaders met their duty as first responsible persons, next year's plans, and
anything else to report. Reports word their headings freely (`一、主要举措和成效`, `二、存在的问题和不足`,
`四、2024年工作思路`), so each required part is recognised by the words that carry its meaning, not by an exact title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The required parts, in the order the rule lists them: a stable key for scripts and the rule's own wording.
REQUIRED: dict[str, str] = {
    "measures": "主要举措和成效",
    "shortcomings": "存在的不足和原因",
    "leadership": "党政主要负责人履行推进法治建设第一责任人职责、加强法治政府建设的有关情况",
    "next_year": "下一年度推进法治政府建设的主要安排",
    "other": "其他需要报告的情况",
}

# Words that carry each part's meaning in the headings seen on the portals. A heading may carry two parts
# (`二、存在的不足和下一步打算`).
_MEANINGS: dict[str, re.Pattern[str]] = {
    "shortcomings": re.compile(r"不足|存在的?问题|短板|差距|薄弱"),
    "leadership": re.compile(r"第一责任人|主要负责人|履行.{0,20}职责"),
    "next_year": re.compile(r"安排|打算|思路|计划|下一步|下步|展望|工作重点|重点工作|下一年"),
    "measures": re.compile(r"举措|成效|成绩|主要工作|工作情况|做法|进展|基本情况|开展情况|推进情况|工作开展"),
}
_OTHER = re.compile(r"其他|其它")

_NUMERALS = "一二三四五六七八九十"
# `一、` / `一．` opens a top-level section; `（一）` / `(一)` a second-level one. Both at the start of a paragraph.
_TOP = re.compile(rf"^\s*([{_NUMERALS}]{{1,3}})\s*[、．.]")
_SUB = re.compile(rf"^\s*[（(]\s*([{_NUMERALS}]{{1,3}})\s*[）)]")
# A heading is its paragraph when short, else the paragraph's first sentence (`（一）落实学法用法。学习贯彻…`).
_HEADING_MAX = 80
_SENTENCE_END = re.compile(r"[。；;：:]")
_YEAR = re.compile(r"(\d{4})\s*年")


@dataclass(frozen=True, slots=True)
class Section:
    heading: str
    start: int  # offset of the heading's first character in the text
    end: int  # offset just past the section's last character (before the next heading of its level or above)
    level: int  # 1 for `一、…`, 2 for `（一）…`
    covers: tuple[str, ...]  # keys of REQUIRED this section answers (top-level sections only)


@dataclass(frozen=True, slots=True)
class Outline:
    sections: tuple[Section, ...]
    missing: tuple[str, ...]  # keys of REQUIRED that no section answers, in the rule's order

    @property
    def found(self) -> int:
        return len(REQUIRED) - len(self.missing)


def chinese_number(numeral: str) -> int | None:
    """一 → 1, 十二 → 12, 二十 → 20, 九十九 → 99; None for anything else."""
    digits = {c: i + 1 for i, c in enumerate(_NUMERALS[:9])}
    if numeral in digits:
        return digits[numeral]
    tens, sep, ones = numeral.partition("十")
    if not sep or (tens and tens not in digits) or (ones and ones not in digits):
        return None
    return (digits[tens] if tens else 1) * 10 + (digits[ones] if ones else 0)


def outline(text: str, year: int | None = None) -> Outline:
    """The sections of a report's text (paragraphs separated by `\\n`) and the required parts it lacks.

    `year` is the year the report covers: a heading naming the year after it is next year's plan however it is
    worded (`三、2024年主要工作`).
    """
    found = _headings(text)
    sections: list[Section] = []
    for i, (level, start, heading) in enumerate(found):
        end = len(text)
        for later_level, later_start, _ in found[i + 1 :]:
            if later_level <= level:
                end = later_start
                break
        end = len(text[:end].rstrip())
        covers = _meaning(heading, year) if level == 1 else ()
        sections.append(Section(heading, start, end, level, covers))
    sections = _measures_by_place(sections)
    covered = {key for s in sections for key in s.covers}
    return Outline(tuple(sections), tuple(key for key in REQUIRED if key not in covered))


def _headings(text: str) -> list[tuple[int, int, str]]:
    """(level, offset, heading) of each numbered heading, in order; numbers must run on (一, 二, 三 …)."""
    out: list[tuple[int, int, str]] = []
    top = sub = 0
    offset = 0
    for line in text.split("\n"):
        here, offset = offset, offset + len(line) + 1
        for level, pattern in ((1, _TOP), (2, _SUB)):
            m = pattern.match(line)
            if not m:
                continue
            number = chinese_number(m.group(1))
            expected = top + 1 if level == 1 else sub + 1
            # A number out of turn is a list inside a paragraph's text or a quotation, not this report's outline.
            if number != expected and not (level == 2 and number == 1):
                break
            if level == 1:
                top, sub = number, 0
            else:
                sub = number
            lead = len(line) - len(line.lstrip())
            out.append((level, here + lead, _heading_text(line.strip())))
            break
    return out


def _heading_text(paragraph: str) -> str:
    if len(paragraph) <= _HEADING_MAX and not _SENTENCE_END.search(paragraph.rstrip("。")):
        return paragraph.rstrip("。")
    # Skip the numbering's own punctuation, then cut at the first sentence end.
    m = _SENTENCE_END.search(paragraph, 3)
    return (paragraph[: m.start()] if m else paragraph)[:_HEADING_MAX]


def _meaning(heading: str, year: int | None) -> tuple[str, ...]:
    if _OTHER.search(heading):
        return ("other",)
    keys = [key for key, pattern in _MEANINGS.items() if pattern.search(heading)]
    if year is not None and any(int(y) > year for y in _YEAR.findall(heading)):
        keys = [k for k in keys if k != "measures"]
        if "next_year" not in keys:
            keys.append("next_year")
    if "measures" in keys and len(keys) > 1 and "shortcomings" not in keys:
        # `2024年工作安排` says "工作" too; plans and leadership are the stronger reading.
        keys.remove("measures")
    return tuple(k for k in REQUIRED if k in keys)


def _measures_by_place(sections: list[Section]) -> list[Section]:
    """Top-level sections before the first recognised later part are the measures, whatever their titles.

    Many reports set out their work under thematic headings (`一、聚焦高效规范，全面夯实…`) and only then come to
    the shortcomings; those headings are the 主要举措和成效 part. Without a recognised later part nothing is
    assumed: a work plan's headings are not a report's measures.
    """
    later = next(
        (i for i, s in enumerate(sections) if s.level == 1 and set(s.covers) - {"measures"}),
        None,
    )
    if later is None:
        return sections
    return [
        Section(s.heading, s.start, s.end, s.level, ("measures",)) if i < later and s.level == 1 and not s.covers else s
        for i, s in enumerate(sections)
    ]


# Only a government's or a department's own yearly report is held to the five parts.
OUTLINED_KINDS = frozenset({"annual_report", "department_report"})


def outline_report(
    kind: str, year: int | None, text: str, attachment_texts: list[str | None]
) -> tuple[Outline, str | None]:
    """The outline of a report of `kind`, and where it was found: `text`, `attachments/N`, or None.

    A page that only points to its attached file (`详见附件`) has its sections in that file: the first attachment
    with a numbered outline is read when the page text has none. Other kinds get an empty outline with nothing
    missing, since the rule asks nothing of them.
    """
    if kind not in OUTLINED_KINDS:
        return Outline((), ()), None
    found = outline(text, year)
    if any(s.level == 1 for s in found.sections):
        return found, "text"
    for i, attachment in enumerate(attachment_texts):
        if attachment:
            in_file = outline(attachment, year)
            if any(s.level == 1 for s in in_file.sections):
                return in_file, f"attachments/{i}"
    return found, "text" if found.sections else None
