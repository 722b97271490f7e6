"""`fazhi serve` in a real process over a crawled simulator archive, spoken to over HTTP: the API is the CLI's
`--json` and what /openapi.json says it is, the feeds are Atom, every page escapes the archive and sends a strict
Content-Security-Policy, and nothing a request does changes the archive."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import feedparser
import pytest
from click.testing import CliRunner
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate as validate_spec
from webkit import CORRECTION, MARKUP, Served, crawl_archive, get, serving

from archive.cli.main import cli
from archive.store.db import make_engine
from archive.store.migrate import upgrade
from archive.web.params import MAX_PAGE_SIZE, MAX_QUERY_CHARS
from archive.web.security import CONTENT_SECURITY_POLICY
from portalsim import PortalSim

pytestmark = pytest.mark.slow
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("web")
    with PortalSim() as sim:
        archive, markup_id = crawl_archive(tmp, sim)
        with serving(archive, tmp / "serve.log") as base:
            yield Served(archive, sim, markup_id, base)


@pytest.fixture(scope="module")
def openapi(served: Served) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(get(served.base + "/openapi.json").body)
    return doc


def api(served: Served, path: str) -> Any:
    answer = get(served.base + path)
    assert answer.status == 200, (path, answer.text)
    assert answer.headers["content-type"] == "application/json"
    return json.loads(answer.body)


def cli_json(served: Served, *args: str) -> Any:
    config = served.archive.config
    env = {"FAZHI_SITES": str(config.sites_path)}  # every command reads it; only some take --sites
    result = CliRunner().invoke(cli, [*args, "--json", "--db", config.db_url], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def check_against_openapi(openapi: dict[str, Any], route: str, doc: Any) -> None:
    """`doc` is what /openapi.json says `route` answers with 200, formats (date-time, date) included."""
    schema = openapi["paths"][route]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    validator = OAS31Validator(
        {**schema, "components": openapi["components"]}, format_checker=OAS31Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(doc), key=str)
    assert not errors, f"{route}: {errors[0]}"


def test_openapi_document_is_valid_and_lists_the_api(openapi: dict[str, Any]) -> None:
    validate_spec(openapi)
    assert openapi["openapi"].startswith("3.1")
    routes = {
        "/api/reports",
        "/api/reports/{report_id}",
        "/api/reports/{report_id}/history",
        "/api/search",
        "/api/coverage",
        "/api/runs",
        "/api/sites",
        "/feeds/all.atom",
        "/feeds/{site_id}.atom",
    }
    assert routes <= set(openapi["paths"])
    assert not [p for p in openapi["paths"] if not p.startswith(("/api/", "/feeds/"))], "pages are not API"
    for path, item in openapi["paths"].items():
        assert set(item) == {"get"}, f"{path} answers more than GET"


def test_api_answers_exactly_the_cli_json(served: Served, openapi: dict[str, Any]) -> None:
    rid = served.markup_report_id
    reports = api(served, f"/api/reports?limit={MAX_PAGE_SIZE}")
    check_against_openapi(openapi, "/api/reports", reports)
    assert reports["items"] == cli_json(served, "reports")
    assert reports["total"] == len(reports["items"]) == len(served.sim.expected_reports())
    assert (reports["limit"], reports["offset"]) == (MAX_PAGE_SIZE, 0)

    show = api(served, f"/api/reports/{rid}")
    check_against_openapi(openapi, "/api/reports/{report_id}", show)
    assert show == cli_json(served, "show", str(rid))
    first = api(served, f"/api/reports/{rid}?version=1")
    assert first == cli_json(served, "show", str(rid), "--version", "1") and first["version"] == 1

    history = api(served, f"/api/reports/{rid}/history")
    check_against_openapi(openapi, "/api/reports/{report_id}/history", history)
    assert history["items"] == cli_json(served, "history", str(rid))
    assert [v["change"] for v in history["items"]] == ["new", "changed"]

    found = api(served, f"/api/search?q={quote('法治 政府')}&limit=3")
    check_against_openapi(openapi, "/api/search", found)
    assert found["items"] == cli_json(served, "search", "法治 政府", "--limit", "3")
    assert found["more"] is True and len(found["items"]) == 3

    coverage = api(served, f"/api/coverage?limit={MAX_PAGE_SIZE}")
    check_against_openapi(openapi, "/api/coverage", coverage)
    assert coverage["items"] == cli_json(served, "coverage")
    complete = api(served, "/api/coverage?completeness=true&limit=5")
    check_against_openapi(openapi, "/api/coverage", complete)
    assert complete["items"] == cli_json(served, "coverage", "--completeness")[:5]

    runs = api(served, "/api/runs")
    check_against_openapi(openapi, "/api/runs", runs)
    assert runs["items"] == cli_json(served, "runs") and runs["total"] == len(served.sim.sites) + 1

    sites = api(served, "/api/sites")
    check_against_openapi(openapi, "/api/sites", sites)
    assert sites["items"] == cli_json(served, "sites")
    assert {s["last_status"] for s in sites["items"]} == {"ok"}


def test_api_pages_through_listings(served: Served, openapi: dict[str, Any]) -> None:
    whole = api(served, "/api/reports?limit=200")["items"]
    pages = [api(served, f"/api/reports?limit=2&offset={at}") for at in range(0, len(whole) + 2, 2)]
    assert [r for p in pages for r in p["items"]] == whole
    assert {p["total"] for p in pages} == {len(whole)} and pages[-1]["items"] == []
    for p in pages:
        check_against_openapi(openapi, "/api/reports", p)

    hits = api(served, f"/api/search?q={quote('法治')}&limit=200")["items"]
    paged = [api(served, f"/api/search?q={quote('法治')}&limit=4&offset={at}") for at in range(0, len(hits), 4)]
    assert [h["id"] for p in paged for h in p["items"]] == [h["id"] for h in hits]
    assert [p["more"] for p in paged] == [True] * (len(paged) - 1) + [False]

    sites = [api(served, f"/api/sites?limit=1&offset={at}")["items"][0]["id"] for at in range(len(served.sim.sites))]
    assert sites == [s.id for s in served.sim.sites]


def test_api_filters_and_sorts(served: Served) -> None:
    yuhang = api(served, "/api/reports?site=yuhang")["items"]
    assert yuhang and {r["site_id"] for r in yuhang} == {"yuhang"}
    assert yuhang == cli_json(served, "reports", "--site", "yuhang")
    hangzhou = api(served, f"/api/reports?region={quote('杭州市')}")["items"]
    assert {r["site_id"] for r in hangzhou} == {"yuhang", "shangcheng"}
    assert all(r["year"] == 2023 for r in api(served, "/api/reports?year=2023")["items"])
    assert [r["kind"] for r in api(served, "/api/reports?kind=related")["items"]] == ["related"]
    assert api(served, "/api/reports?status=removed")["total"] == 0
    newest = [r["published_date"] for r in api(served, "/api/reports?sort=-published")["items"]]
    assert newest == sorted(newest, reverse=True)
    titles = [r["title"] for r in api(served, "/api/reports?sort=title")["items"]]
    assert titles == sorted(titles)
    in_2023 = api(served, f"/api/search?q={quote('法治')}&year=2023")["items"]
    assert in_2023 and {h["year"] for h in in_2023} == {2023}


def test_api_limits_and_errors(served: Served) -> None:
    base = served.base
    assert get(f"{base}/api/reports?limit={MAX_PAGE_SIZE + 1}").status == 422
    assert get(f"{base}/api/reports?limit=0").status == 422
    assert get(f"{base}/api/reports?offset=-1").status == 422
    assert get(f"{base}/api/reports?sort=id").status == 422
    assert get(f"{base}/api/search?q={'法' * (MAX_QUERY_CHARS + 1)}".replace("法", quote("法"))).status == 422
    assert get(f"{base}/api/search").status == 422
    one_char = get(f"{base}/api/search?q={quote('法')}")
    assert one_char.status == 400 and "two or more characters" in json.loads(one_char.body)["detail"]
    missing = get(f"{base}/api/reports/999999")
    assert missing.status == 404
    assert json.loads(missing.body) == {"detail": "no report with id 999999 (see `fazhi reports`)"}
    assert get(f"{base}/api/reports/{served.markup_report_id}?version=9").status == 404
    assert get(f"{base}/api/reports/{2**70}").status == 422
    assert get(base + "/?q=" + "x" * 5000).status == 414


def test_nothing_changes_the_archive(served: Served) -> None:
    before = served.archive.counts()
    rid = served.markup_report_id
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        for path in ("/", f"/reports/{rid}", "/api/reports", f"/api/reports/{rid}", "/feeds/all.atom"):
            answer = get(served.base + path, method=method, data=b"{}")
            assert answer.status == 405, (method, path)
            assert answer.headers["allow"] == "GET, HEAD"
    head = get(served.base + f"/reports/{rid}", method="HEAD")
    assert head.status == 200 and head.body == b"" and head.headers["content-type"].startswith("text/html")
    assert served.archive.counts() == before


def test_listens_on_loopback_only_by_default(served: Served) -> None:
    port = int(served.base.rsplit(":", 1)[1])
    listening = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if int(hex_port, 16) == port and state == "0A":  # LISTEN
                listening.add(address)
    assert listening == {"0100007F"}, f"listening on {listening}, not 127.0.0.1 alone"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/reports/{rid}",
        "/reports/{rid}/versions/1",
        "/reports/{rid}/diff",
        "/search?q=%E6%B3%95%E6%B2%BB",
        "/coverage",
        "/sites",
        "/api/reports",
        "/feeds/all.atom",
        "/static/style.css",
        "/reports/999999",
        "/openapi.json",
    ],
)
def test_every_answer_carries_a_strict_content_security_policy(served: Served, path: str) -> None:
    answer = get(served.base + path.format(rid=served.markup_report_id))
    assert answer.status in (200, 404)
    csp = answer.headers["content-security-policy"]
    assert csp == CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in csp and "script-src" not in csp and "unsafe" not in csp
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"


def test_archived_markup_is_escaped_in_every_page(served: Served) -> None:
    rid = served.markup_report_id
    pages = [
        f"/reports/{rid}",
        f"/reports/{rid}/versions/2",
        f"/reports/{rid}/diff?from=1&to=2",
        f"/reports/{rid}/diff?from=1&to=2&full=true",
        f"/search?q={quote('网页代码示例')}",
    ]
    for path in pages:
        answer = get(served.base + path)
        assert answer.status == 200, path
        html = answer.text
        assert "<script" not in html.lower(), f"{path} holds a script element"
        assert "onerror=" not in html.replace("onerror=&#34;", "").replace("onerror=&quot;", ""), path
        assert "&lt;script&gt;document.title=" in html, f"{path} does not show the quoted markup as text"
        if "/search" not in path:  # a snippet holds only the passage around the term
            assert "&lt;img src=x onerror=" in html and "&lt;b&gt;加粗&lt;/b&gt; &amp;amp; 实体" in html, path
    # The API gives the text as archived, character for character.
    assert MARKUP in api(served, f"/api/reports/{rid}")["text"]


def test_pages_show_what_the_archive_holds(served: Served) -> None:
    rid = served.markup_report_id
    listing = get(served.base + "/?site=yuhang&sort=-year").text
    titles = re.findall(r'<tr class="report" data-report-id="(\d+)"', listing)
    assert sorted(map(int, titles)) == sorted(r["id"] for r in api(served, "/api/reports?site=yuhang")["items"])
    report = get(served.base + f"/reports/{rid}").text
    assert "第 2 版，共 2 版" in report and CORRECTION in report
    assert f'href="/reports/{rid}/versions/2"' in report and f"/reports/{rid}/diff?from=1&amp;to=2" in report
    first = get(served.base + f"/reports/{rid}/versions/1").text
    assert "不是最新文本" in first and CORRECTION not in first
    diff = get(served.base + f"/reports/{rid}/diff").text
    assert '<mark class="chg">度</mark>' in diff and CORRECTION in diff
    same = get(served.base + f"/reports/{rid}/diff?from=2&to=2").text
    assert "文本相同" in same
    assert get(served.base + "/reports/999999").status == 404
    assert "未找到" in get(served.base + "/reports/999999").text
    assert get(served.base + f"/reports/{rid}/versions/7").status == 404
    bad = get(served.base + "/?year=abc")
    assert bad.status == 400 and "请求有误" in bad.text
    assert get(served.base + "/?year=&site=&kind=").status == 200  # a form's blank fields filter nothing
    one_char = get(served.base + f"/search?q={quote('法')}")
    assert one_char.status == 400 and "two or more characters" in one_char.text


def test_feeds_are_atom(served: Served) -> None:
    rid = served.markup_report_id
    everything = get(served.base + "/feeds/all.atom")
    assert everything.status == 200 and everything.headers["content-type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(everything.body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    expected = len(served.sim.expected_reports()) + 1  # every report's first version, and the correction
    assert len(parsed.entries) == expected
    for entry in parsed.entries:
        assert entry.id.startswith("urn:uuid:") and entry.updated_parsed and entry.summary and entry.link
        assert entry.title.startswith(("新报告: ", "报告更新: "))
    assert len({e.id for e in parsed.entries}) == expected
    updated = [e for e in parsed.entries if e.title.startswith("报告更新: ")]
    assert [e.link for e in updated] == [f"{served.base}/reports/{rid}/versions/2"]
    assert updated[0].summary.startswith("第2版: ")
    assert get(updated[0].link).status == 200

    root = ET.fromstring(everything.body)
    assert root.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{tag}") is not None
    assert root.find(f"{ATOM}link[@rel='self']") is not None
    for entry in root.findall(f"{ATOM}entry"):
        for tag in ("id", "title", "updated", "summary", "author"):
            assert len(entry.findall(f"{ATOM}{tag}")) == 1, tag
        assert len(entry.findall(f"{ATOM}link[@rel='alternate']")) == 1

    site = feedparser.parse(get(served.base + "/feeds/putuo.atom").body)
    assert not site.bozo and site.entries
    assert {e.link.rsplit("/versions/", 1)[0] for e in site.entries} == {
        f"{served.base}/reports/{r['id']}" for r in api(served, "/api/reports?site=putuo")["items"]
    }
    assert get(served.base + "/feeds/nowhere.atom").status == 404
    again = feedparser.parse(get(served.base + "/feeds/all.atom").body)
    assert [e.id for e in again.entries] == [e.id for e in parsed.entries], "entry ids are stable"


def _serve(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "archive", "serve", "--port", "9", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def test_serve_refuses_a_missing_or_outdated_archive(tmp_path: Path, served: Served) -> None:
    sites = ["--sites", str(served.archive.config.sites_path)]
    missing = _serve("--db", f"sqlite:///{tmp_path / 'none.db'}", *sites)
    assert missing.returncode == 2 and missing.stderr.startswith("fazhi: no archive at "), missing.stderr
    assert "Traceback" not in missing.stderr and not (tmp_path / "none.db").exists()

    old = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{old}")
    upgrade(engine, "0006")
    engine.dispose()
    outdated = _serve("--db", f"sqlite:///{old}", *sites)
    assert outdated.returncode == 2 and "run `fazhi db upgrade`" in outdated.stderr, outdated.stderr
