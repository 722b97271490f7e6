"""TRS WCM: static index_N.html list pages counted by createPageHTML, GBK articles in div.TRS_Editor."""

from __future__ import annotations

import math
import re

from portalsim import chrome
from portalsim.content import DINGHAI_COLUMN
from portalsim.model import Article
from portalsim.state import SiteState
from portalsim.wire import Request, Response, esc, html_response

PER_PAGE = 12
COLUMN_DIR = f"/col/col{DINGHAI_COLUMN}/"
_INDEX = re.compile(r"index(?:_(\d+))?\.html")
_EDITOR_CSS = (
    ".TRS_Editor P{margin-top:0px;margin-bottom:12px;line-height:1.8;font-family:宋体;font-size:12pt;}"
    ".TRS_Editor DIV{margin-top:0px;margin-bottom:12px;line-height:1.8;font-family:宋体;font-size:12pt;}"
    ".TRS_Editor TD{margin-top:0px;margin-bottom:12px;line-height:1.8;font-family:宋体;font-size:12pt;}"
)


def _content_type() -> str:
    # Real TRS servers often send no charset at all; the meta tag (right or wrong) is all there is.
    return "text/html"


def _list_page(state: SiteState, page_no: int) -> Response | None:
    spec = state.spec
    listed = state.listed()
    pages = max(1, math.ceil(len(listed) / PER_PAGE))
    if page_no >= pages:
        return None
    chosen = listed[page_no * PER_PAGE : (page_no + 1) * PER_PAGE]
    items = "\n".join(
        f'<li><a href="{a.list_href}" target="_blank" title="{esc(a.title)}">{esc(a.title)}</a>'
        f'<span class="date">{a.published_date.isoformat()}</span></li>'
        for a in chosen
    )
    page = f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html><head><meta http-equiv="Content-Type" content="text/html; charset={spec.declared_charset}">
<title>{chrome.COLUMN_NAME}_{esc(spec.name)}</title></head><body>
{chrome.nav(spec)}
{chrome.breadcrumb()}
<div class="list"><ul class="list-ul">
{items}
</ul>
<div class="page"><script type="text/javascript">
var countPage = {pages}//共多少页
createPageHTML({pages}, {page_no}, "index", "html");
</script></div></div>
{chrome.footer(spec)}
</body></html>"""
    return html_response(page, spec.encoding, _content_type())


def _article_page(article: Article, state: SiteState) -> Response:
    spec = state.spec
    charset = state.declared_charset(article.key)
    body = chrome.body_html(article.text, ' align="justify" style="text-indent:2em"', nbsp=True)
    page = f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{esc(article.title)}</title>
<meta name="keywords" content="{chrome.COLUMN_NAME}"></head><body>
{chrome.nav(spec)}
{chrome.breadcrumb(article.title)}
<div class="detail">
<div class="title">{esc(article.title)}</div>
<div class="info">发布时间：{article.published:%Y-%m-%d} 来源：{esc(article.publisher)}
【字体：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a>】</div>
<div class="content"><!--<$[信息内容]>begin--><div class="TRS_Editor">
<style type="text/css">{_EDITOR_CSS}</style>
{body}
</div><!--<$[信息内容]>end--></div>
{chrome.share_bar()}
{chrome.tools_bar()}
{chrome.related(state.listed(), article)}
</div>
{chrome.footer(spec)}
</body></html>"""
    response = html_response(page, spec.encoding, _content_type())
    response.last_modified = state.modified(article.key)
    return response


def attachment_href(article: Article) -> str:
    raise ValueError(f"{article.key}: this TRS site publishes no attachments")


def handle(req: Request, state: SiteState) -> Response | None:
    """Answer a request for this platform, or None for "not found"."""
    if req.path.startswith(COLUMN_DIR):
        rest = req.path[len(COLUMN_DIR) :]
        if rest == "":
            return _list_page(state, 0)
        match = _INDEX.fullmatch(rest)
        if match and match.group(1) != "0":
            return _list_page(state, int(match.group(1) or 0))
    article = state.article_at(req.path)
    return _article_page(article, state) if article is not None else None
