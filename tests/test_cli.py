"""The `fazhi` commands on a crawled archive: JSON shapes exactly as the contract writes them, exit codes."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from crawlkit import Archive, make_archive

from archive.cli.main import cli
from archive.store.ingest import canonical_url
from portalsim import PortalSim

pytestmark = pytest.mark.slow

REPORT_KEYS = {
    "id", "site_id", "region", "publisher", "title", "kind", "year", "published_date", "url", "status",
    "version_count", "first_seen_at", "last_changed_at",
}  # fmt: skip
SHOW_KEYS = REPORT_KEYS | {
    "version", "fetched_at", "content_sha256", "text", "attachments", "extractor_version", "encoding",
    "replacement_chars", "sections", "sections_source", "missing_sections",
}  # fmt: skip


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PortalSim, Archive]]:
    with PortalSim() as sim:
        archive = make_archive(tmp_path_factory.mktemp("cli"), sim)
        result = run(archive, "crawl")
        assert result.exit_code == 0, result.output
        assert "Crawl summary" in result.stdout and "yuhang" in result.stdout
        assert "yuhang: ok" in result.stderr  # per-site progress
        target = sim.expected_reports("yuhang")[0]
        sim.set_article_text("yuhang", target.key, target.text.replace("2023年", "2023年度", 1))
        assert run(archive, "crawl", "yuhang").exit_code == 0
        yield sim, archive


def run(archive: Archive, *args: str) -> Result:
    env = {"FAZHI_SITES": str(archive.config.sites_path)}  # every command reads it; only some take --sites
    return CliRunner().invoke(cli, [*args, "--db", archive.config.db_url], env=env)


def as_json(archive: Archive, *args: str) -> object:
    result = run(archive, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _is_iso_with_offset(value: str) -> bool:
    return dt.datetime.fromisoformat(value).utcoffset() is not None


def test_reports_json_shape(crawled: tuple[PortalSim, Archive]) -> None:
    sim, archive = crawled
    rows = as_json(archive, "reports")
    assert isinstance(rows, list) and len(rows) == len(sim.expected_reports())
    for row in rows:
        assert set(row) == REPORT_KEYS
        assert row["kind"] in ("annual_report", "department_report", "related")
        assert row["status"] == "active" and row["version_count"] >= 1
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["published_date"])
        assert _is_iso_with_offset(row["first_seen_at"]) and _is_iso_with_offset(row["last_changed_at"])
    assert {r["region"] for r in rows if r["site_id"] == "yuhang"} == {"浙江省杭州市余杭区"}


def test_reports_filters(crawled: tuple[PortalSim, Archive]) -> None:
    sim, archive = crawled
    yuhang = as_json(archive, "reports", "--site", "yuhang")
    assert {r["site_id"] for r in yuhang} == {"yuhang"} and len(yuhang) == len(sim.expected_reports("yuhang"))
    assert all(r["year"] == 2023 for r in as_json(archive, "reports", "--year", "2023"))
    related = as_json(archive, "reports", "--kind", "related")
    assert [r["title"] for r in related] == ["对我区法治政府建设情况的调查与建议"]
    assert as_json(archive, "reports", "--status", "removed") == []


def _report_id(archive: Archive, url: str) -> int:
    rows = as_json(archive, "reports")
    return next(r["id"] for r in rows if r["url"] == canonical_url(url))


def test_show_history_and_diff(crawled: tuple[PortalSim, Archive]) -> None:
    sim, archive = crawled
    target = sim.expected_reports("yuhang")[0]
    rid = _report_id(archive, target.url)
    doc = as_json(archive, "show", str(rid))
    assert set(doc) == SHOW_KEYS and doc["version"] == 2 and doc["version_count"] == 2
    assert doc["text"] == target.text and re.fullmatch(r"[0-9a-f]{64}", doc["content_sha256"])
    assert (doc["encoding"], doc["replacement_chars"]) == ("utf-8", 0)
    assert doc["sections"] and doc["sections_source"] == "text"
    for section in doc["sections"]:
        assert doc["text"][section["start"] : section["end"]].startswith(section["heading"])
    for att in doc["attachments"]:
        assert set(att) == {"url", "filename", "media_type", "sha256", "text"}
    first = as_json(archive, "show", str(rid), "--version", "1")
    assert first["version"] == 1 and "2023年度" not in first["text"].split("\n")[0]

    hist = as_json(archive, "history", str(rid))
    assert [h["change"] for h in hist] == ["new", "changed"]
    assert all(
        set(h) == {"version", "fetched_at", "content_sha256", "chars", "change", "extractor_version"} for h in hist
    )

    diff = run(archive, "diff", str(rid))
    # The changed character marked in place; the paragraph around it elided, not printed twice.
    assert diff.exit_code == 0 and "2023年{+度+}" in diff.output and diff.output.count("2023年") == 1
    rows = as_json(archive, "diff", str(rid))["rows"]  # type: ignore[index]
    changed = next(r for r in rows if r["tag"] == "changed")
    assert {"text": "度", "changed": True} in changed["new"]
    old_text, new_text = ("".join(s["text"] for s in changed[side]) for side in ("old", "new"))
    assert new_text == old_text.replace("2023年", "2023年度", 1)


def test_show_attachment_only_report_lists_its_file(crawled: tuple[PortalSim, Archive]) -> None:
    sim, archive = crawled
    (target,) = [r for r in sim.expected_reports("putuo") if r.attachment_only]
    doc = as_json(archive, "show", str(_report_id(archive, target.url)))
    (att,) = doc["attachments"]
    assert att["filename"] == target.attachments[0].filename
    assert att["media_type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert doc["text"] == target.text


def test_search_finds_words_in_text(crawled: tuple[PortalSim, Archive]) -> None:
    _, archive = crawled
    hits = as_json(archive, "search", "法律援助")
    assert hits and all("法律援助" in h["snippet"] for h in hits)
    assert as_json(archive, "search", "法律援助", "--site", "dinghai") == [h for h in hits if h["site_id"] == "dinghai"]
    assert as_json(archive, "search", "没有这个词组合xyz") == []


def test_unknown_report_is_a_usage_error(crawled: tuple[PortalSim, Archive]) -> None:
    _, archive = crawled
    result = run(archive, "show", "9999")
    assert result.exit_code == 2 and "no report with id 9999" in result.output
    huge = "99999999999999999999999"  # beyond any database integer
    for args in (["show", huge], ["history", huge], ["diff", huge], ["show", "0"]):
        result = run(archive, *args)
        assert result.exit_code == 2 and f"no report with id {args[1]}" in result.stderr, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_version_numbers_start_at_one(crawled: tuple[PortalSim, Archive]) -> None:
    sim, archive = crawled
    rid = str(_report_id(archive, sim.expected_reports("yuhang")[0].url))
    for args in (
        ["show", rid, "--version", "0"],
        ["show", rid, "--version", "-1"],
        ["diff", rid, "--from", "-1"],
        ["diff", rid, "--from", "0"],
        ["diff", rid, "--to", "0"],
    ):
        result = run(archive, *args)
        assert result.exit_code == 2 and "version numbers start at 1" in result.stderr, (args, result.output)
        assert result.stdout == ""
    for args in (["show", rid, "--version", "3"], ["diff", rid, "--from", "99999999999999999999999"]):
        result = run(archive, *args)
        assert result.exit_code == 2 and f"report {rid} has no version" in result.stderr, (args, result.output)
    diff = run(archive, "diff", rid, "--from", "1", "--to", "2")
    assert diff.exit_code == 0 and "2023年{+度+}" in diff.output


def test_crawl_unknown_site_is_exit_2(crawled: tuple[PortalSim, Archive]) -> None:
    _, archive = crawled
    assert run(archive, "crawl", "nowhere").exit_code == 2


def test_extract_command_on_a_fixture_page(tmp_path: Path) -> None:
    pages = Path(__file__).parent / "fixtures" / "pages"
    case = sorted(pages.glob("*.json"))[0]
    expected = json.loads(case.read_text(encoding="utf-8"))
    result = CliRunner().invoke(cli, ["extract", str(case.with_suffix(".html")), "--url", expected["url"], "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc) == {"title", "published_date", "publisher", "text", "attachments", "media_type"}
    assert doc["title"] == expected["title"] and doc["text"] == expected["text"]


def test_unopenable_database_is_a_clear_usage_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    result = CliRunner().invoke(cli, ["crawl", "--db", f"sqlite:///{tmp_path}/file/a.db"])
    assert result.exit_code == 2 and "is not a folder" in result.stderr
    result = CliRunner().invoke(cli, ["reports", "--db", "postgresql+psycopg://postgres@127.0.0.1:1/x"])
    assert result.exit_code == 2 and "cannot open the archive database" in result.stderr
    result = CliRunner().invoke(cli, ["reports", "--db", "nosuchdb://x/y"])
    assert result.exit_code == 2 and "'nosuchdb' databases are not supported" in result.stderr


def test_bad_notify_url_is_refused_before_crawling(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["crawl", "--db", f"sqlite:///{tmp_path}/a.db", "--notify", "nosuch://x"])
    assert result.exit_code == 2 and "nosuch://x" in result.stderr
    assert not (tmp_path / "a.db").exists()
