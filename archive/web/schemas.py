"""The API's response documents, for /openapi.json: the CLI's `--json` shapes, field for field.

The API sends what the query layer's `to_json()` gives (so it cannot drift from the CLI); these models only
describe it, and the tests check every response against them through the OpenAPI document.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from archive.vocab import CoverageStatus, Kind, ReportStatus, RunStatus


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReportOut(_Shape):
    """A report as `fazhi reports --json` lists it."""

    id: int
    site_id: str
    region: str
    publisher: str
    title: str
    kind: Kind
    year: int | None
    published_date: dt.date | None
    url: str
    status: ReportStatus
    version_count: int
    first_seen_at: dt.datetime
    last_changed_at: dt.datetime


class AttachmentOut(_Shape):
    url: str
    filename: str
    media_type: str | None
    sha256: str | None
    text: str | None


class SectionOut(_Shape):
    heading: str
    start: int = Field(description="Offset of the heading in the text the section is in (`sections_source`).")
    end: int
    level: int
    covers: list[str]


class ReportDetailOut(ReportOut):
    """One version of a report as `fazhi show --json` prints it."""

    version: int
    fetched_at: dt.datetime
    content_sha256: str
    extractor_version: str
    encoding: str | None
    replacement_chars: int
    text: str
    attachments: list[AttachmentOut]
    sections: list[SectionOut]
    sections_source: str | None
    missing_sections: list[str]


class VersionOut(_Shape):
    """A version as `fazhi history --json` lists it."""

    version: int
    fetched_at: dt.datetime
    content_sha256: str
    chars: int
    change: str
    extractor_version: str


class SearchHitOut(ReportOut):
    """A report found by `fazhi search --json`, with the passage that matched."""

    model_config = ConfigDict(extra="allow")

    version: int
    fetched_at: dt.datetime
    snippet: str = Field(description="The passage around the first hit, each term marked 【like this】.")
    highlight: list[list[int]] = Field(description="[start, end) of each marked term inside `snippet`.")
    rank: int


class CoverageRowOut(_Shape):
    """A row of `fazhi coverage --json` (with `completeness`: of `--completeness` too)."""

    site_id: str
    region: str
    year: int
    status: CoverageStatus
    report_id: int | None
    published_date: dt.date | None
    due_date: dt.date
    date_source: str | None
    required_sections: int | None = None
    missing_sections: list[str] | None = None


class RunOut(_Shape):
    """A crawl run as `fazhi runs --json` lists it."""

    id: int
    site_id: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    status: RunStatus
    pages_fetched: int
    reports_new: int
    reports_changed: int
    reports_unchanged: int
    reports_removed: int
    skipped: int
    errors: int
    messages: list[str]


class SiteOut(_Shape):
    """A registry site with its health, as `fazhi sites --json` lists it."""

    id: str
    name: str
    region: str
    platform: str
    schedule: str
    next_run_at: dt.datetime | None
    last_run_at: dt.datetime | None
    last_ok_at: dt.datetime | None
    last_status: str | None
    consecutive_failures: int


class _Page(_Shape):
    total: int = Field(description="How many rows the listing has in all.")
    limit: int | None
    offset: int


class ReportPage(_Page):
    items: list[ReportOut]


class VersionPage(_Page):
    items: list[VersionOut]


class CoveragePage(_Page):
    items: list[CoverageRowOut]


class RunPage(_Page):
    items: list[RunOut]


class SitePage(_Page):
    items: list[SiteOut]


class SearchPage(_Shape):
    """A page of search results, best first. A search is not counted in full: `more` says whether a next page has
    any result."""

    items: list[SearchHitOut]
    limit: int
    offset: int
    more: bool


class Problem(_Shape):
    detail: str
