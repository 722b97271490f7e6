"""The web UI in a real headless Chromium (the system's, through its chromedriver) against `fazhi serve` over a
crawled simulator archive: list, filter, sort, page, search, open a report, diff two versions, coverage, sites,
feed. Each step is checked in the DOM and by a screenshot; the report quoting markup shows it as text, and no
script from the archive runs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import pytest
from conftest import unavailable
from PIL import Image
from webkit import CORRECTION, Served, crawl_archive, find_chromium, serving

from portalsim import PortalSim

pytestmark = pytest.mark.slow

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in the test extra: pip install -e '.[test]'")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.expected_conditions import staleness_of  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

WIDTH, HEIGHT = 1280, 1000
ACCENT = (0x8B, 0x1A, 0x1A)  # the header band (style.css --accent)
ON_TIME_BG, MISSING_BG = (0xD8, 0xF0, 0xD9), (0xF8, 0xD0, 0xD0)
DIFF_OLD_MARK, DIFF_NEW_MARK = (0xF5, 0xA9, 0xA9), (0x9F, 0xDC, 0xA3)
HIGHLIGHT = (0xFF, 0xE0, 0x66)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    found = find_chromium()
    if isinstance(found, str):
        unavailable(found)
    tmp = tmp_path_factory.mktemp("webui")
    with PortalSim() as sim:
        archive, markup_id = crawl_archive(tmp, sim)
        with serving(archive, tmp / "serve.log") as base:
            yield Served(archive, sim, markup_id, base)


@pytest.fixture(scope="module")
def browser(served: Served) -> Iterator[WebDriver]:
    found = find_chromium()
    assert not isinstance(found, str)
    binary, driver_path = found
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars"):
        options.add_argument(arg)
    options.add_argument(f"--window-size={WIDTH},{HEIGHT}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    keep = os.environ.get("FAZHI_SCREENSHOTS")  # set it to keep the screenshots somewhere to look at
    path = Path(keep) if keep else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def screenshot(driver: WebDriver, shots: Path, name: str) -> Image.Image:
    """The viewport as an image, checked to be a rendered page: full size, the header band, many colours."""
    path = shots / f"{name}.png"
    assert driver.save_screenshot(str(path))
    image = Image.open(path).convert("RGB")
    assert image.size[0] == WIDTH and image.size[1] >= HEIGHT // 2, image.size
    assert image.getpixel((5, 5)) == ACCENT, f"{name}: no header band at the top"
    colours = image.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50, f"{name}: a near-blank screenshot"
    return image


def has_colour(image: Image.Image, rgb: tuple[int, int, int], at_least: int = 200) -> bool:
    colours = dict((c, n) for n, c in image.getcolors(maxcolors=1 << 20) or [])
    return colours.get(rgb, 0) >= at_least


def open_page(driver: WebDriver, served: Served, path: str) -> None:
    driver.get(served.base + path)


def follow(driver: WebDriver, element: Any) -> None:
    """Click a link or a form's button and wait for the page it leads to (a click returns before the load)."""
    page = driver.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(driver, 20).until(staleness_of(page))


def rows(driver: WebDriver) -> list[Any]:
    return driver.find_elements(By.CSS_SELECTOR, "table.reports tbody tr.report")


def test_list_filter_sort_and_page(browser: WebDriver, served: Served, shots: Path) -> None:
    open_page(browser, served, "/")
    assert browser.title.startswith("报告")
    assert len(rows(browser)) == len(served.sim.expected_reports())
    screenshot(browser, shots, "reports")

    Select(browser.find_element(By.NAME, "site")).select_by_value("yuhang")
    follow(browser, browser.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]"))
    assert "site=yuhang" in browser.current_url
    yuhang = served.sim.expected_reports("yuhang")
    assert len(rows(browser)) == len(yuhang)
    regions = {r.find_element(By.CSS_SELECTOR, "td:nth-child(2) small").text for r in rows(browser)}
    assert regions == {"浙江省杭州市余杭区"}

    follow(browser, browser.find_element(By.LINK_TEXT, "年度"))  # ascending, then again for descending
    years = [r.find_element(By.CSS_SELECTOR, "td:nth-child(3)").text for r in rows(browser)]
    assert years == sorted(years) and "sort=year" in browser.current_url
    follow(browser, browser.find_element(By.PARTIAL_LINK_TEXT, "年度 ▲"))
    years = [r.find_element(By.CSS_SELECTOR, "td:nth-child(3)").text for r in rows(browser)]
    assert years == sorted(years, reverse=True) and "sort=-year" in browser.current_url
    assert "site=yuhang" in browser.current_url, "sorting keeps the filter"

    open_page(browser, served, "/?limit=2")
    first = [r.get_attribute("data-report-id") for r in rows(browser)]
    follow(browser, browser.find_element(By.LINK_TEXT, "下一页"))
    second = [r.get_attribute("data-report-id") for r in rows(browser)]
    assert len(first) == len(second) == 2 and not set(first) & set(second)
    pager = browser.find_element(By.CSS_SELECTOR, ".pager").text
    assert f"第 3–4 条，共 {len(served.sim.expected_reports())} 条" in pager


