"""A plain old portal: GBK list.jsp?page=N pages with 下一页 / 尾页 links and static article pages."""

from __future__ import annotations

import math

from portalsim import chrome
from portalsim.model import Article
from portalsim.state import SiteState
from portalsim.wire import Request, Response, esc, html_response

PER_PAGE = 10
LIST = "/list.jsp"


def _content_type(charset: str) -> str:
    return f"text/html; charset={charset.upper()}"


def _pager(page_no: int, pages: int) -> str:
    links = [f'<a href="{LIST}?page=1">首页</a>']
    if page_no > 1:
        links.append(f'<a href="{LIST}?page={page_no - 1}">上一页</a>')
    if page_no < pages:
        links.append(f'<a href="{LIST}?page={page_no + 1}">下一页</a>')
    links.append(f'<a href="{LIST}?page={pages}">尾页</a>')
    return f'<div class="pager">共{pages}页 当前第{page_no}页 {" ".join(links)}</div>'


def _list_page(state: SiteState, page_no: int) -> Response:
    spec = state.spec
    listed = state.listed()
    pages = max(1, math.ceil(len(listed) / PER_PAGE))
    chosen = listed[(page_no - 1) * PER_PAGE : page_no * PER_PAGE]
    rows = "\n".join(
        f'<tr><td class="t"><a href="{a.path}" target="_blank">{esc(a.title)}</a></td>'
        f'<td class="d">[{a.published_date.isoformat()}]</td></tr>'
        for a in chosen
    )
    page = f"""<html><head><meta charset="{spec.declared_charset}">
<title>{chrome.COLUMN_NAME}--{esc(spec.name)}</title></head><body>
{chrome.nav(spec)}
{chrome.breadcrumb()}
<table class="list" width="100%">
{rows}
</table>
{_pager(page_no, pages)}
{chrome.footer(spec)}
</body></html>"""
    return html_response(page, spec.encoding, _content_type(spec.declared_charset))


def _article_page(article: Article, state: SiteState) -> Response:
    spec = state.spec
    charset = state.declared_charset(article.key)
    page = f"""<html><head><meta charset="{charset}"><title>{esc(article.title)}</title></head><body>
{chrome.nav(spec)}
{chrome.breadcrumb(article.title)}
<table class="article" width="100%"><tr><td class="title"><h2>{esc(article.title)}</h2></td></tr>
<tr><td class="info">发布时间：{article.published:%Y-%m-%d %H:%M} 来源：{esc(article.publisher)}
<a href="javascript:window.print()">[打印]</a> <a href="javascript:window.close()">[关闭]</a></td></tr>
<tr><td class="content"><div class="article-content">
{chrome.body_html(article.text, "")}
</div></td></tr></table>
{chrome.share_bar("分享:")}
{chrome.related(state.listed(), article)}
{chrome.footer(spec)}
</body></html>"""
    response = html_response(page, spec.encoding, _content_type(charset))
    response.last_modified = state.modified(article.key)
    return response


def attachment_href(article: Article) -> str:
    raise ValueError(f"{article.key}: this site publishes no attachments")


def handle(req: Request, state: SiteState) -> Response | None:
    """Answer a request for this platform, or None for "not found"."""
    if req.path in (LIST, "/", "/index.html"):
        try:
            page_no = max(1, int(req.query.get("page", "1")))
        except ValueError:
            page_no = 1
        return _list_page(state, page_no)
    article = state.article_at(req.path)
    return _article_page(article, state) if article is not None else None
