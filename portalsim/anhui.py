"""Anhui's 政务公开 platform: 政府信息公开 columns at /public/column/{organ}?type=4&action=list&catId=…, paged by
`pageIndex`, the count in `Ls.pagination({…, pageCount: N})`; `ul.xxgk_nav_list` items; articles at
/public/{organ}/{id}.html with the 索引号 table and the text in `div.j-fontContent`.

Made from what public crawlers of the platform record (the parameters, the paging call, the classes they select);
the page around them is this simulator's own.
"""

from __future__ import annotations

import math

from portalsim import chrome
from portalsim.model import Article
from portalsim.state import SiteState
from portalsim.wire import Request, Response, esc, html_response

PER_PAGE = 15
ORGAN = "6596051"
COLUMN = f"/public/column/{ORGAN}"


def _list_page(req: Request, state: SiteState) -> Response | None:
    spec = state.spec
    if req.query.get("action") != "list":
        return None
    listed = state.listed()
    pages = max(1, math.ceil(len(listed) / PER_PAGE))
    raw = req.query.get("pageIndex", "1")
    page_no = int(raw) if raw.isdigit() else 1
    if state.list_paging_ignored:
        page_no = 1
    if not 1 <= page_no <= pages:
        page_no = pages  # the platform answers its last page for one past it
    chosen = listed[(page_no - 1) * PER_PAGE : page_no * PER_PAGE]
    items = "\n".join(
        f'<li><a href="{a.path}" target="_blank" title="{esc(a.title)}">{esc(a.title)}</a>'
        f'<span class="date">{a.published_date.isoformat()}</span></li>'
        for a in chosen
    )
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="SiteId" content="35444108">
<title>政府信息公开-{esc(spec.name)}</title></head><body>
{chrome.nav(spec)}
{chrome.breadcrumb()}
<div class="xxgk_navcon"><ul class="clearfix xxgk_nav_list">
{items}
</ul><div id="page_public_info"></div></div>
<script>
Ls.pagination({{url: "/public/column/{ORGAN}", data: {{type: 4, action: "list", catId: "{req.query.get("catId", "")}"}},
  pageCount: {pages}, total: {len(listed)}, pageIndex: {page_no}}});
</script>
{chrome.footer(spec)}
</body></html>"""
    return html_response(page, "utf-8", "text/html; charset=utf-8")


def _article_page(article: Article, state: SiteState) -> Response:
    spec = state.spec
    body = chrome.body_html(article.text)
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{esc(article.title)}</title>
<meta name="ArticleTitle" content="{esc(article.title)}">
<meta name="PubDate" content="{article.published:%Y-%m-%d %H:%M}">
<meta name="ContentSource" content="{esc(article.publisher)}"></head><body>
{chrome.nav(spec)}
{chrome.breadcrumb(article.title)}
<div class="gk_container gkwz_container">
<table class="table_suoyin"><tbody>
<tr><th>索引号：</th><td>11340103003{article.published:%Y%m%d}/{article.published.year}-00001</td>
<th>信息分类：</th><td>计划总结</td></tr>
<tr><th>发布机构：</th><td>{esc(article.publisher)}</td><th>生成日期：</th><td>{article.published:%Y-%m-%d}</td></tr>
</tbody></table>
<h1 class="newstitle">{esc(article.title)}</h1>
<div class="wzcon j-fontContent">{body}</div>
{chrome.share_bar()}
</div>
{chrome.footer(spec)}
</body></html>"""
    response = html_response(page, "utf-8", "text/html; charset=utf-8")
    response.last_modified = state.modified(article.key)
    return response


def attachment_href(article: Article) -> str:
    raise ValueError(f"{article.key}: this 政务公开 site publishes no attachments")


def handle(req: Request, state: SiteState) -> Response | None:
    """Answer a request for this platform, or None for "not found"."""
    if req.path == COLUMN:
        return _list_page(req, state)
    article = state.article_at(req.path)
    return _article_page(article, state) if article is not None else None
