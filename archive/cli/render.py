"""How command results look: one JSON document for scripts, rich tables and text for people."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from archive.clock import ZONE_LABEL, local
from archive.display import dumps, shown
from archive.vocab import Kind, ReportStatus, label

if TYPE_CHECKING:
    from archive.alerts.delivery import Delivery
    from archive.diff import Row
    from archive.runner.crawl import CrawlReport


class SafeConsole(Console):
    """A console that never interprets what it prints: no markup (a title holding `[/bold]` or `[link=…]` is
    printed as written), no `:emoji:` codes, no highlighting, and every string made inert (archive.display) before
    it is laid out. Styles come only from the code, as `style=` and Text spans."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(markup=False, emoji=False, highlight=False, **kwargs)

    def render_str(self, text: str, **kwargs: Any) -> Text:
        kwargs["markup"] = kwargs["emoji"] = kwargs["highlight"] = False
        return super().render_str(shown(text), **kwargs)


# Piped output gets a wide console: report titles are long and wrapping them in 80 columns helps nobody.
console = SafeConsole(width=None if sys.stdout.isatty() else 160)
err_console = SafeConsole(stderr=True, width=None if sys.stderr.isatty() else 160)

# Warnings lost nothing and notes say how the crawl went; every other message is a failure.
MESSAGE_MARKS = {"warning": ("!", "yellow"), "note": ("·", "")}
FAILURE_MARK = ("✗", "red")
OK_MARK = ("✓", "green")


def print_json(doc: Any) -> None:
    sys.stdout.write(dumps(doc) + "\n")


def print_text(text: str) -> None:
    """A report's text on stdout as it is, made inert, left to the terminal to wrap. Rich's layout costs time that
    grows faster than the text (a 160,000-line text took 38 s to lay out); writing it takes milliseconds."""
    console.file.write(shown(text) + "\n")
    console.file.flush()


def plain(text: str, style: str = "") -> Text:
    """Archived or portal text as a Text of its own, made inert: for Text built up piece by piece, which does not
    pass through the console's render_str."""
    return Text(shown(text), style=style)


def aligned(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]], styles: Sequence[str]) -> Text:
    """A long listing as aligned columns (wide characters counted as two): Rich's Table measures every cell of
    every row and took 0.6 s for a province's thousand coverage rows; this takes a few milliseconds. Each row in
    its style; cells made inert."""
    cells = [[shown(c) for c in row] for row in rows]
    widths = [max([cell_len(h), *(cell_len(row[i]) for row in cells)]) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v + " " * (w - cell_len(v)) for v, w in zip(values, widths, strict=True)).rstrip()

    text = Text(title + "\n", style="italic")
    text.append(line(headers) + "\n", style="bold")
    for row, style in zip(cells, styles, strict=True):
        text.append(line(row) + "\n", style=style)
    text.rstrip()
    return text


def marked(mark: tuple[str, str], message: str) -> Text:
    """A status mark in its colour, then `message` as plain text."""
    return Text.assemble(mark, " ", plain(message))


def reports_table(rows: Sequence[dict[str, Any]], title: str = "Archived reports") -> Table:
    table = Table(title=title, show_lines=False)
    for col in ("id", "site", "year", "kind", "published", "v", "status", "title"):
        table.add_column(col, overflow="fold", no_wrap=col != "title")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["site_id"],
            str(r["year"] or "?"),
            label(Kind, r["kind"]),
            r["published_date"] or "",
            str(r["version_count"]),
            label(ReportStatus, r["status"]),
            r["title"],
        )
    return table


def search_table(rows: Sequence[dict[str, Any]], title: str, *, colour: bool) -> Table:
    """Search results, best first: each report with its snippet, the terms marked (markup never read): in colour
    on a terminal (`colour`), else by the 【】 the snippet carries, which survive a pipe or a file."""
    table = Table(title=title, show_lines=True)
    for col in ("id", "site", "year", "v", "rank", "title / snippet"):
        table.add_column(col, overflow="fold", no_wrap=col != "title / snippet")
    for r in rows:
        snippet = plain(r["title"] + "\n", style="bold")
        text = r["snippet"]
        if not colour:
            snippet.append_text(plain(text))
        else:
            at = 0
            for start, end in r["highlight"]:
                snippet.append_text(plain(text[at : start - 1]))
                snippet.append_text(plain(text[start:end], style="black on yellow"))
                at = end + 1
            snippet.append_text(plain(text[at:]))
        table.add_row(str(r["id"]), r["site_id"], str(r["year"] or "?"), str(r["version"]), str(r["rank"]), snippet)
    return table


# Unchanged characters kept on each side of a change inside a changed paragraph; the rest is elided.
DIFF_CONTEXT = 12


def diff_lines(rows: Sequence[Row], *, colour: bool) -> list[Text]:
    """A changed paragraph as one line with its changes marked in place (`[-gone-]{+come+}`, or in colour), a
    paragraph only one side has whole, prefixed `-` or `+`; each with its paragraph number."""
    out: list[Text] = []
    for row in rows:
        if row.tag == "removed":
            out.append(Text.assemble((f"- ¶{row.old_no} ", "red"), plain("".join(s.text for s in row.old), "red")))
        elif row.tag == "added":
            out.append(Text.assemble((f"+ ¶{row.new_no} ", "green"), plain("".join(s.text for s in row.new), "green")))
        elif row.tag == "changed":
            line = Text(f"~ ¶{row.old_no}→¶{row.new_no} ", style="yellow")
            for text, kind in _merged(row):
                if kind == "same":
                    line.append_text(plain(_elide(text)))
                elif colour:
                    line.append_text(plain(text, "black on red" if kind == "gone" else "black on green"))
                else:
                    line.append_text(plain(f"[-{text}-]" if kind == "gone" else f"{{+{text}+}}"))
            out.append(line)
    return out


