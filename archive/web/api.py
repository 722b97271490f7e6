"""The JSON API under /api/: the documents of the CLI's `--json`, from the same query functions, a page at a time.

Listings come as `{items, total, limit, offset}` (archive.query.paging.Page), each item exactly a row of the CLI's list;
search as `{items, limit, offset, more}`, since a search is ranked, not counted.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from archive.bounds import MAX_ID
from archive.query import health
from archive.query.coverage import coverage
from archive.query.national import by_area
from archive.query.paging import Page, check_window
from archive.query.reports import history, list_reports, show_report
from archive.search.find import DEFAULT_LIMIT
from archive.search.find import search as search_reports
from archive.web.deps import RegistryDep, SessionDep
from archive.web.params import (
    DEFAULT_PAGE_SIZE,
    AllVersionsParam,
    KindParam,
    LimitParam,
    OffsetParam,
    RegionParam,
    SearchLimit,
    SearchOffset,
    SearchQuery,
    SinceParam,
    SiteParam,
    SortParam,
    StatusParam,
    YearParam,
)
from archive.web.schemas import (
    AreaPage,
    CoveragePage,
    Problem,
    ReportDetail,
    ReportPage,
    RunPage,
    SearchPage,
    SitePage,
    VersionPage,
)

router = APIRouter(prefix="/api", tags=["api"], responses={400: {"model": Problem}, 404: {"model": Problem}})

ReportId = Annotated[int, Path(ge=1, le=MAX_ID, description="The report's id.")]


def _page(rows: list[dict[str, Any]], limit: int, offset: int) -> dict[str, Any]:
    """A page of a listing the query layer returns whole (coverage rows): small, so cut here."""
    check_window(limit, offset)
    return {"items": rows[offset : offset + limit], "total": len(rows), "limit": limit, "offset": offset}


@router.get("/reports", response_model=ReportPage, summary="Archived reports (`fazhi reports --json`)")
def reports(
    session: SessionDep,
    site: SiteParam = None,
    region: RegionParam = None,
    year: YearParam = None,
    kind: KindParam = None,
    status: StatusParam = None,
    since: SinceParam = None,
    sort: SortParam = None,
    limit: LimitParam = DEFAULT_PAGE_SIZE,
    offset: OffsetParam = 0,
) -> JSONResponse:
    page = list_reports(
        session,
        site=site,
        year=year,
        kind=kind,
        status=status,
        since=since,
        limit=limit,
        offset=offset,
        region=region,
        order=sort,
    )
    return JSONResponse(page.to_json())


@router.get("/reports/{report_id}", response_model=ReportDetail, summary="One report (`fazhi show --json`)")
def report(
    session: SessionDep,
    report_id: ReportId,
    version: Annotated[int | None, Query(ge=1, le=MAX_ID, description="This version, not the latest.")] = None,
) -> JSONResponse:
    return JSONResponse(show_report(session, report_id, version).to_json())


@router.get(
    "/reports/{report_id}/history", response_model=VersionPage, summary="A report's versions (`fazhi history --json`)"
)
def report_history(
    session: SessionDep, report_id: ReportId, limit: LimitParam = DEFAULT_PAGE_SIZE, offset: OffsetParam = 0
) -> JSONResponse:
    return JSONResponse(history(session, report_id, limit, offset).to_json())


@router.get("/search", response_model=SearchPage, summary="Full-text search (`fazhi search --json`)")
def search(
    session: SessionDep,
    q: SearchQuery,
    site: SiteParam = None,
    region: RegionParam = None,
    year: YearParam = None,
    kind: KindParam = None,
    all_versions: AllVersionsParam = False,
    limit: SearchLimit = DEFAULT_LIMIT,
    offset: SearchOffset = 0,
) -> JSONResponse:
    return JSONResponse(run_search(session, q, site, region, year, kind, all_versions, limit, offset).to_json())


def run_search(
    session: Session,
    q: str,
    site: str | None,
    region: str | None,
    year: int | None,
    kind: str | None,
    all_versions: bool,
    limit: int,
    offset: int,
) -> SearchPage:
    """One page of results: the search asked for one more than the page ends at, to know whether more follow."""
    found = search_reports(
        session,
        q,
        site=site,
        year=year,
        kind=kind,
        region=region,
        limit=offset + limit + 1,
        all_versions=all_versions,
    )
    return SearchPage(tuple(found[offset : offset + limit]), limit, offset, more=len(found) > offset + limit)


@router.get("/coverage", response_model=CoveragePage, summary="Who published when (`fazhi coverage --json`)")
def coverage_rows(
    session: SessionDep,
    site: SiteParam = None,
    year: YearParam = None,
    completeness: Annotated[bool, Query(description="Also count each report's required sections.")] = False,
    limit: LimitParam = DEFAULT_PAGE_SIZE,
    offset: OffsetParam = 0,
) -> JSONResponse:
    rows = coverage(session, year=year, site=site, completeness=completeness)
    return JSONResponse(_page([r.to_dict(completeness) for r in rows], limit, offset))


@router.get(
    "/coverage/areas",
    response_model=AreaPage,
    summary="Coverage per province or city (`fazhi coverage --by province --json`)",
)
def coverage_areas(
    session: SessionDep,
    by: Annotated[Literal["province", "city"], Query(description="Count per province, or per city.")] = "province",
    region: RegionParam = None,
    year: YearParam = None,
    limit: LimitParam = DEFAULT_PAGE_SIZE,
    offset: OffsetParam = 0,
) -> JSONResponse:
    areas = by_area(coverage(session, year=year, region=region), by)
    check_window(limit, offset)
    return JSONResponse(Page(tuple(areas[offset : offset + limit]), len(areas), limit, offset).to_json())


@router.get("/runs", response_model=RunPage, summary="Crawl runs, newest first (`fazhi runs --json`)")
def runs(
    session: SessionDep,
    site: SiteParam = None,
    since: SinceParam = None,
    limit: LimitParam = DEFAULT_PAGE_SIZE,
    offset: OffsetParam = 0,
) -> JSONResponse:
    return JSONResponse(health.list_runs(session, site=site, limit=limit, offset=offset, since=since).to_json())


@router.get("/sites", response_model=SitePage, summary="Sites and their health (`fazhi sites --json`)")
def sites(
    session: SessionDep, registry: RegistryDep, limit: LimitParam = DEFAULT_PAGE_SIZE, offset: OffsetParam = 0
) -> JSONResponse:
    # Health costs a few queries per site: only the sites of this page are looked at.
    rows = health.site_health(session, registry[offset : offset + limit])
    return JSONResponse(Page(tuple(rows), len(registry), limit, offset).to_json())
