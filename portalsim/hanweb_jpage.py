"""Hanweb JCMS classic ("jpage"): column page with an embedded datastore, POST data proxy, #zoom articles."""

from __future__ import annotations

import math
from urllib.parse import quote

from portalsim import chrome
from portalsim.content import YUHANG_COLUMN
from portalsim.docs import DOCX_TYPE
from portalsim.model import Article
from portalsim.state import SiteState
from portalsim.wire import Request, Response, esc, href_quote, html_response

PER_PAGE = 15
PROXY = "/module/jpage/dataproxy.jsp"
DOWNLOAD = "/module/download/downfile.jsp"


def attachment_href(article: Article) -> str:
    assert article.attachment is not None
    att = article.attachment
    return f"{DOWNLOAD}?classid=0&showname={href_quote(att.filename)}&filename={att.ref}"


def _record(article: Article) -> str:
    li = (
        f'<li><a href="{article.path}" title="{esc(article.title)}" target="_blank">{esc(article.title)}</a>'
        f"<span>{article.published_date.isoformat()}</span></li>"
    )
    return f"<record><![CDATA[{li}]]></record>"


def _column_page(state: SiteState) -> Response:
    spec = state.spec
    listed = state.listed()
    records = "\n".join(_record(a) for a in listed[:PER_PAGE])
    webname = spec.name
    nextgroup = (
        f'<a href="{PROXY}?page=1&appid=1&webid=3101&path=/&columnid={YUHANG_COLUMN}&unitid=8061963'
        f'&webname={quote(webname)}&permissiontype=0"></a>'
    )
    ajax = (
        f"col:1, appid:1, webid:3101, path:'/', columnid:{YUHANG_COLUMN}, sourceContentType:1, "
        f"unitid:8061963, webname:'{webname}', permissiontype:0"
    )
    page = f"""<!DOCTYPE html>
<html><head><meta charset="UTF-8"><title>{chrome.COLUMN_NAME} {esc(spec.name)}</title>
<meta name="SiteName" content="{esc(spec.name)}"><meta name="ColumnName" content="{chrome.COLUMN_NAME}">
<script src="/module/jslib/jquery/jquery.js"></script><script src="/module/jslib/jpage/jpage.js"></script>
</head><body>
{chrome.nav(spec)}
{chrome.breadcrumb()}
<div class="main"><div class="column-title">{chrome.COLUMN_NAME}</div>
<div id="{YUHANG_COLUMN}"><script type="text/xml"><datastore>
<nextgroup><![CDATA[{nextgroup}]]></nextgroup>
<recordset>
{records}
</recordset></datastore></script>
<script>
new JPage({{ proxyUrl:'{PROXY}', perPage:{PER_PAGE}, totalRecord:{len(listed)}, ajaxParam:{{{ajax}}} }});
</script></div></div>
{chrome.footer(spec, produced_by=True)}
</body></html>"""
    return html_response(page, "utf-8", "text/html; charset=UTF-8")


def _proxy(req: Request, state: SiteState) -> Response:
    if req.method != "POST":
        return Response(405, b"Method Not Allowed", "text/plain", {"Allow": "POST"})
    if req.form.get("columnid") != str(YUHANG_COLUMN):
        return Response(400, b"columnid required", "text/plain; charset=UTF-8")
    listed = state.listed()
    try:
        start = max(1, int(req.query.get("startrecord", "1")))
        per = max(1, int(req.query.get("perpage", str(PER_PAGE))))
        end = int(req.query.get("endrecord", str(start + per - 1)))
    except ValueError:
        return Response(400, b"bad record range", "text/plain; charset=UTF-8")
    chosen = listed[:per] if state.list_paging_ignored else listed[start - 1 : max(start - 1, end)]
    records = "\n".join(_record(a) for a in chosen)
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<datastore>'
        f"<totalrecord>{len(listed)}</totalrecord><totalpage>{math.ceil(len(listed) / per)}</totalpage>"
        f"<recordset>\n{records}\n</recordset></datastore>"
    )
    return Response(200, xml.encode("utf-8"), "text/xml; charset=UTF-8")


def _article_page(article: Article, state: SiteState) -> Response:
    spec = state.spec
    charset = state.declared_charset(article.key)
    when = article.published
    attachment = ""
    if article.attachment is not None:
        name = esc(article.attachment.filename)
        attachment = f'<p><a href="{esc(attachment_href(article))}" target="_blank">{name}</a></p>'
    page = f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{esc(article.title)}</title>
<meta name="SiteName" content="{esc(spec.name)}"><meta name="ColumnName" content="{chrome.COLUMN_NAME}">
<meta name="ArticleTitle" content="{esc(article.title)}">
<meta name="PubDate" content="{when:%Y-%m-%d %H:%M}">
<meta name="ContentSource" content="{esc(article.publisher)}">
</head><body>
{chrome.nav(spec)}
{chrome.breadcrumb(article.title)}
<div class="article">
<h1 class="title">{esc(article.title)}</h1>
<div class="info">发布日期：{when:%Y-%m-%d} 来源：{esc(article.publisher)} 浏览次数：<span id="c">1024</span>
{chrome.font_bar()}</div>
<div id="zoom"><!--ZJEG_RSS.content.begin-->
{chrome.body_html(article.text)}
<!--ZJEG_RSS.content.end--></div>
{attachment}
{chrome.share_bar()}
{chrome.tools_bar()}
{chrome.related(state.listed(), article)}
</div>
{chrome.footer(spec, produced_by=True)}
</body></html>"""
    response = html_response(page, spec.encoding, f"text/html; charset={charset}")
    response.last_modified = state.modified(article.key)
    return response


def _download(req: Request, state: SiteState) -> Response | None:
    stored = req.query.get("filename", "")
    for article in state.articles():
        if article.attachment is not None and article.attachment.ref == stored:
            if state.is_removed(article.key):
                return None
            disposition = f"attachment; filename*=UTF-8''{quote(article.attachment.filename)}"
            response = Response(200, state.docx(article), DOCX_TYPE, {"Content-Disposition": disposition})
            response.last_modified = state.modified(article.key)
            return response
    return None


def handle(req: Request, state: SiteState) -> Response | None:
    """Answer a request for this platform, or None for "not found"."""
    if req.path in (state.spec.start_path, f"/col/col{YUHANG_COLUMN}/"):
        return _column_page(state)
    if req.path == PROXY:
        return _proxy(req, state)
    if req.path == DOWNLOAD:
        return _download(req, state)
    article = state.article_at(req.path)
    if article is None:
        return None
    return _article_page(article, state)
