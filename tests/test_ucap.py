"""Ucap (开普云) portals on their simulator, over loopback HTTP: detection from the first answer (and TRS lists,
whose paging script is alike, still told apart), paging from `createPageHTML('page_div', …)`, refusals, and a
crawl that archives the report with its clean text."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from crawlkit import assert_crawl_archives_its_report, fetch

from archive.lists import detect_platform, get_adapter
from archive.lists.base import ListParseError
from portalsim import PortalSim
from portalsim.ucap import PER_PAGE

ADAPTER = get_adapter("ucap")


@pytest.fixture(scope="module")
def sim() -> Iterator[PortalSim]:
    with PortalSim(sites=["daoli", "dinghai"]) as s:
        yield s


def test_ucap_and_trs_lists_are_told_apart(sim: PortalSim) -> None:
    for site_id, platform in (("daoli", "ucap"), ("dinghai", "trs")):
        start = sim.site(site_id).start_url
        assert detect_platform(start, fetch(start)) == platform, site_id


def test_the_first_page_plans_every_other_and_all_entries_are_read(sim: PortalSim) -> None:
    start = sim.site("daoli").start_url
    first = ADAPTER.parse(start, fetch(start))
    listed = {r.url: r.published_date for r in sim.expected_reports("daoli")}
    listed |= {n.url: n.date for n in sim.noise_entries("daoli")}
    pages = -(-len(listed) // PER_PAGE)
    assert [r.url.rsplit("/", 1)[1] for r in first.next_requests] == [f"list_{n}.shtml" for n in range(2, pages + 1)]
    entries = list(first.entries)
    for request in first.next_requests:
        page = ADAPTER.parse(request.url, fetch(request.url))
        assert not page.next_requests, "only the first page plans the others"
        entries += page.entries
    assert len(entries) == len(listed) and {e.url: e.date for e in entries} == listed


def test_a_page_without_its_paging_script_is_read_alone_and_says_so(sim: PortalSim) -> None:
    start = sim.site("daoli").start_url
    body = fetch(start).replace(b"createPageHTML", b"renderPager")
    page = ADAPTER.parse(start, body)
    assert page.entries and not page.next_requests and "no page count" in page.notes[0]
    with pytest.raises(ListParseError, match="expected a Ucap list page"):
        ADAPTER.parse(start, b'{"code": 500}')


@pytest.mark.slow
def test_a_crawl_archives_the_report_with_its_clean_text(sim: PortalSim, tmp_path: Path) -> None:
    assert_crawl_archives_its_report(sim, tmp_path, "daoli")
