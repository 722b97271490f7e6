"""Page chrome the portals wrap around report text (nav, breadcrumbs, share bars, footers) and body markup."""

from __future__ import annotations

from portalsim.docs import blocks
from portalsim.model import Article, SiteSpec
from portalsim.wire import esc

COLUMN_NAME = "法治政府建设"


def body_html(text: str, p_attrs: str = ' style="text-indent:2em"', nbsp: bool = False) -> str:
    """Clean text as portal markup: one <p> per paragraph, tab-separated rows as a <table>.

    With `nbsp`, spaces are written as &nbsp; and long paragraphs get a trailing one, as some editors do;
    the clean text has a plain space there and nothing at the end.
    """
    parts: list[str] = []
    for block in blocks(text):
        if isinstance(block, str):
            inner = esc(block).replace(" ", "&nbsp;") if nbsp else esc(block)
            tail = "&nbsp;" if nbsp and len(block) > 40 else ""
            parts.append(f"<p{p_attrs}>{inner}{tail}</p>")
            continue
        rows = "".join("<tr>" + "".join(f"<td>{esc(cell)}</td>" for cell in row) + "</tr>" for row in block)
        parts.append(f'<table border="1" cellspacing="0" cellpadding="0"><tbody>{rows}</tbody></table>')
    return "\n".join(parts)


def nav(spec: SiteSpec) -> str:
    items = ["首页", "要闻动态", "政务公开", "政务服务", "互动交流", f"走进{spec.short}"]
    links = "".join(f'<li><a href="/">{item}</a></li>' for item in items)
    return (
        f'<div class="header"><div class="logo"><a href="/">{esc(spec.name)}</a></div>'
        f'<div class="tools"><a href="/">无障碍</a> | <a href="/">长者版</a> | <a href="/">English</a></div>'
        f'<ul class="nav">{links}</ul></div>'
    )


def breadcrumb(title: str | None = None, sep: str = "&gt;") -> str:
    # Portals cut long titles short in the breadcrumb: a stray, truncated copy of the title.
    tail = f" {sep} <span>{esc(title[:17])}</span>" if title else ""
    return (
        f'<div class="crumb">当前位置：<a href="/">首页</a> {sep} <a href="/">政务公开</a> {sep} '
        f'<a href="index.html">{COLUMN_NAME}</a>{tail}</div>'
    )


def share_bar(label: str = "分享到：") -> str:
    buttons = "".join(
        f'<a href="javascript:void(0)" class="share-{cls}" title="{name}"></a>'
        for cls, name in (("wx", "微信"), ("wb", "微博"), ("qz", "QQ空间"))
    )
    return f'<div class="share">{label}{buttons}</div>'


def tools_bar() -> str:
    return (
        '<div class="art-tools"><a href="javascript:scroll(0,0)">【返回顶部】</a> '
        '<a href="javascript:window.print()">【打印本页】</a> '
        '<a href="javascript:window.close()">【关闭窗口】</a></div>'
    )


def font_bar() -> str:
    return (
        '<span class="font">字号:[ <a href="javascript:doZoom(18)">大</a> '
        '<a href="javascript:doZoom(16)">中</a> '
        '<a href="javascript:doZoom(14)">小</a> ]</span>'
    )


def related(articles: list[Article], current: Article) -> str:
    others = [a for a in articles if a.key != current.key and not a.private][:5]
    items = "".join(f'<li><a href="{esc(a.path)}" target="_blank">{esc(a.title)}</a></li>' for a in others)
    return f'<div class="related"><h3>相关链接</h3><ul>{items}</ul></div>'


def footer(spec: SiteSpec, produced_by: bool = False) -> str:
    code = spec.division_code
    hanweb = '<p class="produced">Produced By 大汉网络 大汉版通发布系统</p>' if produced_by else ""
    return (
        '<div class="footer">'
        '<p><a href="/">网站地图</a> | <a href="/">联系我们</a> | <a href="/">隐私声明</a></p>'
        f"<p>主办单位：{esc(spec.name)}办公室 承办单位：{esc(spec.short)}大数据发展管理中心</p>"
        f"<p>网站标识码：{code}0001 浙ICP备05012345号-1 "
        f'<a href="http://www.beian.gov.cn/">浙公网安备 {code}02000123号</a></p>'
        f"{hanweb}</div>"
    )


def challenge_page() -> str:
    """What anti-bot products answer with 412: a script that sets a cookie and reloads."""
    return (
        '<html><head><meta charset="utf-8"></head><body><script>'
        "var _0x3a=['__jsl_clearance_s','=1700000000.123|0|','location'];"
        "document.cookie=_0x3a[0]+_0x3a[1]+btoa(navigator.userAgent).slice(0,16)+';max-age=3600;path=/';"
        "window[_0x3a[2]].href=window[_0x3a[2]].pathname+window[_0x3a[2]].search;"
        "</script></body></html>"
    )
