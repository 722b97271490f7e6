"""How command results look: one JSON document for scripts, rich tables and text for people."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

# Piped output gets a wide console: report titles are long and wrapping them in 80 columns helps nobody.
console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else 160)

KIND_LABELS = {"annual_report": "政府年度报告", "department_report": "部门报告", "related": "相关报告"}


def print_json(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")


def reports_table(rows: Sequence[dict[str, Any]], title: str = "Archived reports") -> Table:
    table = Table(title=title, show_lines=False)
    for col in ("id", "site", "year", "kind", "published", "v", "status", "title"):
        table.add_column(col, overflow="fold", no_wrap=col != "title")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["site_id"],
            str(r["year"] or "?"),
            KIND_LABELS.get(r["kind"], r["kind"]),
            r["published_date"] or "",
            str(r["version_count"]),
            r["status"],
            r["title"],
        )
    return table


def crawl_table(sites: Sequence[dict[str, Any]]) -> Table:
    table = Table(title="Crawl summary")
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
    for col in ("version", "fetched_at", "change", "chars", "content_sha256"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["version"]), r["fetched_at"], r["change"], str(r["chars"]), r["content_sha256"][:16])
    return table
