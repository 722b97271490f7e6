"""List-protocol adapters on saved list pages and API replies modelled on real portals."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit
from urllib.request import Request, urlopen

import pytest

from archive.lists import ADAPTERS, detect_platform, get_adapter
from archive.lists._jsobj import find_object, find_scalar
from archive.lists._text import parse_date
from archive.lists.base import Entry, ListPage, ListParseError, ListRequest

LISTS = Path(__file__).parent / "fixtures" / "lists"

YUHANG_COLUMN = "https://www.yuhang.gov.cn/col/col1229174959/index.html"
YUHANG_PROXY = "https://www.yuhang.gov.cn/module/jpage/dataproxy.jsp"
PUTUO_COLUMN = "https://www.putuo.gov.cn/col/col1487002/index.html"
PUTUO_API = "https://www.putuo.gov.cn/api-gateway/jpaas-publish-server/front/page/build/unit"
XIAOSHAN_LIST = "https://www.xiaoshan.gov.cn/zwgk/fzzfjs/index.html"
SHANGCHENG_LIST = "http://www.hzsc.gov.cn/list.jsp?page=1"

YUHANG_FORM = (
    ("col", "1"), ("appid", "1"), ("webid", "3101"), ("path", "/"), ("columnid", "1229174959"),
    ("sourceContentType", "1"), ("unitid", "8061963"), ("webname", "杭州市余杭区人民政府"),
    ("permissiontype", "0"),
)  # fmt: skip


def fixture(name: str) -> bytes:
    return (LISTS / name).read_bytes()


def parse(platform: str, url: str, name: str, content_type: str | None = None) -> ListPage:
    return get_adapter(platform).parse(url, fixture(name), content_type)


def assert_unique(page: ListPage) -> None:
    urls = [entry.url for entry in page.entries]
    assert len(urls) == len(set(urls)), "an entry was listed twice"


# --- Hanweb jpage -------------------------------------------------------------------------------------


def test_jpage_column_reads_every_datastore_record_once_with_full_titles() -> None:
    page = parse("hanweb-jpage", YUHANG_COLUMN, "jpage_column.html")
    assert len(page.entries) == 15  # 16 records, one a repeated pinned item
    assert_unique(page)
    first = page.entries[0]
    assert first == Entry(
        url="https://www.yuhang.gov.cn/art/2024/3/28/art_1229174959_5990000.html",
        title="杭州市余杭区人民政府关于余杭区2023年法治政府建设年度报告（1）",
        date=dt.date(2024, 3, 28),
    )
    assert all("…" not in entry.title for entry in page.entries)
    # Navigation, menu and footer links are not entries.
    assert all("/art/" in entry.url for entry in page.entries)
    assert page.total_records == 112


def test_jpage_column_plans_proxy_posts_for_all_remaining_records() -> None:
    page = parse("hanweb-jpage", YUHANG_COLUMN, "jpage_column.html")
    referer = (("Referer", YUHANG_COLUMN),)
    assert page.next_requests == (
        ListRequest(f"{YUHANG_PROXY}?startrecord=16&endrecord=60&perpage=15", "POST", YUHANG_FORM, referer),
        ListRequest(f"{YUHANG_PROXY}?startrecord=61&endrecord=105&perpage=15", "POST", YUHANG_FORM, referer),
        ListRequest(f"{YUHANG_PROXY}?startrecord=106&endrecord=112&perpage=15", "POST", YUHANG_FORM, referer),
    )


def test_jpage_reply_yields_its_records_and_no_further_requests() -> None:
    url = f"{YUHANG_PROXY}?startrecord=16&endrecord=60&perpage=15"
    page = parse("hanweb-jpage", url, "jpage_reply.xml", "text/xml; charset=UTF-8")
    assert len(page.entries) == 45
    assert_unique(page)
    assert page.entries[0].title.endswith("（16）")
    assert page.entries[-1].url == "https://www.yuhang.gov.cn/art/2024/2/23/art_1229174959_5989941.html"
    assert page.next_requests == ()
    assert page.total_records == 112
    assert page.notes == ()


def test_jpage_reply_notes_a_short_answer() -> None:
    url = f"{YUHANG_PROXY}?startrecord=16&endrecord=70&perpage=15"
    page = parse("hanweb-jpage", url, "jpage_reply.xml")
    assert len(page.entries) == 45
    assert any("should hold 55" in note for note in page.notes)


def test_jpage_nextgroup_variant_pages_by_number() -> None:
    url = "https://www.yuhang.gov.cn/col/col1229500001/index.html"
    page = parse("hanweb-jpage", url, "jpage_nextgroup.html")
    assert len(page.entries) == 10
    proxy = "https://www.yuhang.gov.cn/module/web/jpage/dataproxy.jsp"
    form = (
        ("appid", "1"), ("webid", "3101"), ("path", "/"), ("columnid", "1229500001"), ("unitid", "5021399"),
        ("webname", "余杭"), ("permissiontype", "0"),
    )  # fmt: skip
    headers = (("Referer", url),)
    assert page.next_requests == (
        ListRequest(f"{proxy}?page=2&startrecord=11&endrecord=20&perpage=10", "POST", form, headers),
        ListRequest(f"{proxy}?page=3&startrecord=21&endrecord=23&perpage=10", "POST", form, headers),
    )
    assert page.total_records == 23
    assert page.notes == ("no perPage given: assumed 10",)


def test_jpage_plain_list_fallback_without_datastore() -> None:
    html = """<html><body><ul class="nav"><li><a href="/">首页</a></li>
    <li><a href="/zwgk/">政务公开</a></li></ul>
    <ul class="list"><li><a href="/art/2023/3/1/art_1_1.html" title="报告一">报告…</a>
    <span>[2023-03-01]</span></li>
    <li><a href="/art/2023/2/1/art_1_2.html">报告二</a><span>2023/02/01</span></li>
    <li><a href="javascript:void(0)">更多</a></li><li><a href="#">顶部</a></li></ul></body></html>"""
    page = get_adapter("hanweb-jpage").parse(YUHANG_COLUMN, html.encode())
    assert [(e.title, e.date) for e in page.entries] == [
        ("报告一", dt.date(2023, 3, 1)),
        ("报告二", dt.date(2023, 2, 1)),
    ]
    assert page.next_requests == ()


def test_jpage_html_error_page_where_xml_expected_raises() -> None:
    body = "<html><head><title>404 Not Found</title></head><body>页面不存在</body></html>".encode()
    with pytest.raises(ListParseError) as caught:
        get_adapter("hanweb-jpage").parse(f"{YUHANG_PROXY}?startrecord=16&endrecord=60&perpage=15", body)
    message = str(caught.value)
    assert "expected a Hanweb dataproxy XML reply" in message
    assert "<html><head><title>404 Not Found" in message


def test_jpage_reply_without_datastore_raises() -> None:
    with pytest.raises(ListParseError, match=r"expected a <datastore>.*got: <\?xml"):
        get_adapter("hanweb-jpage").parse(YUHANG_PROXY, b'<?xml version="1.0"?><error>busy</error>')


def test_jpage_column_page_with_no_list_raises() -> None:
    with pytest.raises(ListParseError, match="expected a Hanweb column page"):
        get_adapter("hanweb-jpage").parse(YUHANG_COLUMN, "<html><body>系统维护中</body></html>".encode())


# --- Hanweb JPaaS -------------------------------------------------------------------------------------


def test_jpaas_column_plans_the_first_gateway_call() -> None:
    page = parse("hanweb-jpaas", PUTUO_COLUMN, "jpaas_column.html")
    assert page.entries == ()
    assert page.next_requests == (
        ListRequest(
            f"{PUTUO_API}?parseType=bulidstatic&webId=2945&tplSetId=a7c3d1e5f9b24c6e8d0f1a2b3c4d5e6f"
            "&pageType=column&tagId=%E4%BF%A1%E6%81%AF%E5%88%97%E8%A1%A8&editType=null&pageId=1487002"
            "&paramJson=%7B%22pageNo%22%3A1%2C%22pageSize%22%3A20%7D",
            headers=(("Referer", PUTUO_COLUMN),),
        ),
    )


def test_jpaas_column_with_separate_variables() -> None:
    url = "https://www.shengsi.gov.cn/col/col1601203/index.html"
    (request,) = parse("hanweb-jpaas", url, "jpaas_column_vars.html").next_requests
    parts = urlsplit(request.url)
    assert parts.path == "/api-gateway/jpaas-publish-server/front/page/build/unit"
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert query == {
        "parseType": "bulidstatic", "webId": "3113", "tplSetId": "5f0e2b9c4d7a4e1fa3b6c8d9e0f1a2b3",
        "pageType": "column", "tagId": "部门列表", "editType": "null", "pageId": "1601203",
        "paramJson": '{"pageNo":1,"pageSize":15}',
    }  # fmt: skip
    assert request.headers == (("Referer", url),)


def test_jpaas_reply_entries_and_next_page() -> None:
    first = (
        f"{PUTUO_API}?parseType=bulidstatic&webId=2945&tplSetId=a7c3&pageType=column&tagId=%E4%BF%A1"
        "&editType=null&pageId=1487002&paramJson=%7B%22pageNo%22%3A1%2C%22pageSize%22%3A20%7D"
    )
    page = parse("hanweb-jpaas", first, "jpaas_reply.json", "application/json;charset=UTF-8")
    assert len(page.entries) == 20  # the pager's script links are not entries
    assert_unique(page)
    assert page.entries[0].url.startswith("https://www.putuo.gov.cn/col/col1487002/art/2024/art_9f3a00")
    assert page.entries[0].title == "杭州市余杭区人民政府关于余杭区2023年法治政府建设年度报告（1）"
    assert page.entries[-1].url == "https://www.putuo.gov.cn/art/2023/12/9/art_1487002_4119.html"
    assert page.entries[-1].date == dt.date(2024, 2, 9)
    assert page.next_requests == (ListRequest(first.replace("pageNo%22%3A1", "pageNo%22%3A2")),)


def test_jpaas_empty_reply_ends_the_list() -> None:
    url = f"{PUTUO_API}?webId=2945&paramJson=%7B%22pageNo%22%3A7%7D"
    page = parse("hanweb-jpaas", url, "jpaas_reply_empty.json")
    assert page == ListPage()


def test_jpaas_refusal_is_a_visible_error() -> None:
    page = parse("hanweb-jpaas", f"{PUTUO_API}?webId=1", "jpaas_reply_error.json")
    assert page.error is not None and "参数错误" in page.error
    assert page.entries == () and page.next_requests == ()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"success": true, "data": {"html": "<li>', "expected JSON from the JPaaS list API"),
        (b"<html><body>412 Precondition Failed</body></html>", "expected a JSON reply from the JPaaS"),
        (b'{"success": true, "data": []}', "expected data.html"),
    ],
)
def test_jpaas_bad_replies_raise(body: bytes, expected: str) -> None:
    with pytest.raises(ListParseError, match=expected) as caught:
        get_adapter("hanweb-jpaas").parse(f"{PUTUO_API}?webId=2945", body)
    assert body.decode()[:20] in str(caught.value)


def test_jpaas_column_without_parameters_raises() -> None:
    body = b"<html><body><div class='list'></div><script>var x = 1;</script></body></html>"
    with pytest.raises(ListParseError, match="expected JPaaS list parameters"):
        get_adapter("hanweb-jpaas").parse(PUTUO_COLUMN, body)


# --- TRS ----------------------------------------------------------------------------------------------


def test_trs_gbk_list_entries_resolved_and_sidebar_ignored() -> None:
    raw = fixture("trs_index.html")
    assert "萧山".encode("gbk") in raw  # the fixture really is GBK
    page = parse("trs", XIAOSHAN_LIST, "trs_index.html", "text/html")
    assert len(page.entries) == 20  # both halves of the split list, none of the news sidebar
    assert_unique(page)
    assert page.entries[0] == Entry(
        url="https://www.xiaoshan.gov.cn/zwgk/fzzfjs/202403/t20240320_4512300.html",
        title="杭州市萧山区人民政府关于萧山区2023年法治政府建设年度报告（1）",
        date=dt.date(2024, 3, 20),
    )
    assert not any("/xwdt/" in entry.url for entry in page.entries)


def test_trs_first_page_plans_the_other_pages_once() -> None:
    page = parse("trs", XIAOSHAN_LIST, "trs_index.html")
    base = "https://www.xiaoshan.gov.cn/zwgk/fzzfjs/"
    assert page.next_requests == tuple(ListRequest(f"{base}index_{n}.html") for n in (1, 2, 3))
    later = parse("trs", f"{base}index_3.html", "trs_index_3.html")
    assert later.next_requests == ()
    assert len(later.entries) == 20


def test_trs_count_page_variable_and_directory_url() -> None:
    body = """<html><body><ul><li><a href="./202401/t20240105_1.html">一</a><span>2024-01-05</span></li></ul>
    <script>var countPage = 3;var currentPage = 0;</script></body></html>""".encode()
    page = get_adapter("trs").parse("http://sfj.example.gov.cn/fzzf/", body)
    assert [r.url for r in page.next_requests] == [
        "http://sfj.example.gov.cn/fzzf/index_1.html",
        "http://sfj.example.gov.cn/fzzf/index_2.html",
    ]
    assert page.entries[0].url == "http://sfj.example.gov.cn/fzzf/202401/t20240105_1.html"


def test_trs_non_html_raises() -> None:
    with pytest.raises(ListParseError, match="expected a TRS list page"):
        get_adapter("trs").parse(XIAOSHAN_LIST, b"Service Unavailable")


# --- static -------------------------------------------------------------------------------------------


def test_static_gbk_table_list_follows_next_page() -> None:
    page = parse("static", SHANGCHENG_LIST, "static_page1.html", "text/html; charset=GBK")
    assert len(page.entries) == 12
    assert_unique(page)
    assert page.entries[0] == Entry(
        url="http://www.hzsc.gov.cn/art/2024/3/28/art_8800.html",
        title="杭州市上城区人民政府关于上城区2023年法治政府建设年度报告（1）",
        date=dt.date(2024, 3, 28),
    )
    assert page.next_requests == (ListRequest("http://www.hzsc.gov.cn/list.jsp?page=2"),)


def test_static_stops_at_last_page() -> None:
    page = parse("static", "http://www.hzsc.gov.cn/list.jsp?page=3", "static_page3.html")
    assert len(page.entries) == 6
    assert page.next_requests == ()


def test_static_symbol_next_link_with_title() -> None:
    page = parse("static", "http://www.dinghai.gov.cn/tzgg/index.html", "static_symbols.html")
    dates = [entry.date for entry in page.entries]
    assert dates == [dt.date(2023, 3, 15), dt.date(2023, 3, 1), dt.date(2023, 2, 1)]
    assert page.next_requests == (ListRequest("http://www.dinghai.gov.cn/tzgg/index_2.html"),)


def test_static_numbered_pages_without_next_word() -> None:
    body = """<html><body><ul class="list"><li><a href="a.html">甲</a> 2024-01-02</li>
    <li><a href="b.html">乙</a> 2024-01-01</li></ul>
    <div><a href="list_1.html">1</a> <a href="list_2.html">2</a> <a href="list_3.html">3</a></div>
    </body></html>"""
    adapter = get_adapter("static")
    first = adapter.parse("http://x.gov.cn/fz/list_1.html", body.encode())
    assert first.next_requests == (ListRequest("http://x.gov.cn/fz/list_2.html"),)
    last = adapter.parse("http://x.gov.cn/fz/list_3.html", body.encode())
    assert last.next_requests == ()


def test_static_disabled_next_link_ends_the_list() -> None:
    body = """<html><body><ul><li><a href="/a.html">甲</a><span>2024-01-02</span></li></ul>
    <a href="javascript:void(0)">下一页</a></body></html>"""
    assert get_adapter("static").parse("http://x.gov.cn/list.jsp?page=4", body.encode()).next_requests == ()


# --- detection and registry ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "url", "platform"),
    [
        ("jpage_column.html", YUHANG_COLUMN, "hanweb-jpage"),
        ("jpage_nextgroup.html", "https://www.yuhang.gov.cn/col/col1229500001/index.html", "hanweb-jpage"),
        ("jpage_reply.xml", YUHANG_PROXY, "hanweb-jpage"),
        ("jpaas_column.html", PUTUO_COLUMN, "hanweb-jpaas"),
        ("jpaas_column_vars.html", "https://www.shengsi.gov.cn/col/col1601203/index.html", "hanweb-jpaas"),
        ("jpaas_reply.json", f"{PUTUO_API}?webId=2945", "hanweb-jpaas"),
        ("trs_index.html", XIAOSHAN_LIST, "trs"),
        ("static_page1.html", SHANGCHENG_LIST, "static"),
        ("static_symbols.html", "http://www.dinghai.gov.cn/tzgg/index.html", "static"),
    ],
)
def test_detect_platform(name: str, url: str, platform: str) -> None:
    assert detect_platform(url, fixture(name)) == platform


def test_registry_and_unknown_platform() -> None:
    assert set(ADAPTERS) == {"hanweb-jpage", "hanweb-jpaas", "trs", "gkmlpt", "ucap", "anhui-public", "static"}
    assert all(get_adapter(name).name == name for name in ADAPTERS)
    with pytest.raises(ValueError, match=r"unknown list platform 'auto'.*hanweb-jpage"):
        get_adapter("auto")


# --- shared readers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-14", dt.date(2024, 3, 14)),
        ("[2022-01-19]", dt.date(2022, 1, 19)),
        ("发布于 2023/4/2 浏览", dt.date(2023, 4, 2)),
        ("2023年3月1日", dt.date(2023, 3, 1)),
        ("2023年 12 月 31 日", dt.date(2023, 12, 31)),
        ("2023年法治政府建设年度报告", None),
        ("2023-13-40", None),
        ("20240314", None),
    ],
)
def test_parse_date(text: str, expected: dt.date | None) -> None:
    assert parse_date(text) == expected


def test_js_object_reader_handles_js_syntax_without_evaluating() -> None:
    script = """new JPage({ proxyUrl:"/module/jpage/dataproxy.jsp", /* note */ perPage:15,
      render: function (a) { return {x: a, y: '}'}; }, label: 'it\\'s', total: count + 1,
      ajaxParam: {webname: '余杭' + '区', path: '/', ids: [1, 'two']} });"""
    found = find_object(script, re.compile(r"new\s+JPage\s*\("))
    assert found == {
        "proxyUrl": "/module/jpage/dataproxy.jsp",
        "perPage": "15",
        "label": "it's",
        "ajaxParam": {"webname": "余杭区", "path": "/", "ids": ["1", "two"]},
    }
    assert find_scalar("var tplSetId = 'abc'; var webId=2945;", "webId") == "2945"
    assert find_scalar("var mywebId = 1;", "webId") is None


# --- against the portal simulator ---------------------------------------------------------------------


def _fetch(request: ListRequest) -> tuple[bytes, str | None]:
    """One list request over loopback, as the spider would send it."""
    data = urlencode(request.formdata).encode() if request.method == "POST" else None
    sent = Request(request.url, data=data, headers=dict(request.headers), method=request.method)
    with urlopen(sent, timeout=10) as response:  # the simulator listens on 127.0.0.1 only
        return response.read(), response.headers.get("Content-Type")


def _walk(platform: str, start_url: str) -> list[Entry]:
    """Every entry of a column, following the adapter's requests; a follow-up without a Referer keeps
    the one of the request that led to it (what the spider must do for JPaaS gateways)."""
    adapter = get_adapter(platform)
    queue = [ListRequest(start_url)]
    entries: list[Entry] = []
    while queue:
        request = queue.pop(0)
        body, content_type = _fetch(request)
        page = adapter.parse(request.url, body, content_type)
        assert page.error is None, f"{request.url}: {page.error}"
        entries += page.entries
        queue += [
            follow if follow.headers else replace(follow, headers=request.headers) for follow in page.next_requests
        ]
        assert len(entries) < 1000, "the list never ends"
    return entries


def test_adapters_walk_every_simulated_column() -> None:
    portalsim = pytest.importorskip("portalsim")
    from portalsim.content import SPECS

    with portalsim.PortalSim(sites=list(SPECS)) as sim:  # the default sites and those asked for by name
        assert {site.platform for site in sim.sites} == set(ADAPTERS)
        for site in sim.sites:
            start, content_type = _fetch(ListRequest(site.start_url))
            assert detect_platform(site.start_url, start, content_type) == site.platform, site.start_url
            entries = _walk(site.platform, site.start_url)
            urls = [entry.url for entry in entries]
            listed = {report.url for report in sim.expected_reports(site.id)}
            listed |= {noise.url for noise in sim.noise_entries(site.id)}
            assert len(urls) == len(set(urls)), f"{site.id}: an entry was read twice"
            assert set(urls) == listed, site.id
            assert all(entry.title and entry.date for entry in entries), site.id


@pytest.mark.parametrize(
    ("platform", "url", "script"),
    [
        ("trs", "https://x.gov.cn/col/col1/index.html", 'createPageHTML(999999999, 0, "index", "html");'),
        ("ucap", "https://x.gov.cn/x/c1/list.shtml", "createPageHTML('page_div', 999999999, 1, 'list', 'shtml', 9);"),
        ("anhui-public", "https://x.gov.cn/public/column/1?action=list", "Ls.pagination({pageCount: 999999999});"),
    ],
)
def test_a_page_count_past_belief_is_cut_before_a_billion_requests_are_planned(
    platform: str, url: str, script: str
) -> None:
    from archive.lists.base import MAX_PLANNED_PAGES

    item = '<li><a href="/art/{n}.html">关于某事的通知（{n}）</a> <span>2024-03-0{n}</span></li>'
    items = "".join(item.format(n=n) for n in (1, 2))
    body = f'<html><body><ul class="list">{items}</ul><script>{script}</script></body></html>'.encode()
    page = get_adapter(platform).parse(url, body)
    assert len(page.entries) == 2
    assert len(page.next_requests) == MAX_PLANNED_PAGES - 1
    assert any("999,999,999" in note for note in page.notes)
