"""The HTML pages: reports with filters, a report (a version of it at a citable address), a diff, search, coverage
and sites. Each page reads what the CLI reads and hands the templates plain values; the templates escape them."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from archive.bounds import MAX_ID
from archive.diff import side_by_side, summarize
from archive.errors import BadUsage
from archive.extract.sections import REQUIRED
from archive.query import health
from archive.query.browse import facets
from archive.query.coverage import coverage, unread_sites
from archive.query.national import by_area
from archive.query.reports import get_version, history, list_reports, show_report
from archive.vocab import CoverageStatus
from archive.web.api import run_search
from archive.web.chinamap import province_map
from archive.web.deps import RegistryDep, SessionDep
from archive.web.params import (
    DEFAULT_PAGE_SIZE,
    MAX_QUERY_CHARS,
    PAGE_SIZES,
    AllVersionsParam,
    KindParam,
    LimitParam,
    OffsetParam,
    RegionParam,
    SearchOffset,
    SiteParam,
    SortParam,
    StatusParam,
    YearParam,
)
from archive.web.templating import templates
from archive.web.textview import blocks, snippet_pieces, toc

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

ReportId = Annotated[int, Path(ge=1, le=MAX_ID)]
VersionNo = Annotated[int, Path(ge=1, le=MAX_ID)]
SEARCH_PAGE = 20
RUNS_SHOWN = 30


@router.get("/", name="reports")
def reports_page(
    request: Request,
    session: SessionDep,
    site: SiteParam = None,
    region: RegionParam = None,
    year: YearParam = None,
    kind: KindParam = None,
    status: StatusParam = None,
    sort: SortParam = None,
    limit: LimitParam = DEFAULT_PAGE_SIZE,
    offset: OffsetParam = 0,
) -> Response:
    page = list_reports(
        session, site=site, year=year, kind=kind, status=status, limit=limit, offset=offset, region=region, order=sort
    )
    context = {
        "title": "报告",
        "rows": [r.to_json() for r in page.items],
        "page": page,
        "facets": facets(session),
        "filters": {"site": site, "region": region, "year": year, "kind": kind, "status": status},
        "sort": sort or "site",
        "page_sizes": PAGE_SIZES,
    }
    return templates.TemplateResponse(request, "reports.html", context)


@router.get("/reports/{report_id}", name="report")
def report_page(request: Request, session: SessionDep, report_id: ReportId) -> Response:
    return _report(request, session, report_id, None)


@router.get("/reports/{report_id}/versions/{version}", name="report_version")
def report_version_page(request: Request, session: SessionDep, report_id: ReportId, version: VersionNo) -> Response:
    return _report(request, session, report_id, version)


def _report(request: Request, session: SessionDep, report_id: int, version: int | None) -> Response:
    doc = show_report(session, report_id, version).to_json()
    versions = [v.to_json() for v in history(session, report_id).items]
    source = doc["sections_source"] or ""
    in_text = doc["sections"] if source == "text" else []
    attachments = []
    for i, att in enumerate(doc["attachments"]):
        sections = doc["sections"] if source == f"attachments/{i}" else []
        body = blocks(att["text"] or "", sections, prefix=f"a{i + 1}-p")
        attachments.append({**att, "number": i + 1, "blocks": body, "toc": toc(sections)})
    context = {
        "title": doc["title"],
        "doc": doc,
        "blocks": blocks(doc["text"], in_text),
        "toc": toc(in_text),
        "attachments": attachments,
        "versions": versions,
        "is_latest": doc["version"] == doc["version_count"],
        "required": REQUIRED,
        "cite_path": f"/reports/{report_id}/versions/{doc['version']}",
    }
    return templates.TemplateResponse(request, "report.html", context)


@router.get("/reports/{report_id}/diff", name="diff")
def diff_page(
    request: Request,
    session: SessionDep,
    report_id: ReportId,
    from_version: Annotated[int | None, Query(alias="from", ge=1, le=MAX_ID)] = None,
    to_version: Annotated[int | None, Query(alias="to", ge=1, le=MAX_ID)] = None,
    full: Annotated[bool, Query()] = False,
) -> Response:
    new = get_version(session, report_id, to_version)
    if from_version is None:
        from_version = max(1, new.version - 1)
    old = get_version(session, report_id, from_version)
    doc = show_report(session, report_id, new.version).to_json()
    versions = [v.to_json() for v in history(session, report_id).items]
    same = old.text == new.text
    context = {
        "title": f"{doc['title']}: 第{old.version}版与第{new.version}版的差异",
        "doc": doc,
        "old": {"version": old.version, "fetched_at": old.fetched_at},
        "new": {"version": new.version, "fetched_at": new.fetched_at},
        "rows": [] if same else side_by_side(old.text, new.text, context=None if full else 2),
        "summary": "" if same else summarize(old.text, new.text),
        "same": same,
        "full": full,
        "versions": versions,
    }
    return templates.TemplateResponse(request, "diff.html", context)


@router.get("/search", name="search")
def search_page(
    request: Request,
    session: SessionDep,
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS)] = "",
    site: SiteParam = None,
    region: RegionParam = None,
    year: YearParam = None,
    kind: KindParam = None,
    all_versions: AllVersionsParam = False,
    offset: SearchOffset = 0,
) -> Response:
    context: dict[str, Any] = {
        "title": f"搜索: {q}" if q.strip() else "搜索",
        "q": q,
        "facets": facets(session),
        "filters": {"site": site, "region": region, "year": year, "kind": kind},
        "all_versions": all_versions,
        "results": None,
        "problem": None,
    }
    status = 200
    if q.strip():
        try:
            found = run_search(session, q, site, region, year, kind, all_versions, SEARCH_PAGE, offset)
        except BadUsage as exc:
            context["problem"] = str(exc)
            status = 400
        else:
            doc = found.to_json()
            for hit in doc["items"]:
                hit["pieces"] = snippet_pieces(hit["snippet"], hit["highlight"])
            context["results"] = doc
    return templates.TemplateResponse(request, "search.html", context, status_code=status)


@router.get("/coverage", name="coverage")
def coverage_page(
    request: Request, session: SessionDep, site: SiteParam = None, region: RegionParam = None
) -> Response:
    rows = coverage(session, site=site, region=region)
    years = sorted({r.year for r in rows})
    grid: dict[str, dict[int, Any]] = defaultdict(dict)
    regions: dict[str, str] = {}
    for r in rows:
        grid[r.site_id][r.year] = r
        regions[r.site_id] = r.region
    counts = Counter(r.status for r in rows)
    context = {
        "title": f"{region or ''}年度报告公开情况",
        "years": years,
        "grid": dict(grid),
        "regions": regions,
        "counts": [(str(s), counts.get(s, 0)) for s in CoverageStatus],
        "site": site,
        "region": region,
        "unread": unread_sites(session, grid),
    }
    return templates.TemplateResponse(request, "coverage.html", context)


@router.get("/coverage/areas", name="coverage_areas")
def coverage_areas_page(
    request: Request, session: SessionDep, region: RegionParam = None, year: YearParam = None
) -> Response:
    """The country by province, or a province by city: each area's share of governments that published."""
    by = "city" if region else "province"
    rows = coverage(session, region=region)
    years = sorted({r.year for r in rows})
    chosen = year if year in years else (years[-1] if years else None)
    areas = [a for a in by_area(rows, by) if a.year == chosen]
    context = {
        "title": f"{region or '全国'}年度报告公开情况",
        "region": region,
        "by": by,
        "years": years,
        "year": chosen,
        "areas": [a.to_json() for a in areas],
        "map": province_map({a.area: a.published_share for a in areas}) if by == "province" and areas else None,
    }
    return templates.TemplateResponse(request, "areas.html", context)


@router.get("/sites", name="sites")
def sites_page(request: Request, session: SessionDep, registry: RegistryDep) -> Response:
    context = {
        "title": "站点",
        "sites": [r.to_json() for r in health.site_health(session, registry)],
        "runs": [r.to_json() for r in health.list_runs(session, limit=RUNS_SHOWN).items],
    }
    return templates.TemplateResponse(request, "sites.html", context)
