"""The portal simulator speaks each list protocol as specified, over real loopback HTTP."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from email.utils import format_datetime
from pathlib import Path

import docx
import lxml.html
import pytest
import yaml
from docx.table import Table
from docx.text.paragraph import Paragraph

from portalsim import ExpectedReport, PortalSim

ROOT = Path(__file__).resolve().parents[1]
UA = "Mozilla/5.0 (X11; Linux x86_64) fazhi-test"
_CDATA_LI = re.compile(r"<record><!\[CDATA\[(.*?)\]\]></record>", re.S)


@pytest.fixture
def sim() -> Iterator[PortalSim]:
    with PortalSim() as running:
        yield running


def fetch(url: str, data: dict[str, object] | None = None, headers: dict[str, str] | None = None):
    """(status, headers, body) of one request; HTTP errors are answers too."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers={"User-Agent": UA, **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def get_ok(url: str, **kw: object) -> bytes:
    status, _, body = fetch(url, **kw)  # type: ignore[arg-type]
    assert status == 200, (url, status)
    return body


def page_text(body: bytes, encoding: str, container_xpath: str) -> str:
    """The paragraphs and table rows under one container, as a perfect extractor joins them.

    A non-breaking space is whitespace like any other: a plain space inside, nothing at the ends.
    """
    root = lxml.html.fromstring(body.decode(encoding))
    (container,) = root.xpath(container_xpath)
    lines: list[str] = []
    for el in container.iter("p", "tr"):
        if el.tag == "tr":
            lines.append("\t".join(td.text_content().strip() for td in el.iter("td")))
        elif el.getparent() is not None and el.getparent().tag != "td":
            text = el.text_content().replace("\xa0", " ").strip(" \u3000\n")
            if text:
                lines.append(text)
    return "\n".join(lines)


def docx_text(data: bytes) -> str:
    """Paragraphs and table rows (cells joined by tabs) in body order."""
    document = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    for el in document.element.body.iterchildren():
        if el.tag.endswith("}p"):
            text = Paragraph(el, document).text.strip()
            if text:
                lines.append(text)
        elif el.tag.endswith("}tbl"):
            lines.extend("\t".join(c.text for c in row.cells) for row in Table(el, document).rows)
    return "\n".join(lines)


def report(sim: PortalSim, site_id: str, key: str) -> ExpectedReport:
    return next(r for r in sim.expected_reports(site_id) if r.key == key)


def listed_urls(sim: PortalSim, site_id: str) -> set[str]:
    reports = {r.url for r in sim.expected_reports(site_id) if not r.removed}
    return reports | {n.url for n in sim.noise_entries(site_id)}


# -- Hanweb jpage ------------------------------------------------------------------------------------


def _jpage_params(page: str) -> tuple[str, int, int, dict[str, str]]:
    m = re.search(r"proxyUrl:'([^']+)', perPage:(\d+), totalRecord:(\d+), ajaxParam:\{([^}]*)\}", page)
    assert m, "JPage call missing"
    params = dict((k.strip(), v.strip().strip("'")) for k, v in (p.split(":", 1) for p in m.group(4).split(", ")))
    return m.group(1), int(m.group(2)), int(m.group(3)), params


def test_jpage_column_page_ships_first_records_in_datastore(sim: PortalSim) -> None:
    site = sim.site("yuhang")
    page = get_ok(site.start_url).decode("utf-8")
    store = re.search(r'<script type="text/xml"><datastore>(.*?)</datastore></script>', page, re.S)
    assert store, "datastore script missing"
    assert "/module/jpage/dataproxy.jsp?page=1&appid=1&webid=3101" in store.group(1)
    records = _CDATA_LI.findall(store.group(1))
    assert len(records) == 15
    art = re.compile(r'href="(?:/private)?/art/\d{4}/\d+/\d+/art_1229174959_\d+\.html"')
    assert all(art.search(r) for r in records)
    proxy, per_page, total, params = _jpage_params(page)
    assert (proxy, per_page, total) == ("/module/jpage/dataproxy.jsp", 15, 40)
    assert params["columnid"] == "1229174959" and params["webname"] == "杭州市余杭区人民政府"
    assert "Produced By 大汉网络 大汉版通发布系统" in page and "网站标识码" in page


