"""Decide whether a document is a 法治政府建设 report, whose (government, department, other), which year."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

ANNUAL = "annual_report"
DEPARTMENT = "department_report"
RELATED = "related"

_TOPIC = re.compile(r"法治政府|依法行政|法治建设|法制建设|法治[\u4e00-\u9fff]{1,4}建设|依法治[区县市]")
_REPORTISH = re.compile(r"报告|总结|年报")
# Reports about the government's work written by someone else (人大, 政协, evaluators, 督察).
_RELATED_TITLE = re.compile(
    r"人大|政协|调查与建议|调研报告|调查报告|执法检查|视察|审议意见|评估报告|第三方评估|督察|述法|第一责任人|满意度"
)
_RELATED_PUBLISHER = re.compile(r"人大|政协|常委会|人民代表大会")
_RELATED_TEXT = re.compile(r"人大.{0,80}?(?:专题调研|调研|视察|执法检查|调查)", re.S)
# Never a report, whatever else the title says.
_HARD_NEGATIVE = re.compile(
    r"工作要点|实施方案|任务分工|分工方案|通知|推进会|征求意见|意见稿|召开|会议|座谈|考核|培训|公示|通报|部署|动员"
    r"|解读|图解|报送|的函$"
)
# Not a report unless the title also names one (…工作总结和2024年工作计划).
_SOFT_NEGATIVE = re.compile(r"计划|规划|方案|要点|办法|细则|意见")
_GOV_ISSUER = re.compile(r"(?:人民政府|政府|办事处|管委会|[省区县市镇乡]|街道)$")
_DEPT_ISSUER = re.compile(r"(?:局|委员会|委|办公室|办|分局|中心|队|所|院|厅|站|处|署)$")
_ISSUER = re.compile(r"^(.*?)(?:关于|(?:19|20)\d{2}|[〇○零一二三四五六七八九]{4}年|法治|依法)")
# A joint report of the party committee and the government (中共XX区委 XX区人民政府关于…), and one issued by the
# committee office for rule of law (依法治区办) on the government's behalf: both are the government's annual report.
_JOINT = re.compile(r"^中共\S{1,12}?[省市区县]委\s*\S{0,12}?人民政府")
_ON_BEHALF = re.compile(r"^\S{0,16}?依法治[省市区县](?:委员会)?(?:办公室|办)")
_DEPT_VOICE = re.compile(r"我局|我委|我办|本局|我中心|我队|我分局|我所|我厅|我院")
_GOV_VOICE = re.compile(r"我区|我县|我市|我镇|我乡|我街道|本区|本县")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*(?=年|法治|度)")
_RANGE = re.compile(r"(?:19|20)\d{2}\s*[-—–~～至到]\s*(?:19|20)\d{2}")
_FULL_DATE_AFTER = re.compile(r"^\s*年\s*\d{1,2}\s*月")
_CN_DIGITS = {"〇": "0", "○": "0", "零": "0", "一": "1", "二": "2", "三": "3", "四": "4",
              "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}  # fmt: skip
_CN_YEAR = re.compile(r"([〇○零一二三四五六七八九]{4})\s*年")
_TRUNCATED = re.compile(r"(?:\.{3}|…+)$")
_OPENING_CHARS = 200
_VOICE_CHARS = 1000


@dataclass(frozen=True, slots=True)
class Classification:
    """kind: annual_report | department_report | related | None (not a report); year covered; why."""

    kind: str | None
    year: int | None
    reason: str


def title_may_be_report(title: str) -> bool:
    """Cheap, lenient check on a list entry's title: False only when it surely is not a report."""
    text = _fold(title)
    if _TRUNCATED.search(text) and not _HARD_NEGATIVE.search(text):
        return True  # list pages cut long titles; the cut may have taken the telling words
    if not (_TOPIC.search(text) or "法治" in text or "法制" in text):
        return False
    if _REPORTISH.search(text) or _RELATED_TITLE.search(text):
        return True
    return not (_HARD_NEGATIVE.search(text) or _SOFT_NEGATIVE.search(text))


