"""Pure parts of discovery and attribution: which tree links are walked, which search results are followed, and
whose report a title on a city portal is."""

from __future__ import annotations

from archive.extract.attribution import Government, issuing_government
from archive.lists.discovery import branch_links, is_column, report_links, search_url

BASE = "https://www.tonglu.gov.cn/col/col1228922212/index.html"
TREE = """<html><body><ul>
<li><a href="/col/col1229400001/index.html">法定主动公开内容</a></li>
<li><a href="/col/col1229400003/index.html">财政预决算</a></li>
<li><a href="/col/col1229400007/index.html?number=D001">规划计划</a></li>
<li><a href="https://www.hangzhou.gov.cn/col/col1/index.html">政府信息公开</a></li>
<li><a href="/art/2024/2/5/art_1228970361_59021467.html">桐庐县人民政府关于桐庐县2023年法治政府建设年度报告</a></li>
<li><a href="javascript:void(0)">信息公开指南</a></li>
</ul></body></html>""".encode()

RESULTS = """<html><body><table>
<tr><td><a href="/art/2024/2/5/art_1228970361_59021467.html">桐庐县人民政府关于桐庐县2023年法治政府建设年度报告</a></td>
<td>2024-02-05</td></tr>
<tr><td><a href="/art/2024/1/5/art_1_2.html">桐庐县2024年法治政府建设工作要点</a></td><td>2024-01-05</td></tr>
<tr><td><a href="/col/col1229400002/index.html">法治政府建设年度报告栏目</a></td><td></td></tr>
</table></body></html>""".encode()


def test_tree_walk_follows_only_report_branches_on_the_same_host() -> None:
    links = {link.url for link in branch_links(BASE, TREE, "text/html; charset=utf-8")}
    assert links == {
        "https://www.tonglu.gov.cn/col/col1229400001/index.html",
        "https://www.tonglu.gov.cn/col/col1229400007/index.html?number=D001",
    }


def test_search_results_titled_like_reports_are_followed_columns_never() -> None:
    entries = report_links(BASE, RESULTS, "text/html; charset=utf-8")
    assert [(e.url, e.date and e.date.isoformat()) for e in entries] == [
        ("https://www.tonglu.gov.cn/art/2024/2/5/art_1228970361_59021467.html", "2024-02-05")
    ]
    assert is_column("https://www.tonglu.gov.cn/col/col1229400002/index.html")
    assert not is_column("https://www.yuhang.gov.cn/col/col1229188665/art/2026/art_9b7b5319a74c4c7.html")


def test_search_url_fills_in_the_words() -> None:
    assert search_url("https://x.gov.cn/module/xxgk/search.jsp?vc_title={query}&currpage=1") == (
        "https://x.gov.cn/module/xxgk/search.jsp?vc_title=%E6%B3%95%E6%B2%BB%E6%94%BF%E5%BA%9C%E5%BB%BA%E8%AE%BE&currpage=1"
    )


HANGZHOU = Government("hangzhou", "杭州市人民政府", "浙江省杭州市")
GOVERNMENTS = [
    HANGZHOU,
    Government("tonglu", "杭州市桐庐县人民政府", "浙江省杭州市桐庐县"),
    Government("jiande", "杭州市建德市人民政府", "浙江省杭州市建德市"),
    Government("dinghai", "舟山市定海区人民政府", "浙江省舟山市定海区"),
]


def test_a_countys_report_on_the_city_portal_is_the_countys() -> None:
    assert issuing_government("桐庐县人民政府关于桐庐县2020年法治政府建设年度报告", HANGZHOU, GOVERNMENTS) == "tonglu"
    assert issuing_government("建德市2020年法治政府建设年度报告", HANGZHOU, GOVERNMENTS) == "jiande"
    # The city's own report, and a government outside the city, stay where they are.
    assert issuing_government("杭州市人民政府关于杭州市2023年法治政府建设年度报告", HANGZHOU, GOVERNMENTS) is None
    assert issuing_government("定海区2020年法治政府建设年度报告", HANGZHOU, GOVERNMENTS) is None
    # A county never hands its own reports to anyone.
    tonglu = GOVERNMENTS[1]
    assert issuing_government("桐庐县人民政府关于桐庐县2020年法治政府建设年度报告", tonglu, GOVERNMENTS) is None
