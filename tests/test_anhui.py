"""Anhui's 政务公开 platform on its simulator, over loopback HTTP: detection from the first answer, its
`xxgk_nav_list` lists (which a generic list finder takes for navigation), paging by `pageIndex` from
`Ls.pagination`'s count, refusals, and a crawl that archives the report with its clean text."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from crawlkit import assert_crawl_archives_its_report, fetch

from archive.lists import detect_platform, get_adapter
from archive.lists._lists import main_list_entries, parse_document
from archive.lists.base import ListParseError
from portalsim import PortalSim
from portalsim.anhui import PER_PAGE

ADAPTER = get_adapter("anhui-public")


@pytest.fixture(scope="module")
def sim() -> Iterator[PortalSim]:
    with PortalSim(sites=["luyang", "shangcheng"]) as s:
        yield s


def test_the_column_is_told_apart_from_the_first_answer(sim: PortalSim) -> None:
    start = sim.site("luyang").start_url
    assert detect_platform(start, fetch(start)) == "anhui-public"
    other = sim.site("shangcheng").start_url
    assert detect_platform(other, fetch(other)) == "static"


def test_every_page_is_read_once_by_page_index(sim: PortalSim) -> None:
    start = sim.site("luyang").start_url
    body = fetch(start)
    root = parse_document(body.decode("utf-8"))
    assert root is not None and main_list_entries(root, start) != [], "the page has a list"
    assert len(main_list_entries(root, start)) < PER_PAGE, "which the generic finder misses (it reads as nav)"
    first = ADAPTER.parse(start, body)
    listed = {r.url: r.published_date for r in sim.expected_reports("luyang")}
    listed |= {n.url: n.date for n in sim.noise_entries("luyang")}
    pages = -(-len(listed) // PER_PAGE)
    asked = [parse_qs(urlsplit(r.url).query) for r in first.next_requests]
    assert [q["pageIndex"] for q in asked] == [[str(n)] for n in range(2, pages + 1)]
    assert all(q["catId"] == ["7000001"] and q["action"] == ["list"] for q in asked)
    entries = list(first.entries)
    for request in first.next_requests:
        page = ADAPTER.parse(request.url, fetch(request.url))
        assert not page.next_requests, "only the first page plans the others"
        entries += page.entries
    assert len(entries) == len(listed) and {e.url: e.date for e in entries} == listed


def test_without_its_paging_call_a_page_is_read_alone_and_says_so(sim: PortalSim) -> None:
    start = sim.site("luyang").start_url
    page = ADAPTER.parse(start, fetch(start).replace(b"Ls.pagination", b"Ls.pager"))
    assert len(page.entries) == PER_PAGE and not page.next_requests and "no page count" in page.notes[0]
    with pytest.raises(ListParseError, match="expected a 政务公开 column page"):
        ADAPTER.parse(start, b"")


@pytest.mark.slow
def test_a_crawl_archives_the_report_with_its_clean_text(sim: PortalSim, tmp_path: Path) -> None:
    assert_crawl_archives_its_report(sim, tmp_path, "luyang")
