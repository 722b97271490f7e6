"""The words of crawl diagnostics: lists cut short, pages and attachments archived with warnings or without text,
skipped entries summed up, and repeated warnings capped so a run's record stays readable."""

from __future__ import annotations

import datetime as dt
import io

from conftest import hanweb_page
from pypdf import PdfWriter
from rich.console import Console
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from archive.cli import render
from archive.store.derive import derive
from archive.store.raw import RawFile, RawPage
from crawler import diagnostics, problems
from crawler.diagnostics import SkipLog
from portalsim.docs import build_docx

PAGE_URL = "http://127.0.0.1:9/art/1.html"
REPORT = "某区人民政府关于2023年法治政府建设年度报告"
PARAGRAPHS = ["2023年，我区法治政府建设取得新进展。" * 8, "一、主要举措。" * 10]


def blank_pdf() -> bytes:
    """A one-page PDF with no text layer, as a scanner makes it (minus the image)."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def stats() -> MemoryStatsCollector:
    collector = MemoryStatsCollector(get_crawler())
    collector.open_spider()
    return collector


def page_with(files: tuple[RawFile, ...], body: bytes | None = None, links: str = "") -> RawPage:
    body = body or hanweb_page(REPORT, PARAGRAPHS, extra=links)
    return RawPage("yuhang", PAGE_URL, 200, body, dt.datetime.now(dt.UTC), files=files)


def test_list_shortfall_names_the_column_both_numbers_and_the_likely_cause() -> None:
    column = "http://127.0.0.1:9/col/col1/index.html"
    assert diagnostics.list_shortfall(column, 40, 40, 0, False) is None
    assert diagnostics.list_shortfall(column, 40, 41, 0, False) is None
    failed = diagnostics.list_shortfall(column, 112, 45, 1, False)
    assert failed == f"list {column} announced 112 entries, 45 read: the list was cut short (1 list page(s) failed)"
    capped = diagnostics.list_shortfall(column, 112, 45, 0, True)
    assert capped is not None and "FAZHI_MAX_LIST_PAGES" in capped
    paging = diagnostics.list_shortfall(column, 40, 15, 0, False)
    assert paging is not None and "40 entries, 15 read" in paging and "ignore paging" in paging


def test_an_attachment_without_a_text_layer_is_named_with_the_reason() -> None:
    links = '<p><a href="/scan.pdf">扫描件.pdf</a></p><p><a href="/gone.pdf">附件.pdf</a></p>'
    scan = RawFile("http://127.0.0.1:9/scan.pdf", "扫描件.pdf", 200, blank_pdf(), "application/pdf")
    gone = RawFile("http://127.0.0.1:9/gone.pdf", "附件.pdf", error="HTTP 503")
    page = page_with((scan, gone), links=links)
    lines = diagnostics.attachments_without_text(page, derive(page))
    # The failed download is not repeated: the spider reported it when it failed.
    assert lines == [
        f"attachment {scan.url} of {PAGE_URL} archived without text: "
        "the PDF has no text layer (probably scanned images); OCR is not attempted"
    ]


def test_an_unreadable_attachment_is_named_with_the_reason() -> None:
    broken = RawFile("http://127.0.0.1:9/a.pdf", "a.pdf", 200, b"%PDF-1.4 not really", "application/pdf")
    page = page_with((broken,), links='<p><a href="/a.pdf">a.pdf</a></p>')
    (line,) = diagnostics.attachments_without_text(page, derive(page))
    assert line.startswith(f"attachment {broken.url} of {PAGE_URL} archived without text: a.pdf: ")


def test_extraction_warnings_of_a_page_come_as_one_line() -> None:
    clean = page_with(())
    assert diagnostics.page_warnings(clean, derive(clean)) == []
    undated = page_with((), body=hanweb_page(REPORT, PARAGRAPHS).replace(b"2024-03-14", b""))
    assert diagnostics.page_warnings(undated, derive(undated)) == [f"report page {PAGE_URL}: no publication date found"]


def test_a_pointer_page_whose_attachment_has_the_text_is_not_warned_about_its_empty_body() -> None:
    docx = RawFile("http://127.0.0.1:9/r.docx", "r.docx", 200, build_docx(REPORT, "\n".join(PARAGRAPHS)), None)
    page = page_with((), body=hanweb_page(REPORT, [], extra='<p><a href="/r.docx">r.docx</a></p>'))
    page = RawPage(page.site_id, page.url, 200, page.body, page.fetched_at, files=(docx,))
    derived = derive(page)
    assert derived.pointer and "report body is empty (see attachments)" in derived.warnings
    assert diagnostics.page_warnings(page, derived) == []


def test_skipped_entries_are_summed_up_by_reason_with_examples_and_counted_once() -> None:
    log = SkipLog()
    for n in range(20):
        assert log.add(f"http://x/{n}", f"余杭区{n}年法治政府建设工作要点")
    assert not log.add("http://x/0", "余杭区0年法治政府建设工作要点"), "a repeated entry is counted once"
    log.add("http://x/a", "余杭区政府信息公开工作年度报告", "title is not about 法治政府建设")
    log.add("http://x/b", "关于法治建设的通知", "title says 通知: not a report")
    log.add("http://x/c", "关于法治建设的通知二", "title says 通知: not a report")
    summary = log.summary()
    assert summary == (
        "skipped 23 list entries that are not reports: 20 by their list title (e.g. 《余杭区0年法治政府建设工作要点》, "
        "《余杭区1年法治政府建设工作要点》); 3 after reading the page: 2 title says 通知: not a report (e.g. "
        "《关于法治建设的通知》, 《关于法治建设的通知二》), 1 title is not about 法治政府建设 (e.g. "
        "《余杭区政府信息公开工作年度报告》)"
    )
    assert SkipLog().summary() is None


def test_skipped_reasons_beyond_the_first_few_are_summed() -> None:
    log = SkipLog()
    for n in range(5):
        log.add(f"http://x/{n}", f"t{n}", f"reason {n}")
    summary = log.summary()
    assert summary is not None and summary.endswith(", 2 for other reasons")


def test_repeated_warnings_of_a_kind_are_capped_then_counted_in_one_line() -> None:
    collector = stats()
    cap = problems.MAX_LINES_PER_KIND
    for n in range(cap + 7):
        problems.record(collector, f"report page {n}: no title found", level="warning", kind="pages with warnings")
    problems.record(collector, "attachment a: archived without text", level="warning", kind="attachments")
    for n in range(cap + 1):
        problems.record(collector, f"report page {n}: HTTP 500", kind="failed pages")
    problems.record(collector, "list x: HTTP 500", level="site")
    problems.skipped(collector, "http://x/1", "某区2024年法治政府建设工作要点")
    problems.skipped(collector, "http://x/1", "某区2024年法治政府建设工作要点")  # listed twice, skipped once
    lines = problems.messages(collector)
    assert sum(line.startswith("warning: report page") for line in lines) == cap
    assert "warning: … and 7 more pages with warnings (each in the crawl log)" in lines
    assert "warning: attachment a: archived without text" in lines
    assert "… and 1 more failed pages (each in the crawl log)" in lines
    assert "list x: HTTP 500" in lines
    title = "某区2024年法治政府建设工作要点"
    assert lines[-1] == f"note: skipped 1 list entry that is not a report: 1 by their list title (e.g. 《{title}》)"
    # Capping shortens the record, never the count of failures.
    assert (collector.get_value("fazhi/errors"), collector.get_value("fazhi/site_errors")) == (cap + 1, 1)


def test_the_crawl_summary_says_what_skipped_means() -> None:
    console = Console(record=True, width=200)
    console.print(render.crawl_table([{"site": "yuhang", "status": "ok", "skipped": 37}]))
    text = " ".join(console.export_text().split())
    assert "37" in text and "skipped: list entries left out as not reports" in text, text