def test_search_highlights_hits(browser: WebDriver, served: Served, shots: Path) -> None:
    open_page(browser, served, "/")
    box = browser.find_element(By.CSS_SELECTOR, "header form.quick-search input[name=q]")
    box.send_keys("行政复议")
    page = browser.find_element(By.TAG_NAME, "html")
    box.submit()
    WebDriverWait(browser, 20).until(staleness_of(page))  # the search page, not the one the form was on
    assert "/search?q=" in browser.current_url and browser.title.startswith("搜索: 行政复议")
    hits = browser.find_elements(By.CSS_SELECTOR, "ol.results li.hit")
    assert hits
    for hit in hits:
        marks = hit.find_elements(By.CSS_SELECTOR, "p.snippet mark")
        assert marks and {m.text for m in marks} == {"行政复议"}
        assert "【" not in hit.find_element(By.CSS_SELECTOR, "p.snippet").text
    image = screenshot(browser, shots, "search")
    assert has_colour(image, HIGHLIGHT), "the highlighted terms are not painted"
    title = hits[0].find_element(By.CSS_SELECTOR, "a.hit-title").text
    follow(browser, hits[0].find_element(By.CSS_SELECTOR, "a.hit-title"))
    assert browser.find_element(By.CSS_SELECTOR, "h1.report-title").text == title


def test_report_page_shows_quoted_markup_as_text_and_runs_no_script(
    browser: WebDriver, served: Served, shots: Path
) -> None:
    browser.get_log("browser")  # start from an empty console
    rid = served.markup_report_id
    open_page(browser, served, f"/reports/{rid}")
    assert "PWNED" not in browser.title and browser.title.endswith("法治政府建设报告存档")
    assert browser.execute_script("return window.__pwned === undefined")
    assert browser.execute_script("return document.scripts.length") == 0
    assert not browser.find_elements(By.CSS_SELECTOR, "img, [onerror], b")
    body = browser.find_element(By.CSS_SELECTOR, "section.text").text
    assert '<script>document.title="PWNED";window.__pwned=1</script>' in body
    assert "<img src=x onerror=\"document.title='PWNED';window.__pwned=2\">" in body
    assert "<b>加粗</b> &amp; 实体" in body and CORRECTION in body
    # Escaping alone kept it out: the Content-Security-Policy never had to refuse a script.
    console = [e["message"] for e in browser.get_log("browser")]
    assert not [m for m in console if "Content Security Policy" in m], console

    meta = browser.find_element(By.CSS_SELECTOR, "dl.meta").text
    assert "第 2 版，共 2 版" in meta and "原文地址" in meta and "本版抓取于" in meta
    headings = browser.find_elements(By.CSS_SELECTOR, ".toc li a")
    assert len(headings) >= 3 and headings[0].text.startswith("一、")
    assert len(browser.find_elements(By.CSS_SELECTOR, ".versions tbody tr")) == 2
    permalink = browser.find_element(By.CSS_SELECTOR, "a.permalink").get_attribute("href")
    assert permalink == f"{served.base}/reports/{rid}/versions/2"
    screenshot(browser, shots, "report")

    headings[0].click()  # the outline's links land on their section
    assert browser.current_url.endswith("#s-1")
    open_page(browser, served, f"/reports/{rid}/versions/1")
    assert "不是最新文本" in browser.find_element(By.CSS_SELECTOR, "p.notice").text
    assert CORRECTION not in browser.find_element(By.CSS_SELECTOR, "section.text").text


def test_diff_side_by_side(browser: WebDriver, served: Served, shots: Path) -> None:
    rid = served.markup_report_id
    open_page(browser, served, f"/reports/{rid}")
    follow(browser, browser.find_element(By.LINK_TEXT, "与上一版比较"))
    assert browser.current_url.endswith(f"/reports/{rid}/diff?from=1&to=2")
    changed = browser.find_elements(By.CSS_SELECTOR, "table.diff tr.changed")
    assert changed, "the corrected paragraph is paired with its old text"
    assert [m.text for m in changed[0].find_elements(By.CSS_SELECTOR, "td.new mark.chg")] == ["度"]
    assert not changed[0].find_elements(By.CSS_SELECTOR, "td.old mark.chg")
    added = " ".join(r.text for r in browser.find_elements(By.CSS_SELECTOR, "table.diff tr.added td.new"))
    assert CORRECTION in added and "<script>" in added
    assert browser.find_elements(By.CSS_SELECTOR, "table.diff tr.skipped"), "long unchanged runs are folded"
    image = screenshot(browser, shots, "diff")
    assert has_colour(image, DIFF_NEW_MARK, at_least=20), "the changed characters are not painted"

    browser.find_element(By.NAME, "full").click()
    follow(browser, browser.find_element(By.CSS_SELECTOR, "form.diff-form button"))
    assert "full=true" in browser.current_url
    assert not browser.find_elements(By.CSS_SELECTOR, "table.diff tr.skipped")
    assert browser.execute_script("return window.__pwned === undefined") and "PWNED" not in browser.title