def test_jpage_proxy_paging_covers_every_entry_exactly_once(sim: PortalSim) -> None:
    site = sim.site("yuhang")
    page = get_ok(site.start_url).decode("utf-8")
    proxy, per_page, total, params = _jpage_params(page)
    seen: list[str] = []
    for start in range(1, total + 1, per_page):
        end = start + per_page - 1
        url = f"{site.base_url}{proxy}?startrecord={start}&endrecord={end}&perpage={per_page}"
        xml = get_ok(url, data=params).decode("utf-8")
        assert f"<totalrecord>{total}</totalrecord><totalpage>3</totalpage>" in xml
        seen += [re.search(r'href="([^"]+)"', li).group(1) for li in _CDATA_LI.findall(xml)]  # type: ignore[union-attr]
    assert len(seen) == len(set(seen)) == total
    assert {site.base_url + path for path in seen} == listed_urls(sim, "yuhang")
    grouped = get_ok(f"{site.base_url}{proxy}?startrecord=1&endrecord=45&perpage=15", data=params).decode()
    assert len(_CDATA_LI.findall(grouped)) == total


def test_jpage_proxy_refuses_wrong_requests(sim: PortalSim) -> None:
    base = sim.site("yuhang").base_url + "/module/jpage/dataproxy.jsp?startrecord=1&endrecord=15&perpage=15"
    assert fetch(base, data={"webid": "3101"})[0] == 400
    assert fetch(base, data={"columnid": "1"})[0] == 400
    assert fetch(base)[0] == 405


def test_jpage_article_page_and_docx_attachment(sim: PortalSim) -> None:
    rep = report(sim, "yuhang", "report-2023")
    body = get_ok(rep.url)
    page = body.decode("utf-8")
    assert f'<meta name="ArticleTitle" content="{rep.title}">' in page
    assert rep.title == "杭州市余杭区人民政府关于余杭区2023年法治政府建设年度报告"
    assert '<meta name="PubDate" content="2024-03-14 10:20">' in page
    assert "<!--ZJEG_RSS.content.begin-->" in page and "【返回顶部】" in page and "分享到" in page
    assert page_text(body, "utf-8", '//div[@id="zoom"]') == rep.text
    assert rep.text.startswith("2023年,余杭区法治政府建设工作") and rep.text.count("\n") == 34
    (att,) = rep.attachments
    assert att.filename == "杭州市余杭区人民政府关于余杭区2023年法治政府建设年度报告.docx"
    assert att.url.removeprefix(sim.site("yuhang").base_url) in page.replace("&amp;", "&")
    status, headers, data = fetch(att.url)
    assert status == 200 and headers["Content-Type"].endswith("wordprocessingml.document")
    assert docx_text(data) == rep.text


# -- TRS -------------------------------------------------------------------------------------------


def test_trs_list_pages_are_gbk_and_counted(sim: PortalSim) -> None:
    site = sim.site("dinghai")
    hrefs: list[str] = []
    for n, name in enumerate(["index.html", "index_1.html", "index_2.html"]):
        status, headers, body = fetch(urllib.parse.urljoin(site.start_url, name))
        assert status == 200 and headers["Content-Type"] == "text/html"
        page = body.decode("gbk")
        assert 'content="text/html; charset=gb2312"' in page
        assert f'createPageHTML(3, {n}, "index", "html");' in page and "var countPage = 3" in page
        hrefs += re.findall(r'<a href="(\./\d{6}/t\d{8}_\d+\.html)"', page)
    assert fetch(urllib.parse.urljoin(site.start_url, "index_3.html"))[0] == 404
    urls = [urllib.parse.urljoin(site.start_url, h) for h in hrefs]
    assert len(urls) == len(set(urls)) == 36
    assert set(urls) == listed_urls(sim, "dinghai")


