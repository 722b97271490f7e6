"""`fazhi sites check` against simulated healthy, blocked, moved, empty and unreachable sites: a real Scrapy
process over loopback, one line per site, nothing archived."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli.main import cli
from portalsim import PortalSim

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sim() -> Iterator[PortalSim]:
    with PortalSim() as s:
        yield s


@pytest.fixture
def registry(sim: PortalSim, tmp_path: Path) -> Iterator[Path]:
    sim.reset()
    path = tmp_path / "sites.yaml"
    path.write_text(sim.registry_yaml(delay=0.0), encoding="utf-8")
    yield path
    sim.reset()


def _check(registry: Path, tmp_path: Path, *args: str) -> tuple[int, str]:
    env = {"FAZHI_SITES": str(registry), "FAZHI_HOME": str(tmp_path / "home")}
    result = CliRunner().invoke(cli, ["sites", "check", *args], env=env)
    return result.exit_code, result.output


def _by_id(output: str) -> dict[str, dict[str, object]]:
    return {r["id"]: r for r in json.loads(output)}


def test_healthy_sites_are_ok(sim: PortalSim, registry: Path, tmp_path: Path) -> None:
    code, output = _check(registry, tmp_path, "--json")
    assert code == 0, output
    records = _by_id(output)
    assert set(records) == {s.id for s in sim.sites}
    for site in sim.sites:
        record = records[site.id]
        assert record["status"] == "ok", record
        assert record["detected_platform"] == site.platform
        assert int(record["candidates"]) >= 1 and int(record["entries"]) >= int(record["candidates"])  # type: ignore[call-overload]
    # Nothing was archived, and the check was polite: robots.txt asked, our user agent, no private path.
    assert not (tmp_path / "home" / "fazhi.db").exists()
    assert sim.hits("yuhang", "/robots.txt") == 1 and sim.private_hits("yuhang") == 0
    assert all("FazhiArchive" in (r.user_agent or "") for r in sim.requests("yuhang"))


def test_each_problem_in_one_line(sim: PortalSim, registry: Path, tmp_path: Path) -> None:
    sim.block("yuhang")
    sim.move_column("dinghai")
    sim.empty_lists("putuo")
    start = sim.site("shangcheng").start_url
    sim.redirect(
        "shangcheng", start.removeprefix(sim.site("shangcheng").base_url), sim.url("shangcheng", "/new/list.html")
    )
    code, output = _check(registry, tmp_path)
    assert code == 1
    lines = {ln.split()[0]: ln for ln in output.splitlines() if ln.strip()}
    assert set(lines) == {"yuhang", "dinghai", "putuo", "shangcheng"}, output
    assert "BLOCKED" in lines["yuhang"] and "412" in lines["yuhang"]
    assert "MOVED" in lines["dinghai"] and "404" in lines["dinghai"]
    assert "NO CANDIDATES" in lines["putuo"]
    assert "MOVED" in lines["shangcheng"] and "/new/list.html" in lines["shangcheng"]


def test_unreachable_and_wrong_platform(sim: PortalSim, registry: Path, tmp_path: Path) -> None:
    sim.stop_site("dinghai")
    try:
        registry.write_text(
            registry.read_text(encoding="utf-8").replace("platform: hanweb-jpage", "platform: trs"), encoding="utf-8"
        )
        code, output = _check(registry, tmp_path, "--json", "yuhang", "dinghai")
    finally:
        sim.start_site("dinghai")
    assert code == 1
    records = _by_id(output)
    assert set(records) == {"yuhang", "dinghai"}
    assert records["dinghai"]["status"] == "unreachable", records["dinghai"]
    assert records["yuhang"]["status"] == "wrong platform", records["yuhang"]
    assert "hanweb-jpage" in str(records["yuhang"]["message"])


def test_unknown_site_is_bad_usage(registry: Path, tmp_path: Path) -> None:
    code, output = _check(registry, tmp_path, "nowhere")
    assert code == 2 and "unknown site id" in output
