"""Ucap (开普云): static `.shtml` column lists under /{site}/c{N}/ paged `list.shtml`, `list_2.shtml` … by
`createPageHTML('page_div', pages, current, 'list', 'shtml', records)`, articles in `<UCAPCONTENT>`.

Made from what public crawlers of such portals record (the paging script's arguments, the list and article markup
they select); the page around them is this simulator's own.
"""

from __future__ import annotations

import math
import re

from portalsim import chrome
from portalsim.model import Article
from portalsim.state import SiteState
from portalsim.wire import Request, Response, esc, html_response

PER_PAGE = 15
COLUMN_DIR = "/hrbdl/c100123/"
_LIST = re.compile(r"list(?:_(\d+))?\.shtml")


def _list_page(state: SiteState, page_no: int) -> Response | None:
    spec = state.spec
    listed = state.listed()
    pages = max(1, math.ceil(len(listed) / PER_PAGE))
    if state.list_paging_ignored:
        page_no = 1
    if not 1 <= page_no <= pages:
        return None
    chosen = listed[(page_no - 1) * PER_PAGE : page_no * PER_PAGE]
    items = "\n".join(
        f'<li><a href="{a.path}" target="_blank" title="{esc(a.title)}">{esc(a.title)}</a>'
        f'<span class="time">{a.published_date.isoformat()}</span></li>'
        for a in chosen
    )
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="channelid" content="100123">
<title>{chrome.COLUMN_NAME}-{esc(spec.name)}</title></head><body>
{chrome.nav(spec)}
{chrome.breadcrumb()}
<div class="list-main"><ul id="list">
{items}
</ul>
<div id="page_div"></div>
<script>createPageHTML('page_div', {pages}, {page_no}, 'list', 'shtml', {len(listed)});</script></div>
{chrome.footer(spec)}
</body></html>"""
    return html_response(page, "utf-8", "text/html; charset=utf-8")


def _article_page(article: Article, state: SiteState) -> Response:
    spec = state.spec
    body = chrome.body_html(article.text)
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{esc(article.title)}</title>
<meta name="ArticleTitle" content="{esc(article.title)}">
<meta name="PubDate" content="{article.published:%Y-%m-%d %H:%M}">
<meta name="ContentSource" content="{esc(article.publisher)}"><meta name="ColumnName" content="{chrome.COLUMN_NAME}">
</head><body>
{chrome.nav(spec)}
{chrome.breadcrumb(article.title)}
<div class="article">
<h1><UCAPTITLE>{esc(article.title)}</UCAPTITLE></h1>
<div class="info">发布时间：{article.published:%Y-%m-%d %H:%M} 来源：{esc(article.publisher)}</div>
<div id="zoomcon"><UCAPCONTENT>{body}</UCAPCONTENT></div>
{chrome.share_bar()}
</div>
{chrome.footer(spec)}
</body></html>"""
    response = html_response(page, "utf-8", "text/html; charset=utf-8")
    response.last_modified = state.modified(article.key)
    return response


def attachment_href(article: Article) -> str:
    raise ValueError(f"{article.key}: this Ucap site publishes no attachments")


def handle(req: Request, state: SiteState) -> Response | None:
    """Answer a request for this platform, or None for "not found"."""
    if req.path.startswith(COLUMN_DIR) and (match := _LIST.fullmatch(req.path[len(COLUMN_DIR) :])) is not None:
        if match.group(1) in ("0", "1"):
            return None  # the first page has no number
        return _list_page(state, int(match.group(1) or 1))
    article = state.article_at(req.path)
    return _article_page(article, state) if article is not None else None