def test_trs_article_needs_gbk_not_gb2312(sim: PortalSim) -> None:
    rep = report(sim, "dinghai", "report-2023")
    body = get_ok(rep.url)
    with pytest.raises(UnicodeDecodeError):
        body.decode("gb2312")
    page = body.decode("gbk")
    assert "喆" in rep.text and "喆" in page
    assert re.search(r'<div class="TRS_Editor">\s*<style type="text/css">\.TRS_Editor P\{', page)
    assert "<!--<$[信息内容]>begin-->" in page and "发布时间：2024-03-20" in page
    assert "“7&nbsp;*24”" in page and "“7 *24”" in rep.text and "\xa0" not in rep.text
    assert f'<div class="title">{rep.title}</div>' in page
    assert page_text(body, "gbk", '//div[@class="TRS_Editor"]') == rep.text
    assert rep.text.endswith("特此报告。\n舟山市定海区人民政府\n2024年3月20日")
    assert not rep.text.startswith(rep.title)


def test_related_report_is_the_renda_investigation(sim: PortalSim) -> None:
    rep = report(sim, "dinghai", "renda-2021")
    assert (rep.kind, rep.year, rep.published_date.isoformat()) == ("related", None, "2022-01-19")
    body = get_ok(rep.url)
    assert page_text(body, "gbk", '//div[@class="TRS_Editor"]') == rep.text


# -- JPaaS -----------------------------------------------------------------------------------------


def _jpaas_api(sim: PortalSim, page_no: int, **overrides: str) -> str:
    site = sim.site("putuo")
    page = get_ok(site.start_url).decode("utf-8")
    m = re.search(r"var queryData = (\{[^}]*\});", page)
    assert m, "queryData missing"
    query = json.loads(m.group(1).replace("'", '"'))
    assert query["parseType"] == "bulidstatic" and query["pageId"] == "1229698471"
    query.update(overrides)
    query["paramJson"] = json.dumps({"pageNo": page_no, "pageSize": 20})
    api = "/api-gateway/jpaas-publish-server/front/page/build/unit?" + urllib.parse.urlencode(query)
    return site.base_url + api


def test_jpaas_list_api_pages_and_errors(sim: PortalSim) -> None:
    site = sim.site("putuo")
    ref = {"Referer": site.start_url}
    status, _, body = fetch(_jpaas_api(sim, 1))
    assert status == 403 and json.loads(body)["success"] is False, "the gateway wants a Referer"
    assert json.loads(get_ok(_jpaas_api(sim, 1, webId="1"), headers=ref)) == {
        "success": False,
        "message": "参数错误",
    }
    urls: list[str] = []
    counts = []
    for page_no in (1, 2, 3):
        reply = json.loads(get_ok(_jpaas_api(sim, page_no), headers=ref))
        assert reply["success"] is True
        links = re.findall(r'<li><a class="news" href="([^"]+)"', reply["data"]["html"])
        counts.append(len(links))
        urls += [site.base_url + u for u in links]
    assert counts == [20, 5, 0]
    assert set(urls) == listed_urls(sim, "putuo") and len(urls) == 25


def test_jpaas_attachment_only_report(sim: PortalSim) -> None:
    rep = report(sim, "putuo", "report-2023")
    assert rep.attachment_only and rep.published_date.isoformat() == "2024-03-25"
    body = get_ok(rep.url)
    page = body.decode("utf-8")
    assert page_text(body, "utf-8", '//div[@class="article-conter"]').startswith("详见附件。")
    for label in ("索引号", "发布机构", "生成日期", "公开方式"):
        assert f"<th>{label}</th>" in page
    (att,) = rep.attachments
    assert att.filename == "舟山市普陀区人民政府关于2023年法治政府建设工作情况的报告.docx"
    assert "fileName=" in att.url and "/front/document/file-download?" in att.url
    data = get_ok(att.url)
    text = docx_text(data)
    # Pinned zip times: the same text is the same bytes (and ETag) in every run of the simulator.
    assert {i.date_time for i in zipfile.ZipFile(io.BytesIO(data)).infolist()} == {(2024, 1, 1, 0, 0, 0)}
    assert text == rep.text
    assert "指标\t2022年\t2023年" in text and "二、存在的不足和原因" in text
    bad = att.url.replace("fileUrl=", "fileUrl=x")
    assert fetch(bad)[0] == 404


