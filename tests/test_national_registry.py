"""The bundled national registry: every government of the 2024 division list with a portal, its faults flagged,
rebuilt byte for byte by the project's own script from the sources; and selecting from it without editing it."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import unavailable

from archive.bundled import REGISTRIES
from archive.registry.sites import RegistryError, Site, load_registry, parse_registry

ROOT = Path(__file__).resolve().parent.parent
# The public data the registry is built from, read in place beside the checkout.
SOURCES = ROOT.parent / "shared" / "registry-sources"
CHINA = REGISTRIES["china"]
ZHEJIANG = REGISTRIES["zhejiang"]


@pytest.fixture(scope="module")
def china() -> list[Site]:
    return load_registry(CHINA)


@pytest.fixture
def sources() -> Path:
    if not (SOURCES / "areacodes-2024.txt").is_file():
        unavailable(f"the registry's public sources are not at {SOURCES} (../shared/registry-sources)")
    return SOURCES


def _codes(sources: Path) -> dict[str, str]:
    lines = (sources / "areacodes-2024.txt").read_text(encoding="utf-8").splitlines()
    return dict(line.split(maxsplit=1) for line in lines if line.strip())


def _level(code: str) -> str:
    return "province" if code.endswith("0000") else "prefecture" if code.endswith("00") else "county"


def test_every_level_is_there_with_a_2024_code_and_a_host(china: list[Site], sources: Path) -> None:
    codes = _codes(sources)
    levels = Counter(_level(s.division_code or "") for s in china)
    assert levels["province"] == 31 and levels["prefecture"] == 333 and levels["county"] >= 2830, levels
    assert len({s.division_code for s in china}) == len(china), "one entry per division"
    assert len({s.id for s in china}) == len(china)
    for s in china:
        assert s.division_code in codes, (s.id, s.division_code)
        assert s.region.endswith(codes[s.division_code]), (s.id, s.region)
        assert s.allowed_domains and all(re.fullmatch(r"[a-z0-9.-]+", d) for d in s.allowed_domains), s.id
        assert s.source and s.evidence, s.id


def test_a_host_is_one_governments_unless_flagged(china: list[Site]) -> None:
    portals: dict[str, list[Site]] = {}
    for s in china:
        home = (s.tree_urls or s.start_urls)[-1]
        portals.setdefault(home.split("/")[2].lower(), []).append(s)
    shared = {host: sites for host, sites in portals.items() if len(sites) > 1}
    for host, sites in shared.items():
        assert any(s.flags for s in sites), f"{host} is given for {[s.id for s in sites]} and none is flagged"


def test_the_known_faults_are_fixed_or_flagged(china: list[Site]) -> None:
    by_code = {s.division_code: s for s in china}
    assert by_code["310107"].allowed_domains == ("www.shpt.gov.cn",)  # Shanghai's 普陀区, not Zhoushan's
    assert by_code["330903"].allowed_domains != by_code["310107"].allowed_domains
    for code in ("222404", "341702", "420281"):  # 珲春, 贵池, 大冶: their parent city's portal
        assert any("its parent" in f for f in by_code[code].flags), code
    for code in ("370811", "370826", "370827"):  # 任城, 微山, 鱼台: 政务服务 hosts
        assert any("政务服务" in f for f in by_code[code].flags), code
    missing = CHINA.read_text(encoding="utf-8").split("not entered: ", 1)[1].split("\n", 1)[0]
    for name in ("重庆市渝北区", "福建省泉州市金门县"):
        assert name in missing
        assert not any(s.region == name for s in china)


def test_zhejiang_entries_are_the_zhejiang_registry(china: list[Site]) -> None:
    zhejiang = load_registry(ZHEJIANG)
    by_code = {s.division_code: s for s in china}
    for s in zhejiang:
        assert by_code[s.division_code] == s


def test_the_script_rebuilds_the_bundled_file_from_the_sources(tmp_path: Path, sources: Path) -> None:
    out = tmp_path / "china.yaml"
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "national_registry.py"), str(sources), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8") == CHINA.read_text(encoding="utf-8")


def test_an_own_registry_includes_what_it_selects_without_copying_it(tmp_path: Path) -> None:
    own = tmp_path / "mine.yaml"
    own.write_text(
        """include:
  - registry: china
    regions: [广东省广州市]
    codes: ["650100", "110101"]
  - registry: zhejiang
    ids: [yuhang]
sites:
  - id: my-county
    name: 某县人民政府
    region: 某省某县
    start_urls: [https://www.example.gov.cn/col/col1/index.html]
""",
        encoding="utf-8",
    )
    sites = load_registry(own)
    regions = [s.region for s in sites]
    assert sum(r.startswith("广东省广州市") for r in regions) == 12  # the city and its 11 districts
    assert sum(r.startswith("新疆维吾尔自治区乌鲁木齐市") for r in regions) == 9  # a city's code takes its counties
    assert "北京市东城区" in regions and "浙江省杭州市余杭区" in regions
    assert sites[-1].id == "my-county"
    assert len({s.id for s in sites}) == len(sites)


@pytest.mark.parametrize(
    ("include", "reason"),
    [
        ("  - registry: china\n    regions: [广冬省]\n", "include[0].regions: '广冬省' matches no site's region"),
        ("  - registry: china\n    codes: [4401]\n", "include[0].codes: [4401] must be a list of 6-digit"),
        ("  - registry: nowhere.yaml\n", "include[0].registry: cannot be included"),
        ("  - registry: zhejiang\n    sities: [x]\n", "include[0].sities: unknown field"),
        ("  - registry: zhejiang\n  - registry: zhejiang\n", "'hangzhou' is used twice"),
    ],
)
def test_a_bad_include_names_file_line_and_reason(tmp_path: Path, include: str, reason: str) -> None:
    with pytest.raises(RegistryError) as info:
        parse_registry("include:\n" + include, "mine.yaml", base=tmp_path)
    assert "mine.yaml:" in str(info.value) and reason in str(info.value)


def test_the_bundled_registries_answer_to_their_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from archive.config import Config

    assert Config.from_env({"FAZHI_SITES": "china"}).sites_path == CHINA
    monkeypatch.chdir(tmp_path)
    (tmp_path / "china").write_text("sites: []\n", encoding="utf-8")
    assert Config.from_env({"FAZHI_SITES": "china"}).sites_path == Path("china")  # a file of the name wins


def test_every_family_is_read_by_list_platforms_that_exist_or_named_unread(china: list[Site]) -> None:
    from archive.lists import ADAPTERS
    from archive.vocab import READ_BY, Family
    from crawler.check import PageCheck, SiteCheck

    assert set(READ_BY) == set(Family)
    assert all(p in ADAPTERS for platforms in READ_BY.values() for p in platforms)
    assert {s.family for s in china} >= {"hanweb", "trs", "gkmlpt", "ucap", "anhui-public"}
    page = PageCheck("tree", "https://www.example.gov.cn/", status=200, platform="static", entries=30)
    unread = SiteCheck("x", "某县人民政府", "host only", "auto", "henan-govxxgk", [page])
    assert unread.verdict()[0] == "unread family" and "henan-govxxgk" in unread.verdict()[1]
    assert unread.record()["family"] == "henan-govxxgk"
    assert SiteCheck("y", "某县人民政府", "host only", "auto", "trs", [page]).verdict()[0] == "no candidates"
