"""A portal's 政府信息公开 tree and its site search, switched on per site with PortalSim.open_disclosure().

Shaped like the Hanweb portals of Zhejiang: a disclosure index page whose menu leads, through a 法定主动公开内容
branch, to a leaf column 法治政府建设年度报告 (a `<datastore>` list, as on the classic platform) among columns
that hold other things; and `module/xxgk/search.jsp`, which answers the articles whose title holds the words
of `vc_title`, ten to a page with 下一页 links. Reports filed only in the leaf (PortalSim.publish(where="tree"))
or found only by the search (where="search") are what a crawler reading the registry's column alone misses.
"""

from __future__ import annotations

import math
from urllib.parse import quote

from portalsim import chrome
from portalsim.model import Article
from portalsim.state import SiteState
from portalsim.wire import Request, Response, esc, html_response

TREE_ROOT = "/col/col1229400000/index.html"
BRANCH = "/col/col1229400001/index.html"
LEAF = "/col/col1229400002/index.html"
OTHER = "/col/col1229400003/index.html"  # 财政预决算: a column of the tree that holds no reports
SEARCH = "/module/xxgk/search.jsp"
PER_PAGE = 10


def _page(state: SiteState, title: str, body: str) -> Response:
    spec = state.spec
    page = f"""<!DOCTYPE html>
<html><head><meta charset="UTF-8"><title>{esc(title)} {esc(spec.name)}</title></head><body>
{chrome.nav(spec)}
<div class="xxgk-menu"><ul>
<li><a href="{TREE_ROOT}">政府信息公开</a></li>
<li><a href="{BRANCH}">法定主动公开内容</a></li>
<li><a href="{OTHER}">财政预决算</a></li>
<li><a href="/col/col1229400004/index.html">人事信息</a></li>
</ul></div>
<div class="main"><h2>{esc(title)}</h2>
{body}
</div>
{chrome.footer(spec, produced_by=True)}
</body></html>"""
    return html_response(page, "utf-8", "text/html; charset=UTF-8")


def _record(article: Article) -> str:
    li = (
        f'<li><a href="{article.path}" title="{esc(article.title)}" target="_blank">{esc(article.title)}</a>'
        f"<span>{article.published_date.isoformat()}</span></li>"
    )
    return f"<record><![CDATA[{li}]]></record>"


def _leaf(state: SiteState) -> Response:
    records = "\n".join(_record(a) for a in state.filed_in_tree())
    store = f"<datastore><recordset>\n{records}\n</recordset></datastore>"
    body = f'<div id="leaf"><script type="text/xml">{store}</script></div>'
    return _page(state, "法治政府建设年度报告", body)


def _search(req: Request, state: SiteState) -> Response:
    words = req.query.get("vc_title", "").strip()
    found = [a for a in state.searchable() if words and words in a.title]
    try:
        page_no = max(1, int(req.query.get("currpage", "1")))
    except ValueError:
        page_no = 1
    pages = max(1, math.ceil(len(found) / PER_PAGE))
    rows = "\n".join(
        f'<tr><td><a href="{a.path}" target="_blank">{esc(a.title)}</a></td>'
        f"<td>{a.published_date.isoformat()}</td></tr>"
        for a in found[(page_no - 1) * PER_PAGE : page_no * PER_PAGE]
    )
    query = f"{SEARCH}?texttype=0&fbtime=-1&vc_title={quote(words)}"
    pager = [f'<a href="{query}&currpage=1">首页</a>']
    if page_no < pages:
        pager.append(f'<a href="{query}&currpage={page_no + 1}">下一页</a>')
    pager.append(f'<a href="{query}&currpage={pages}">尾页</a>')
    body = (
        f'<p class="summary">共找到 {len(found)} 条结果</p><table class="result">{rows}</table>'
        f'<div class="pager">{" ".join(pager)}</div>'
    )
    return _page(state, "信息公开检索", body)


def handle(req: Request, state: SiteState) -> Response | None:
    """The disclosure tree's pages and the search, or None for any other path."""
    if req.path == TREE_ROOT:
        return _page(state, "政府信息公开", '<p><a href="/col/col1229400005/index.html">政府信息公开指南</a></p>')
    if req.path == BRANCH:
        links = (
            f'<ul><li><a href="{LEAF}">法治政府建设年度报告</a></li>'
            f'<li><a href="/col/col1229400006/index.html">机构职能</a></li></ul>'
        )
        return _page(state, "法定主动公开内容", links)
    if req.path == LEAF:
        return _leaf(state)
    if req.path == OTHER:
        return _page(state, "财政预决算", "<ul><li>暂无信息</li></ul>")
    if req.path == SEARCH:
        return _search(req, state)
    return None
