"""A real crawl of the simulator tells what it noticed beyond failures: a list cut short, a page archived with an
extraction warning, an attachment archived without text, the entries skipped as not reports; in the CrawlRun row
and in `fazhi runs --json`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from crawlkit import Archive, make_archive
from sqlalchemy import select
from test_diagnostics import blank_pdf

from archive.cli.main import cli
from archive.store.models import CrawlRun
from portalsim import PortalSim

pytestmark = pytest.mark.slow

SITE = "yuhang"  # the hanweb-jpage site: its column announces every record, its data proxy serves the rest


@pytest.fixture(scope="module")
def sim() -> Iterator[PortalSim]:
    with PortalSim([SITE]) as s:
        yield s


@pytest.fixture
def archive(sim: PortalSim, tmp_path: Path, db_url: str) -> Iterator[Archive]:
    sim.reset()
    yield make_archive(tmp_path, sim, db_url=db_url)
    sim.reset()


def runs_json(archive: Archive) -> list[dict[str, object]]:
    config = archive.config
    result = CliRunner().invoke(cli, ["runs", "--json", "--db", config.db_url])
    assert result.exit_code == 0, result.output
    doc: list[dict[str, object]] = json.loads(result.stdout)
    return doc


def test_a_cut_short_list_and_a_scanned_attachment_reach_the_run_record(sim: PortalSim, archive: Archive) -> None:
    sim.ignore_list_paging(SITE)
    report = sim.expected_reports(SITE)[0]
    scan = sim.add_file(SITE, "/scan/report.pdf", blank_pdf(), "application/pdf")
    sim.add_attachment_link(SITE, report.key, scan, "扫描件.pdf")
    sim.mislabel_encoding(SITE, report.key, "gbk")  # the bytes stay UTF-8

    outcome = archive.crawl()

    (site,) = outcome.sites
    assert site["status"] == "ok", site["messages"]  # warnings make nobody fail
    column = sim.site(SITE).start_url
    listed = len(sim.expected_reports(SITE)) + len(sim.noise_entries(SITE))
    shortfall = f"warning: list {column} announced {listed} entries, 15 read: the list was cut short"
    without_text = f"warning: attachment {scan} of {report.url} archived without text: the PDF has no text layer"
    note = "reply held 15"  # the adapter's own note on the proxy's short reply
    # GBK is read as its superset GB18030 (archive/extract/decode.py)
    extraction = f"warning: report page {report.url}: page declares gb18030 but decodes as utf-8"
    with archive.session() as s:
        (run,) = s.scalars(select(CrawlRun)).all()
        assert run.status == "ok"
        recorded = list(run.messages)
    for messages in (recorded, runs_json(archive)[0]["messages"]):
        assert isinstance(messages, list)
        assert any(m.startswith(shortfall) and "ignore paging" in m for m in messages), messages
        assert any(m.startswith(without_text) for m in messages), messages
        assert any(m.startswith("warning: list ") and note in m for m in messages), messages
        assert any(m.startswith("note: skipped ") for m in messages), messages
        assert extraction in messages, messages


def test_skipped_entries_are_summed_up_in_one_note(sim: PortalSim, archive: Archive) -> None:
    outcome = archive.crawl()

    (site,) = outcome.sites
    noise = sim.noise_entries(SITE)
    skipped = [n for n in noise if not n.robots_disallowed]  # the /private/ entry is robots-disallowed, not skipped
    assert site["status"] == "ok" and site["skipped"] == len(skipped)
    (run,) = runs_json(archive)
    assert run["skipped"] == len(skipped)
    messages = run["messages"]
    assert isinstance(messages, list)
    notes = [m for m in messages if m.startswith("note: ")]
    assert len(notes) == 1, messages
    assert notes[0].startswith(f"note: skipped {len(skipped)} list entries that are not reports: ")
    assert f"《{skipped[0].title}》" in notes[0]
    # Nothing else to say about a clean crawl: no warning, no failure.
    assert messages == notes
