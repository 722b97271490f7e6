"""Guangdong's 政府信息公开 platform (gkmlpt): a script-built index page whose `window._CONFIG` holds the site id
and the catalogue tree, a JSON list API of a hundred articles a page, server-rendered `post_N.html` articles.

Made from what public crawlers of the platform record of it (the API's URL and fields, the `_CONFIG` keys, the
article page's classes); the markup around them is this simulator's own.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re

from portalsim import chrome
from portalsim.model import Article
from portalsim.state import SiteState
from portalsim.wire import Request, Response, esc, html_response

PER_PAGE = 100
SID = "200106"
REPORTS = 2105  # the catalogue the reports are filed under
# The catalogue tree as `_CONFIG.TREE` gives it: id, name, children (a node with jump_url links elsewhere).
TREE = [
    {"id": 2101, "name": "机构职能", "children": []},
    {
        "id": 2102,
        "name": "规划计划",
        "children": [
            {"id": 2104, "name": "发展规划", "children": []},
            {"id": REPORTS, "name": "计划总结", "children": []},
        ],
    },
    {"id": 2103, "name": "政务服务", "jump_url": "https://www.gdzwfw.gov.cn/", "children": []},
]
_API = re.compile(r"/gkmlpt/api/all/(\d+)")
_CST = dt.timezone(dt.timedelta(hours=8))


def post_path(post_id: int) -> str:
    """Where an article lives: /gkmlpt/content/{id // 1000000}/{id // 1000}/post_{id}.html."""
    return f"/gkmlpt/content/{post_id // 1_000_000}/{post_id // 1000}/post_{post_id}.html"


def _config(extra: str = "") -> str:
    tree = json.dumps(TREE, ensure_ascii=False)
    return f"<script>window._CONFIG = {{SID: '{SID}', {extra}TREE: {tree}, SERVICE_AREA_ID: 1}};</script>"


def _index(state: SiteState) -> Response:
    spec = state.spec
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>政府信息公开_{esc(spec.name)}</title>
<link href="/gkmlpt/gkml/pc/css/app.css" rel="stylesheet"></head><body>
{chrome.nav(spec)}
<div id="app"></div>
{_config()}
<script src="/gkmlpt/gkml/pc/js/chunk-common.js"></script>
{chrome.footer(spec)}
</body></html>"""
    return html_response(page, "utf-8", "text/html; charset=utf-8")


def _post_id(article: Article) -> int:
    return int(article.path.rsplit("_", 1)[1].split(".")[0])


def _list(req: Request, state: SiteState, catalogue: int) -> Response:
    if req.query.get("sid") != SID:
        return Response(200, b'{"code":400,"msg":"sid error"}', "application/json")
    listed = state.listed() if catalogue == REPORTS else []
    raw = req.query.get("page", "1")
    page = max(1, int(raw)) if raw.isdigit() else 1  # page 0 is page 1, as on the platform
    if state.list_paging_ignored:
        page = 1
    chosen = listed[(page - 1) * PER_PAGE : page * PER_PAGE]
    reply = {
        "classify": {"id": catalogue, "name": "计划总结", "parent": 2102, "post_count": len(listed)},
        "articles": [
            {
                "id": _post_id(a),
                "title": a.title,
                "url": f"http://{req.headers.get('Host', '127.0.0.1')}{a.path}",
                "date": int(dt.datetime.combine(a.published_date, dt.time(), _CST).timestamp()),
                "created_at": f"{a.published:%Y-%m-%d %H:%M:%S}",
                "publisher": a.publisher,
                "identifier": f"11440106007502{_post_id(a) % 10000:04d}/{a.published.year}-{_post_id(a) % 1000:05d}",
                "document_number": "",
                "attachment": [],
            }
            for a in chosen
        ],
        "pages": math.ceil(len(listed) / PER_PAGE),
    }
    return Response(200, json.dumps(reply, ensure_ascii=False).encode("utf-8"), "application/json;charset=UTF-8")


def _article(article: Article, state: SiteState) -> Response:
    spec = state.spec
    body = chrome.body_html(article.text)
    detail = json.dumps({"id": _post_id(article), "title": article.title}, ensure_ascii=False)
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{esc(article.title)}</title></head><body>
{chrome.nav(spec)}
<div class="content-container">
<table class="info-table"><tbody>
<tr><td>索引号：</td><td class="td-value-xl"><span>114401060075020/{article.published.year}-00001</span></td>
<td>分类：</td><td class="td-value"><span>计划总结</span></td></tr>
<tr><td>发布机构：</td><td class="td-value"><span>{esc(article.publisher)}</span></td>
<td>成文日期：</td><td class="td-value"><span>{article.published:%Y-%m-%d}</span></td></tr>
<tr><td>名称：</td><td class="td-value-xl" colspan="3"><span>{esc(article.title)}</span></td></tr>
</tbody></table>
<div class="content-box">
<h1 class="title">{esc(article.title)}</h1>
<div class="date-row">发布日期：{article.published:%Y-%m-%d}</div>
<div class="article-content">{body}</div>
<div class="op-row">{chrome.share_bar()}</div>
</div></div>
{chrome.footer(spec)}
{_config(f"DETAIL: {detail}, ")}
</body></html>"""
    response = html_response(page, "utf-8", "text/html; charset=utf-8")
    response.last_modified = state.modified(article.key)
    return response


def attachment_href(article: Article) -> str:
    raise ValueError(f"{article.key}: this gkmlpt site publishes no attachments")


def handle(req: Request, state: SiteState) -> Response | None:
    """Answer a request for this platform, or None for "not found"."""
    if req.path in ("/gkmlpt/index", "/gkmlpt/policy", "/gkmlpt/mindex"):
        return _index(state)
    if (match := _API.fullmatch(req.path)) is not None:
        return _list(req, state, int(match.group(1)))
    article = state.article_at(req.path)
    return _article(article, state) if article is not None else None
