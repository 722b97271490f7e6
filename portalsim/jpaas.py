"""Hanweb JPaaS (2024 on): queryData in the column page, a JSON list gateway, a file-download gateway."""

from __future__ import annotations

import json
from urllib.parse import quote

from portalsim import chrome
from portalsim.content import PUTUO_COLUMN
from portalsim.docs import DOCX_TYPE
from portalsim.model import Article
from portalsim.noise import stable_id
from portalsim.state import SiteState
from portalsim.wire import Request, Response, esc, href_quote, html_response

WEB_ID = "2945"
TPL_SET_ID = "a7c3d1e5f9b24c6e8d0f1a2b3c4d5e6f"
TAG_ID = "信息列表"
LIST_API = "/api-gateway/jpaas-publish-server/front/page/build/unit"
DOWNLOAD = "/api-gateway/jpaas-web-server/front/document/file-download"
_JSON = "application/json;charset=UTF-8"


def attachment_href(article: Article) -> str:
    assert article.attachment is not None
    att = article.attachment
    return f"{DOWNLOAD}?fileUrl={href_quote(att.ref)}&fileName={href_quote(att.filename)}"


def _column_page(state: SiteState) -> Response:
    spec = state.spec
    query = (
        f"{{'parseType':'bulidstatic','webId':'{WEB_ID}','tplSetId':'{TPL_SET_ID}','pageType':'column',"
        f"'tagId':'{TAG_ID}','editType':'null','pageId':'{PUTUO_COLUMN}'}}"
    )
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="UTF-8"><title>{chrome.COLUMN_NAME}-{esc(spec.name)}</title>
<script src="/static/js/jquery.min.js"></script></head><body>
{chrome.nav(spec)}
{chrome.breadcrumb()}
<div class="main"><div class="list-box" id="listBox"></div><div id="pager"></div></div>
<script>
var queryData = {query};
var pageSize = 20;
function loadList(pageNo) {{
  var paramJson = JSON.stringify({{pageNo: pageNo, pageSize: pageSize}});
  $.get('{LIST_API}', $.extend({{}}, queryData, {{paramJson: paramJson}}),
    function (res) {{ if (res.success) {{ $('#listBox').html(res.data.html); }} }});
}}
loadList(1);
</script>
{chrome.footer(spec)}
</body></html>"""
    return html_response(page, "utf-8", "text/html;charset=UTF-8")


def _json(payload: dict[str, object], status: int = 200) -> Response:
    return Response(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), _JSON)


def _list_api(req: Request, state: SiteState) -> Response:
    if not req.headers.get("Referer"):
        return _json({"success": False, "code": 403, "message": "非法请求"}, status=403)
    wrong = req.query.get("webId") != WEB_ID or req.query.get("pageId") != str(PUTUO_COLUMN)
    if wrong or state.list_api_refuses:
        return _json({"success": False, "message": "参数错误"})
    try:
        params = json.loads(req.query.get("paramJson") or "{}")
        page_no = max(1, int(params.get("pageNo", 1)))
        size = max(1, int(params.get("pageSize", 20)))
    except (ValueError, TypeError, AttributeError):
        return _json({"success": False, "message": "参数错误"})
    chosen = state.listed()[(page_no - 1) * size : page_no * size]
    items = "".join(
        f'<li><a class="news" href="{a.path}" title="{esc(a.title)}" target="_blank">{esc(a.title)}</a>'
        f'<span class="time">{a.published_date.isoformat()}</span></li>'
        for a in chosen
    )
    return _json({"success": True, "data": {"html": f'<ul class="news-list">{items}</ul>'}})


def _meta_table(article: Article) -> str:
    index_no = f"001008003002001/{article.published:%Y}-{stable_id('putuo' + article.key, 5)}"
    cells = (
        ("索引号", index_no),
        ("发布机构", article.publisher),
        ("生成日期", article.published.strftime("%Y-%m-%d")),
        ("公开方式", "主动公开"),
    )
    rows = "".join(f"<tr><th>{k}</th><td>{esc(v)}</td></tr>" for k, v in cells)
    return f'<table class="xxgk-meta"><tbody>{rows}</tbody></table>'


def _article_page(article: Article, state: SiteState) -> Response:
    spec = state.spec
    charset = state.declared_charset(article.key)
    if article.attachment_only and article.attachment is not None:
        name = esc(article.attachment.filename)
        body = (
            '<p style="text-indent:2em">详见附件。</p>'
            f'<p>附件：<a href="{esc(attachment_href(article))}" target="_blank">{name}</a></p>'
        )
    else:
        body = chrome.body_html(article.text)
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="{charset}"><title>{esc(article.title)}</title>
<meta name="ArticleTitle" content="{esc(article.title)}">
<meta name="PubDate" content="{article.published:%Y-%m-%d %H:%M}">
</head><body>
{chrome.nav(spec)}
{chrome.breadcrumb(article.title)}
<div class="article-box">
{_meta_table(article)}
<h1 class="article-title">{esc(article.title)}</h1>
<div class="article-info">发布日期：{article.published:%Y-%m-%d} 信息来源：{esc(article.publisher)}
{chrome.font_bar()}</div>
<div class="article-conter">
{body}
</div>
{chrome.share_bar()}
{chrome.tools_bar()}
</div>
{chrome.footer(spec)}
</body></html>"""
    response = html_response(page, spec.encoding, f"text/html;charset={charset}")
    response.last_modified = state.modified(article.key)
    return response


def _download(req: Request, state: SiteState) -> Response | None:
    file_url = req.query.get("fileUrl", "")
    for article in state.articles():
        if article.attachment is not None and article.attachment.ref == file_url:
            if state.is_removed(article.key):
                return None
            disposition = f"attachment; filename*=UTF-8''{quote(article.attachment.filename)}"
            response = Response(200, state.docx(article), DOCX_TYPE, {"Content-Disposition": disposition})
            response.last_modified = state.modified(article.key)
            return response
    return _json({"success": False, "message": "文件不存在或链接已过期"}, status=404)


def handle(req: Request, state: SiteState) -> Response | None:
    """Answer a request for this platform, or None for "not found"."""
    if req.path in (state.spec.start_path, f"/col/col{PUTUO_COLUMN}/"):
        return _column_page(state)
    if req.path == LIST_API:
        return _list_api(req, state)
    if req.path == DOWNLOAD:
        return _download(req, state)
    article = state.article_at(req.path)
    return _article_page(article, state) if article is not None else None