def test_pointer_twins_read_alike_and_differ_in_their_attachments(sim: PortalSim) -> None:
    before = {r.key for r in sim.expected_reports("putuo")}
    keys = sim.add_pointer_twins("putuo")
    twins = [report(sim, "putuo", k) for k in keys]
    texts = [page_text(get_ok(t.url), "utf-8", '//div[@class="article-conter"]').split("\n")[0] for t in twins]
    assert texts == ["详见附件。", "详见附件。"]
    files = [get_ok(t.attachments[0].url) for t in twins]
    assert files[0] != files[1] and [docx_text(f) for f in files] == [t.text for t in twins]
    assert all(t.attachment_only and t.kind == "department_report" and t.year == 2023 for t in twins)
    sim.fail("putuo", twins[0].attachments[0].url, status=503, times=1)
    assert [fetch(twins[0].attachments[0].url)[0] for _ in range(2)] == [503, 200]
    sim.reset("putuo")
    assert {r.key for r in sim.expected_reports("putuo")} == before
    with pytest.raises(ValueError, match="putuo"):
        sim.add_pointer_twins("yuhang")


# -- static ----------------------------------------------------------------------------------------


def test_static_list_follows_next_links(sim: PortalSim) -> None:
    site = sim.site("shangcheng")
    url: str | None = site.start_url
    urls: list[str] = []
    pages = 0
    while url:
        page = get_ok(url).decode("gbk")
        assert '<meta charset="gbk">' in page and "尾页" in page
        urls += [urllib.parse.urljoin(url, h) for h in re.findall(r'<td class="t"><a href="([^"]+)"', page)]
        nxt = re.search(r'<a href="([^"]+)">下一页</a>', page)
        url = urllib.parse.urljoin(url, nxt.group(1)) if nxt else None
        pages += 1
    assert pages == 3 and len(urls) == len(set(urls)) == 25
    assert set(urls) == listed_urls(sim, "shangcheng")
    rep = report(sim, "shangcheng", "report-2021")
    assert rep.title == "关于上城区法治政府建设工作情况的报告" and rep.text.startswith("2021年,")
    assert page_text(get_ok(rep.url), "gbk", '//div[@class="article-content"]') == rep.text


# -- expected data ---------------------------------------------------------------------------------


def test_expected_reports_are_clean(sim: PortalSim) -> None:
    reports = sim.expected_reports()
    assert {(r.site_id, r.kind, r.year) for r in reports} == {
        ("yuhang", "annual_report", 2023),
        ("yuhang", "department_report", 2021),
        ("dinghai", "annual_report", 2023),
        ("dinghai", "related", None),
        ("putuo", "annual_report", 2023),
        ("shangcheng", "annual_report", 2021),
    }
    for r in reports:
        for chrome in ("分享", ".docx", "Produced By", "【返回顶部】", "发布日期", "当前位置"):
            assert chrome not in r.text, (r.key, chrome)
        assert "\n\n" not in r.text and r.text == r.text.strip()
        assert r.text.split("\n")[0] != r.title
    noise = sim.noise_entries("yuhang")
    assert len(noise) == 38 and sum(n.robots_disallowed for n in noise) == 1
    assert any(n.title.endswith("法治政府建设工作要点") for n in noise)


# -- controls --------------------------------------------------------------------------------------


