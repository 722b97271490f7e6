"""The words of what a crawl noticed beyond failures: lists cut short, report pages and attachments archived with
extraction warnings or without text, list entries skipped as not reports. Pure: values in, message lines out."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from archive.store.derive import Derived
from archive.store.raw import RawPage

# Examples named per reason in the skipped-entries note: enough to judge the classifier, short enough to read.
SKIP_EXAMPLES = 2
SKIP_REASONS_SHOWN = 3
# Reported elsewhere with more detail (the spider's notice names the encoding it decoded with).
_REPORTED_BY_SPIDER = ("undecodable byte sequences",)
_BY_TITLE = ""  # the reason key of entries left out by their list title, before any fetch


def list_shortfall(column: str, announced: int, read: int, failed_pages: int, capped: bool) -> str | None:
    """Why a column's list gave fewer distinct entries than it announced, or None when it gave them all."""
    if read >= announced:
        return None
    if failed_pages:
        why = f"{failed_pages} list page(s) failed"
    elif capped:
        why = "stopped at FAZHI_MAX_LIST_PAGES"
    else:
        why = "the list service did not give the pages asked for: it may ignore paging"
    return f"list {column} announced {announced} entries, {read} read: the list was cut short ({why})"


def page_warnings(page: RawPage, derived: Derived) -> list[str]:
    """The extraction warnings of one archived report page, as one line (or none)."""
    attachments_gave_text = any(a.text for a in derived.attachments)
    warnings = [
        w
        for w in derived.warnings
        if not any(known in w for known in _REPORTED_BY_SPIDER)
        # A page that only points at its attachment has no body of its own, by design.
        and not (derived.pointer and attachments_gave_text and w.startswith("report body is empty"))
    ]
    return [f"report page {page.url}: {'; '.join(warnings)}"] if warnings else []


def attachments_without_text(page: RawPage, derived: Derived) -> list[str]:
    """One line per attachment archived without text, with the reason.

    An attachment whose download failed is left out: the spider said so when it failed.
    """
    failed = {f.url for f in page.files if f.body is None}
    lines = []
    for a in derived.attachments:
        if a.text or a.url in failed:
            continue
        reason = a.error or "; ".join(a.warnings) or "no text found in it"
        lines.append(f"attachment {a.url} of {page.url} archived without text: {reason}")
    return lines


@dataclass
class SkipLog:
    """List entries left out as not reports, by reason, with the first few titles of each."""

    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    urls: set[str] = field(default_factory=set)

    def add(self, url: str, title: str, reason: str | None = None) -> bool:
        """Count the entry once (lists repeat entries, e.g. a pinned one, or a page served twice); False if seen."""
        if url in self.urls:
            return False
        self.urls.add(url)
        key = reason or _BY_TITLE
        self.counts[key] += 1
        shown = self.examples.setdefault(key, [])
        if len(shown) < SKIP_EXAMPLES and title and title not in shown:
            shown.append(title)
        return True

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str | None:
        """e.g. "skipped 24 list entries that are not reports: 20 by their list title (e.g. 《…》, 《…》); 4 after
        reading the page: 3 title says 通知: not a report (e.g. 《…》), 1 …"."""
        if not self.total:
            return None
        parts = []
        by_title = self.counts.get(_BY_TITLE, 0)
        if by_title:
            parts.append(f"{by_title} by their list title{self._examples(_BY_TITLE)}")
        read = self.total - by_title
        if read:
            reasons = [(r, n) for r, n in self.counts.most_common() if r != _BY_TITLE]
            shown = ", ".join(f"{n} {r}{self._examples(r)}" for r, n in reasons[:SKIP_REASONS_SHOWN])
            rest = sum(n for _, n in reasons[SKIP_REASONS_SHOWN:])
            more = f", {rest} for other reasons" if rest else ""
            parts.append(f"{read} after reading the page: {shown}{more}")
        entries = "entry that is not a report" if self.total == 1 else "entries that are not reports"
        return f"skipped {self.total} list {entries}: " + "; ".join(parts)

    def _examples(self, key: str) -> str:
        titles = self.examples.get(key) or []
        return f" (e.g. {', '.join(f'《{t}》' for t in titles)})" if titles else ""