def _merged(row: Row) -> list[tuple[str, str]]:
    """The two sides of a changed paragraph as one sequence: unchanged text, what went, what came."""
    old, new = list(row.old), list(row.new)
    out: list[tuple[str, str]] = []
    i = j = 0
    while i < len(old) or j < len(new):
        if i < len(old) and old[i].changed:
            out.append((old[i].text, "gone"))
            i += 1
        elif j < len(new) and new[j].changed:
            out.append((new[j].text, "came"))
            j += 1
        else:  # the unchanged stretch both sides share
            out.append(((old[i] if i < len(old) else new[j]).text, "same"))
            i, j = i + 1, j + 1
    return out


def _elide(text: str) -> str:
    if len(text) <= 2 * DIFF_CONTEXT + 1:
        return text
    return text[:DIFF_CONTEXT] + "…" + text[-DIFF_CONTEXT:]


def crawl_table(sites: Sequence[dict[str, Any]]) -> Table:
    table = Table(
        title="Crawl summary",
        caption="skipped: list entries left out as not reports (plans, notices, news), by their list title or "
        "after reading the page; `fazhi runs` gives the reasons with examples",
    )
    for col in ("site", "status", "pages", "new", "changed", "unchanged", "removed", "skipped", "errors"):
        table.add_column(col, justify="left" if col in ("site", "status") else "right")
    for s in sites:
        table.add_row(
            s["site"],
            s["status"],
            *(
                str(s.get(k, 0))
                for k in (
                    "pages_fetched",
                    "reports_new",
                    "reports_changed",
                    "reports_unchanged",
                    "reports_removed",
                    "skipped",
                    "errors",
                )
            ),
        )
    return table


def history_table(rows: Sequence[dict[str, Any]]) -> Table:
    table = Table(title="Versions")
    for col in ("version", f"fetched ({ZONE_LABEL})", "change", "chars", "content_sha256"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["version"]), local(r["fetched_at"]), r["change"], str(r["chars"]), r["content_sha256"][:16])
    return table


def print_delivery(delivery: Delivery, always: bool) -> None:
    """One line for the alerts a command sent, then one per URL (only the failing ones unless `always`)."""
    if always or delivery.sent or not delivery.ok:
        err_console.print(
            f"alerts: {delivery.sent} sent, {sum(c.failing for c in delivery.channels)} URL(s) failing, "
            f"{delivery.pending} pending",
        )
    for c in delivery.channels:
        if c.failing or always:
            when = f"; next try after {local(c.next_attempt_at)} {ZONE_LABEL}" if c.next_attempt_at else ""
            mark = "✗" if c.failing else "·"
            detail = f": {c.error}" if c.error else ""
            err_console.print(
                f"  {mark} {c.channel} {c.status}, {c.sent} sent, {c.pending} pending{detail}{when}",
            )


class ProgressPrinter:
    """A crawl's progress as it happens: a line when a site starts, a failure of the site the moment it is met (a
    host that does not resolve shows in seconds, not when the site gives up), and its counts and every other
    message when it ends."""

    def __init__(self) -> None:
        self._shown: dict[str, set[str]] = {}  # per site, the messages already printed as they happened

    def __call__(self, event: dict[str, Any]) -> None:
        site = str(event.get("site"))
        if event["event"] == "problem":
            self._shown.setdefault(site, set()).add(event["message"])
            err_console.print(Text.assemble(plain(site, "bold"), ": ", marked(FAILURE_MARK, event["message"])))
            return
        shown = self._shown.pop(site, set()) if event["event"] == "done" else set()
        print_progress({**event, "messages": [m for m in event.get("messages", []) if m not in shown]})


def print_progress(event: dict[str, Any]) -> None:
    """A site's start, or its end with its counts and each of its messages."""
    if event["event"] == "start":
        err_console.print(Text.assemble(plain(event["site"], "bold"), ": crawling …"))
    elif event["event"] == "done":
        err_console.print(
            Text.assemble(
                plain(event["site"], "bold"),
                plain(
                    f": {event['status']} — {event['reports_new']} new, "
                    f"{event['reports_changed']} changed, {event['reports_unchanged']} unchanged, "
                    f"{event.get('skipped', 0)} skipped (not reports), {event['errors']} errors"
                ),
            )
        )
        for message in event.get("messages", []):
            mark = MESSAGE_MARKS.get(message.split(":", 1)[0], FAILURE_MARK)
            err_console.print(Text.assemble("  ", marked(mark, message)))


def print_crawl(report: CrawlReport, notify: bool) -> None:
    """The summary table of a crawl, why it stopped early if it did, and what became of its alerts."""
    if report.sites:
        console.print(crawl_table(report.sites))
    if report.interrupted:
        err_console.print(f"fazhi: crawl {report.interrupted}; its runs are recorded as interrupted")
        if notify:
            err_console.print("alerts: not sent now; they wait in the outbox for the next crawl")
    if report.delivery is not None:
        print_delivery(report.delivery, always=False)
        if not report.delivery.ok:
            err_console.print("alerts did not all go out: exit status 1 (see `fazhi alerts --pending`)")