def test_conditional_get_and_correction_in_place(sim: PortalSim) -> None:
    rep = report(sim, "yuhang", "bureau-2021")
    status, headers, _ = fetch(rep.url)
    etag, modified = headers["ETag"], headers["Last-Modified"]
    assert status == 200 and etag and modified
    assert fetch(rep.url, headers={"If-None-Match": etag})[0] == 304
    assert fetch(rep.url, headers={"If-Modified-Since": modified})[0] == 304
    sim.set_article_text("yuhang", "bureau-2021", rep.text + "\n(本文有更正)")
    status, headers, body = fetch(rep.url, headers={"If-None-Match": etag})
    assert status == 200 and headers["ETag"] != etag
    assert "(本文有更正)" in body.decode("utf-8")
    assert fetch(rep.url, headers={"If-Modified-Since": modified})[0] == 200
    assert report(sim, "yuhang", "bureau-2021").text.endswith("(本文有更正)")
    assert rep.url == report(sim, "yuhang", "bureau-2021").url


def test_correcting_an_attachment_report_changes_the_file(sim: PortalSim) -> None:
    rep = report(sim, "putuo", "report-2023")
    old = get_ok(rep.attachments[0].url)
    sim.set_article_text("putuo", "report-2023", rep.text.replace("1287件", "1290件"))
    assert "1290件" in docx_text(get_ok(rep.attachments[0].url)) and old != get_ok(rep.attachments[0].url)


def test_fail_answers_then_recovers(sim: PortalSim) -> None:
    site = sim.site("dinghai")
    sim.fail("dinghai", "/col/col1229007109/index_1.html", status=503, times=2)
    url = urllib.parse.urljoin(site.start_url, "index_1.html")
    assert [fetch(url)[0] for _ in range(3)] == [503, 503, 200]
    assert fetch(site.start_url)[0] == 200


def test_extra_attachment_link_and_redirect_to_another_host(sim: PortalSim) -> None:
    rep = report(sim, "yuhang", "report-2023")
    elsewhere = sim.url("putuo", "/internal/x.docx").replace("//127.0.0.1:", "//localhost:")
    sim.add_attachment_link("yuhang", rep.key, elsewhere, "内部.docx")
    page = get_ok(rep.url).decode("utf-8")
    assert f'<a href="{elsewhere}">内部.docx</a>' in page
    assert page.index(elsewhere) > page.index('id="zoom"') and page.rstrip().endswith("</body></html>")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect())
    sim.redirect("yuhang", rep.attachments[0].url, elsewhere)
    with pytest.raises(urllib.error.HTTPError) as answer:
        opener.open(rep.attachments[0].url, timeout=10)
    assert answer.value.code == 302 and answer.value.headers["Location"] == elsewhere
    assert sim.requests("putuo") == []  # the simulator only says where; it never goes there itself
    sim.reset("yuhang")
    assert elsewhere not in get_ok(rep.url).decode("utf-8")
    assert fetch(rep.attachments[0].url)[0] == 200


def test_block_answers_412_challenge(sim: PortalSim) -> None:
    site = sim.site("putuo")
    sim.block("putuo")
    for url in (site.start_url, site.base_url + "/robots.txt"):
        status, _, body = fetch(url)
        assert status == 412 and b"<script>" in body and b"document.cookie" in body
    sim.unblock("putuo")
    assert fetch(site.start_url)[0] == 200


def test_remove_article_404_and_410(sim: PortalSim) -> None:
    rep = report(sim, "yuhang", "report-2023")
    sim.remove_article("yuhang", "report-2023")
    assert fetch(rep.url)[0] == 404
    assert fetch(rep.attachments[0].url)[0] == 404
    assert rep.url not in {
        sim.site("yuhang").base_url + p
        for p in re.findall(r'href="(/art/[^"]+)"', get_ok(sim.site("yuhang").start_url).decode())
    }
    assert report(sim, "yuhang", "report-2023").removed
    sim.remove_article("dinghai", "renda-2021", status=410)
    assert fetch(report(sim, "dinghai", "renda-2021").url)[0] == 410


