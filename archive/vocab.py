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