def classify(title: str, text: str, publisher: str | None = None) -> Classification:
    """Classify a document by its title first, then its opening text and publisher."""
    name = _fold(title)
    opening = _fold(text[:_VOICE_CHARS])
    if not _TOPIC.search(name) and not (not name and _TOPIC.search(opening[:_OPENING_CHARS])):
        return Classification(None, None, "title is not about 法治政府建设")
    negative = _HARD_NEGATIVE.search(name)
    if negative:
        return Classification(None, None, f"title says {negative.group(0)}: not a report")
    year = report_year(name, opening)
    related = _related_reason(name, opening, publisher)
    if related:
        return Classification(RELATED, year, related)
    soft = _SOFT_NEGATIVE.search(name)
    if soft and not _REPORTISH.search(name):
        return Classification(None, None, f"title says {soft.group(0)}: not a report")
    if not _REPORTISH.search(name) and not _reads_as_report(name, opening):
        return Classification(None, None, "title does not name a report")
    kind, reason = _issuer_kind(name, opening, publisher)
    return Classification(kind, year, reason)


def report_year(title: str, opening: str) -> int | None:
    """The year reported on: from the title, else from a `YYYY年` in the body's opening; never guessed."""
    year = _first_year(_fold(title))
    if year is None:
        year = _first_year(_fold(opening)[:_OPENING_CHARS])
    return year


def _first_year(text: str) -> int | None:
    text = _CN_YEAR.sub(lambda m: "".join(_CN_DIGITS[c] for c in m.group(1)) + "年", text)
    ranges = [m.span() for m in _RANGE.finditer(text)]
    for match in _YEAR.finditer(text):
        if any(start <= match.start() < end for start, end in ranges):
            continue  # 《纲要（2021-2025年）》 names a plan period, not the report's year
        if _FULL_DATE_AFTER.match(text[match.end() :]):
            continue  # 2024年3月20日 is a date (often the issue date), not the year covered
        return int(match.group(1))
    return None


def _related_reason(title: str, opening: str, publisher: str | None) -> str | None:
    match = _RELATED_TITLE.search(title)
    if match:
        return f"title says {match.group(0)}: a report about the government, not its own"
    if publisher and _RELATED_PUBLISHER.search(publisher):
        return f"published by {publisher}"
    if _RELATED_TEXT.search(opening[:300]):
        return "opening text describes a 人大 investigation"
    return None


def _reads_as_report(title: str, opening: str) -> bool:
    # Some portals drop 报告 from the title (…2023年度法治政府建设情况); the text still reads as one.
    return bool(re.search(r"情况|年度", title)) and bool(
        re.search(r"报告如下|存在的(?:问题|不足)|主要举措|第一责任人", opening)
    )


def _issuer_kind(title: str, opening: str, publisher: str | None) -> tuple[str, str]:
    if _JOINT.match(title):
        return ANNUAL, "a joint report of the party committee and the government"
    if _ON_BEHALF.match(title):
        return ANNUAL, "issued by the committee office for rule of law on the government's behalf"
    match = _ISSUER.match(title)
    issuer = re.sub(r"[\s《“\"]+", "", match.group(1)) if match else ""
    if issuer:
        if re.search(r"(?:人民政府|办事处)$", issuer):  # before the department suffixes: 办事处 ends in 处
            return ANNUAL, f"issued by a government ({issuer})"
        if _DEPT_ISSUER.search(issuer):
            return DEPARTMENT, f"issued by a department ({issuer})"
        if _GOV_ISSUER.search(issuer):
            return ANNUAL, f"issued by a government ({issuer})"
    dept_voice = len(_DEPT_VOICE.findall(opening))
    gov_voice = len(_GOV_VOICE.findall(opening))
    if dept_voice > gov_voice:
        return DEPARTMENT, "text speaks as a department (我局/我委)"
    if gov_voice:
        return ANNUAL, "text speaks as a government (我区/我县/我市)"
    if publisher:
        name = _fold(publisher)
        if re.search(r"政府办公室$|政府办$", name) or _GOV_ISSUER.search(name):
            return ANNUAL, f"published by a government ({publisher})"
        if _DEPT_ISSUER.search(name):
            return DEPARTMENT, f"published by a department ({publisher})"
    return ANNUAL, "no issuer named; taken as the government's report"


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()