def test_stop_site_refuses_connections_then_restarts_on_same_port(sim: PortalSim) -> None:
    site = sim.site("shangcheng")
    sim.stop_site("shangcheng")
    with pytest.raises(urllib.error.URLError) as err:
        urllib.request.urlopen(site.start_url, timeout=5)
    assert isinstance(err.value.reason, ConnectionRefusedError)
    sim.start_site("shangcheng")
    assert sim.site("shangcheng").base_url == site.base_url
    assert fetch(site.start_url)[0] == 200


def test_mislabelled_encoding(sim: PortalSim) -> None:
    rep = report(sim, "yuhang", "bureau-2021")
    honest = get_ok(rep.url)
    sim.mislabel_encoding("yuhang", "bureau-2021", "gb2312")
    status, headers, body = fetch(rep.url)
    assert status == 200 and headers["Content-Type"] == "text/html; charset=gb2312"
    assert 'charset=gb2312">' in body.decode("utf-8")
    assert honest.decode("utf-8").split("<title>")[1] == body.decode("utf-8").split("<title>")[1]


def test_robots_and_request_log(sim: PortalSim) -> None:
    for site in sim.sites:
        status, _, body = fetch(site.base_url + "/robots.txt")
        assert (status, body) == (200, b"User-agent: *\nDisallow: /private/\n")
    yuhang = sim.site("yuhang")
    private = next(n for n in sim.noise_entries("yuhang") if n.robots_disallowed)
    assert urllib.parse.urlsplit(private.url).path.startswith("/private/")
    assert sim.private_hits("yuhang") == 0
    fetch(yuhang.start_url, headers={"Referer": "http://example.test/"})
    fetch(private.url)
    log = sim.requests("yuhang")
    assert log[-2].user_agent == UA and log[-2].referer == "http://example.test/" and log[-2].status == 200
    assert (log[-1].method, log[-1].status) == ("GET", 200)
    assert sim.private_hits("yuhang") == 1


def test_if_modified_since_older_date_gets_full_page(sim: PortalSim) -> None:
    rep = report(sim, "shangcheng", "report-2021")
    old = format_datetime(dt.datetime(2020, 1, 1, tzinfo=dt.UTC), usegmt=True)
    assert fetch(rep.url, headers={"If-Modified-Since": old})[0] == 200


# -- the simulator object --------------------------------------------------------------------------


def test_registry_yaml_and_subsets() -> None:
    with PortalSim(sites=["yuhang"]) as sim:
        assert [s.id for s in sim.sites] == ["yuhang"]
        registry = yaml.safe_load(sim.registry_yaml())
        (entry,) = registry["sites"]
        assert entry["platform"] == "hanweb-jpage" and entry["division_code"] == "330110"
        assert entry["delay"] == 0 and entry["start_urls"] == [sim.site("yuhang").start_url]
        assert get_ok(entry["start_urls"][0])
        with pytest.raises(KeyError):
            sim.site("dinghai")
    with pytest.raises(ValueError):
        PortalSim(sites=["nowhere"])


def test_module_runs_in_foreground_and_prints_registry() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "portalsim", "--sites", "dinghai", "--port-base", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(9)]
        registry = yaml.safe_load("".join(lines))
        (entry,) = registry["sites"]
        assert entry["id"] == "dinghai" and entry["platform"] == "trs"
        assert entry["start_urls"] == [f"http://127.0.0.1:{port}/col/col1229007109/index.html"]
        assert get_ok(entry["start_urls"][0])
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_scale_adds_distinct_report_copies() -> None:
    with PortalSim(sites=["shangcheng"], scale=3) as sim:
        reports = sim.expected_reports("shangcheng")
        assert len(reports) == 3
        assert len({r.url for r in reports}) == 3 and len({r.text for r in reports}) == 3
        assert all(r.kind == "annual_report" and r.year == 2021 for r in reports)
