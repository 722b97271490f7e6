"""The API's response documents, for /openapi.json: the result records themselves (archive.records), so that the
API, its schema and the CLI's `--json` have one definition. The tests check every response against the schema."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from archive.query.coverage import CoverageRow
from archive.query.health import RunRecord, SiteHealth
from archive.query.national import AreaCoverage
from archive.query.paging import Page
from archive.query.reports import ReportDetail, ReportRecord, VersionRecord
from archive.search.find import SearchPage

__all__ = [
    "AreaPage",
    "CoveragePage",
    "Problem",
    "ReportDetail",
    "ReportPage",
    "RunPage",
    "SearchPage",
    "SitePage",
    "VersionPage",
]

ReportPage = Page[ReportRecord]
VersionPage = Page[VersionRecord]
CoveragePage = Page[CoverageRow]
RunPage = Page[RunRecord]
SitePage = Page[SiteHealth]
AreaPage = Page[AreaCoverage]


class Problem(BaseModel):
    """Why a request was refused."""

    model_config = ConfigDict(extra="forbid")

    detail: str
