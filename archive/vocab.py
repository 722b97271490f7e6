"""The archive's enumerations, each defined once, with the Chinese label every table and page shows for a value.

JSON (the CLI's `--json`, the API, exports) keeps the English values; people see the labels; every option that takes
a value also takes its label (`--kind 政府年度报告` is `--kind annual_report`).
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    """What a report is (archive.extract.classify decides)."""

    ANNUAL_REPORT = "annual_report"  # a government's own yearly 法治政府建设 report
    DEPARTMENT_REPORT = "department_report"  # a government department's
    RELATED = "related"  # another report about it (a 人大 investigation, say)


class ReportStatus(StrEnum):
    ACTIVE = "active"
    REMOVED = "removed"  # its page answered 404/410 on two crawls in a row


class CoverageStatus(StrEnum):
    ON_TIME = "on_time"  # published by the due date
    LATE = "late"  # published after it
    MISSING = "missing"  # the due date passed and nothing is archived
    PENDING = "pending"  # not due yet, nothing archived


class RunStatus(StrEnum):
    RUNNING = "running"
    OK = "ok"
    PARTIAL = "partial"  # some page failed
    FAILED = "failed"  # the site failed
    INTERRUPTED = "interrupted"  # stopped, or killed, before it finished


class Family(StrEnum):
    """The platform family a portal's URLs suggest (the national registry's `family`; docs/registry.md)."""

    HANWEB = "hanweb"  # 大汉: /col/colN/, /art/…, jpage and JPaaS lists
    TRS = "trs"  # directory paths with tYYYYMMDD_N.html articles
    GKMLPT = "gkmlpt"  # Guangdong's 政府信息公开 platform
    UCAP = "ucap"  # 开普云: /{site}/c{N}/…list.shtml
    ANHUI_PUBLIC = "anhui-public"  # Anhui's 政务公开 platform: /public/column/{id}
    HENAN_GOVXXGK = "henan-govxxgk"  # Henan's /govxxgk/{credit code}/


# The list platforms (archive.lists) that read each family's lists; none yet: they are read as plain pages at best,
# and `fazhi sites check` and coverage say so (a test holds this to the adapters there are).
READ_BY: dict[Family, tuple[str, ...]] = {
    Family.HANWEB: ("hanweb-jpage", "hanweb-jpaas"),
    Family.TRS: ("trs",),
    Family.GKMLPT: ("gkmlpt",),
    Family.UCAP: ("ucap",),
    Family.ANHUI_PUBLIC: ("anhui-public",),
    Family.HENAN_GOVXXGK: (),
}


def unread(family: str | None) -> bool:
    """Whether fazhi cannot read the lists of this family yet (an unknown or no family is not said to be)."""
    return family in READ_BY and not READ_BY[Family(family)]


LABELS: dict[StrEnum, str] = {
    Kind.ANNUAL_REPORT: "政府年度报告",
    Kind.DEPARTMENT_REPORT: "部门报告",
    Kind.RELATED: "相关报告",
    ReportStatus.ACTIVE: "在线",
    ReportStatus.REMOVED: "已撤下",
    CoverageStatus.ON_TIME: "按时",
    CoverageStatus.LATE: "逾期",
    CoverageStatus.MISSING: "未见",
    CoverageStatus.PENDING: "未到期",
    RunStatus.RUNNING: "运行中",
    RunStatus.OK: "正常",
    RunStatus.PARTIAL: "部分失败",
    RunStatus.FAILED: "失败",
    RunStatus.INTERRUPTED: "中断",
    Family.HANWEB: "大汉",
    Family.TRS: "拓尔思式目录",
    Family.GKMLPT: "广东政府信息公开平台",
    Family.UCAP: "开普云",
    Family.ANHUI_PUBLIC: "安徽政务公开平台",
    Family.HENAN_GOVXXGK: "河南政务公开目录",
}
NEVER_RUN = "从未运行"


def label(enum: type[StrEnum], value: str | None) -> str:
    """The Chinese label of `value` of `enum`; an unknown value is shown as it is, and None as an empty string."""
    if value is None:
        return ""
    try:
        return LABELS[enum(value)]
    except ValueError:
        return value


def labels(enum: type[StrEnum]) -> dict[str, str]:
    """Each value of `enum` with its label."""
    return {member.value: LABELS[member] for member in enum}


def from_text(enum: type[StrEnum], text: str) -> str | None:
    """The value `text` names, as value or as label; None when it names none."""
    for member in enum:
        if text in (member.value, LABELS[member]):
            return member.value
    return None