def test_coverage_matrix(browser: WebDriver, served: Served, shots: Path) -> None:
    open_page(browser, served, "/")
    follow(browser, browser.find_element(By.LINK_TEXT, "公开情况"))
    cells = browser.find_elements(By.CSS_SELECTOR, "table.coverage td.cell")
    statuses = {
        (c.get_attribute("data-site"), c.get_attribute("data-year")): c.get_attribute("data-status") for c in cells
    }
    assert statuses[("yuhang", "2023")] == "on_time" and statuses[("shangcheng", "2021")] == "on_time"
    assert statuses[("yuhang", "2022")] == "missing"
    rows = browser.find_elements(By.CSS_SELECTOR, "table.coverage tbody tr")
    assert [r.find_element(By.TAG_NAME, "th").text for r in rows] == sorted(s.id for s in served.sim.sites)
    image = screenshot(browser, shots, "coverage")
    assert has_colour(image, ON_TIME_BG) and has_colour(image, MISSING_BG), "the cells are not coloured by status"
    follow(browser, browser.find_element(By.CSS_SELECTOR, "td.cell[data-site='yuhang'][data-year='2023'] a"))
    assert "2023" in browser.find_element(By.CSS_SELECTOR, "h1.report-title").text


def test_national_map_drills_down_to_cities(browser: WebDriver, served: Served, shots: Path) -> None:
    open_page(browser, served, "/")
    follow(browser, browser.find_element(By.LINK_TEXT, "全国"))
    drawn = browser.find_element(By.CSS_SELECTOR, "svg.china-map")
    assert drawn.is_displayed() and drawn.size["width"] >= 600 and drawn.size["height"] >= 400
    provinces = browser.find_elements(By.CSS_SELECTOR, "svg.china-map path")
    assert len(provinces) >= 31
    zhejiang = browser.find_element(By.CSS_SELECTOR, 'svg.china-map a[href="/coverage/areas?region=浙江省"] path')
    assert zhejiang.get_attribute("class") != "share-none"
    assert {p.get_attribute("class") for p in provinces} - {zhejiang.get_attribute("class")} == {"share-none"}
    image = screenshot(browser, shots, "national")
    assert has_colour(image, (0xD9, 0xD9, 0xD9), at_least=5000), "the provinces without sites are not drawn"
    row = browser.find_element(By.CSS_SELECTOR, "table.areas tbody tr")
    assert row.get_attribute("data-area") == "浙江省"
    follow(browser, row.find_element(By.TAG_NAME, "a"))
    cities = [r.get_attribute("data-area") for r in browser.find_elements(By.CSS_SELECTOR, "table.areas tbody tr")]
    assert cities == ["浙江省杭州市", "浙江省舟山市"]


def test_sites_and_runs(browser: WebDriver, served: Served, shots: Path) -> None:
    open_page(browser, served, "/sites")
    sites = browser.find_elements(By.CSS_SELECTOR, "table.sites tr.site")
    assert {s.get_attribute("data-site") for s in sites} == {s.id for s in served.sim.sites}
    assert {s.find_element(By.CSS_SELECTOR, ".run-status").text for s in sites} == {"正常"}
    assert len(browser.find_elements(By.CSS_SELECTOR, "table.runs tbody tr")) == len(served.sim.sites) + 1
    screenshot(browser, shots, "sites")


def test_feed_is_linked_and_served_as_atom(browser: WebDriver, served: Served) -> None:
    open_page(browser, served, "/")
    link = browser.find_element(By.CSS_SELECTOR, "link[rel=alternate][type='application/atom+xml']")
    href = link.get_attribute("href")
    assert href == served.base + "/feeds/all.atom"
    browser.get(href)
    # Chromium shows an Atom document as its source text; that text is the feed a reader would get.
    feed = feedparser.parse(browser.find_element(By.TAG_NAME, "pre").text.encode("utf-8"))
    assert not feed.bozo and feed.version == "atom10"
    assert len(feed.entries) == len(served.sim.expected_reports()) + 1
    assert feed.entries[0].title.startswith("报告更新: ")
