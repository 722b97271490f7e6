"""The site registry: the bundled one loads; a bad one is refused whole with file, line and reason."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from archive.config import BUNDLED_SITES, Config
from archive.registry.entry import EVIDENCE
from archive.registry.sites import RegistryError, load_registry, parse_registry, select_sites

GOOD = """\
sites:
  - id: yuhang
    name: 杭州市余杭区人民政府
    region: 浙江省杭州市余杭区
    division_code: "330110"
    platform: hanweb-jpage
    start_urls:
      - https://www.yuhang.gov.cn/col/col1229174959/index.html
    schedule: "0 7 * * *"
"""


def test_bundled_registry_has_the_known_zhejiang_columns() -> None:
    sites = {s.id: s for s in load_registry(BUNDLED_SITES)}
    assert sites["yuhang"].start_urls == ("https://www.yuhang.gov.cn/col/col1229174959/index.html",)
    assert "col1229007109" in sites["dinghai"].start_urls[0]
    assert "col1229698471" in sites["putuo"].start_urls[0]
    assert "col1229000789" in sites["hangzhou"].start_urls[0]


def test_bundled_registry_covers_zhejiangs_101_governments() -> None:
    """11 cities and 90 counties, each once, each with its evidence; only what a source showed is `confirmed`."""
    sites = load_registry(BUNDLED_SITES)
    assert len(sites) == 101
    codes = [s.division_code for s in sites]
    assert len(set(codes)) == 101 and all(c and re.fullmatch(r"33\d{4}", c) for c in codes)
    assert sum(1 for c in codes if c and c.endswith("00")) == 11
    assert len({s.id for s in sites}) == 101
    for site in sites:
        assert site.region.startswith("浙江省") and site.name.endswith("人民政府"), site.id
        assert site.evidence in EVIDENCE and site.source, site.id
        assert len(site.allowed_domains) == 1 and re.fullmatch(r"www\.[a-z0-9-]+\.gov\.cn", site.allowed_domains[0])
        host = site.allowed_domains[0]
        for url in (*site.start_urls, *site.tree_urls, site.search_url or ""):
            assert urlsplit(url).hostname == host, (site.id, url)
        assert set(site.discover) == {"tree", "search"} and site.tree_urls and site.search_url, site.id
        if site.evidence == "confirmed":
            # The source line names a report page on the government's own host, in one of the entry's columns.
            seen = re.search(r"https?://(\S+?)/art/\S*?art_(\d+)_\d+\.html", site.source or "")
            assert seen and seen.group(1) == host, site.id
            assert any(f"col{seen.group(2)}/" in u for u in site.start_urls), site.id
        if site.evidence == "host only":
            assert not site.start_urls, site.id
    hosts = [s.allowed_domains[0] for s in sites]
    assert len(set(hosts)) == 101


def test_discovery_fields() -> None:
    (site,) = parse_registry(GOOD.replace("    schedule:", "    discover: [tree, search]\n    schedule:"))
    assert site.discover == ("tree", "search")
    assert site.tree_urls == ("https://www.yuhang.gov.cn/",)  # the portal's root when none is named
    assert site.search_url and site.search_url.startswith("https://www.yuhang.gov.cn/module/xxgk/search.jsp?")
    assert "{query}" in site.search_url
    host_only = """\
sites:
  - id: xiaoshan
    name: 杭州市萧山区人民政府
    region: 浙江省杭州市萧山区
    evidence: host only
    discover: [tree]
    tree_urls: [https://www.xiaoshan.gov.cn/col/col1229293107/index.html]
"""
    (site,) = parse_registry(host_only)
    assert site.start_urls == () and site.allowed_domains == ("www.xiaoshan.gov.cn",)
    for change, reason in (
        (("evidence: host only", "evidence: checked"), "evidence: 'checked' is not one of"),
        (("discover: [tree]", "discover: [crawl]"), "discover: ['crawl'] must be a list of: tree, search"),
        (("    tree_urls: [https://www.xiaoshan.gov.cn/col/col1229293107/index.html]\n", ""), "tree_urls: is required"),
        (("discover: [tree]", "discover: []"), "start_urls: is required"),
        (
            ("    evidence: host only", "    search_url: https://www.xiaoshan.gov.cn/search?q=x"),
            "search_url: 'https://www.xiaoshan.gov.cn/search?q=x' must hold {query}",
        ),
    ):
        text = host_only.replace(*change)
        assert text != host_only
        with pytest.raises(RegistryError, match=re.escape(reason)):
            parse_registry(text, "sites.yaml")


def test_defaults_are_filled_in() -> None:
    (site,) = parse_registry(GOOD)
    assert site.allowed_domains == ("www.yuhang.gov.cn",)
    assert site.schedule == "0 7 * * *" and site.delay == 1.0 and site.division_code == "330110"
    assert site.timeout is None  # the FAZHI_CRAWL_TIMEOUT setting applies
    (limited,) = parse_registry(GOOD.replace("  - id: yuhang", "  - id: yuhang\n    timeout: 90"))
    assert limited.timeout == 90.0


@pytest.mark.parametrize(
    ("change", "line", "reason"),
    [
        (("platform: hanweb-jpage", "platform: hanweb"), 6, "sites[0].platform: 'hanweb' is not one of"),
        (("id: yuhang", "id: Yu_Hang"), 2, "must match [a-z0-9-]+"),
        (
            ("      - https://www.yuhang.gov.cn/col/col1229174959/index.html", "      - ftp://x"),
            7,
            "not an http",
        ),
        (('schedule: "0 7 * * *"', 'schedule: "every day"'), 9, "five fields are needed"),
        (('schedule: "0 7 * * *"', 'schedule: "61 * * * *"'), 9, "higher than the maximum value (59)"),
        (('schedule: "0 7 * * *"', 'schedule: "99 99 * * *"'), 9, "higher than the maximum value"),
        (("    region: 浙江省杭州市余杭区\n", ""), 2, "sites[0].region: is required"),
        (('division_code: "330110"', "division_code: 33"), 5, "GB/T 2260"),
        (("    platform: hanweb-jpage", "    platfrom: trs"), 6, "platfrom: unknown field"),
        (("  - id: yuhang", "  - id: yuhang\n    delay: -1"), 3, "delay: -1 must be"),
        (("  - id: yuhang", "  - id: yuhang\n    timeout: 0"), 3, "timeout: 0 must be a number of seconds above 0"),
        (("  - id: yuhang", "  - id: yuhang\n    timeout: soon"), 3, "timeout: 'soon' must be"),
        (
            ("      - https://www.yuhang.gov.cn/col/col1229174959/index.html", "      - http://[::1/x"),
            7,
            "start_urls: 'http://[::1/x' is not a valid URL (Invalid IPv6 URL)",
        ),
        (
            ('schedule: "0 7 * * *"', "schedule: \"0 7 * * *\"\n    allowed_domains: ['https://www.yuhang.gov.cn/']"),
            10,
            "allowed_domains: 'https://www.yuhang.gov.cn/' is a URL; write only its host name (www.yuhang.gov.cn)",
        ),
        (
            ('schedule: "0 7 * * *"', 'schedule: "0 7 * * *"\n    allowed_domains: [www.yuhang.gov.cn:443]'),
            10,
            "without a port; write www.yuhang.gov.cn",
        ),
        (
            ('schedule: "0 7 * * *"', "schedule: \"0 7 * * *\"\n    allowed_domains: ['*.yuhang.gov.cn']"),
            10,
            "write 'yuhang.gov.cn', subdomains are always included",
        ),
        (
            ('schedule: "0 7 * * *"', 'schedule: "0 7 * * *"\n    allowed_domains: [www.hangzhou.gov.cn]'),
            7,
            "is outside allowed_domains (www.hangzhou.gov.cn); add www.yuhang.gov.cn to allowed_domains",
        ),
    ],
)
def test_bad_registry_names_file_line_and_reason(change: tuple[str, str], line: int, reason: str) -> None:
    text = GOOD.replace(*change)
    assert text != GOOD
    with pytest.raises(RegistryError) as info:
        parse_registry(text, "sites.yaml")
    assert f"sites.yaml:{line}:" in str(info.value)
    assert reason in str(info.value)


def test_allowed_domains_cover_subdomains_and_other_hosts() -> None:
    text = GOOD + "    allowed_domains: [YUHANG.gov.cn, file.zjzwfw.gov.cn]\n"
    (site,) = parse_registry(text)
    # Lower case, as Scrapy compares host names; a download host elsewhere is the user's to allow.
    assert site.allowed_domains == ("yuhang.gov.cn", "file.zjzwfw.gov.cn")
    (ipv6,) = parse_registry(GOOD.replace("https://www.yuhang.gov.cn/", "http://[::1]:8080/"))
    assert ipv6.allowed_domains == ("::1",)


def test_duplicate_ids_are_refused() -> None:
    text = GOOD + GOOD.split("sites:\n", 1)[1]
    with pytest.raises(RegistryError, match=r"sites.yaml:10: sites\[1\].id: 'yuhang' is used twice"):
        parse_registry(text, "sites.yaml")


def test_broken_yaml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match=r"x.yaml:3: not valid YAML"):
        parse_registry("sites:\n  - id: a\n   name: [unclosed\n", "x.yaml")
    with pytest.raises(RegistryError, match="cannot read the site registry"):
        load_registry(tmp_path / "missing.yaml")
    with pytest.raises(RegistryError, match="list under 'sites:'"):
        parse_registry("- just a list\n", "y.yaml")


def test_select_sites_refuses_unknown_ids() -> None:
    sites = parse_registry(GOOD)
    assert select_sites(sites, []) == sites
    with pytest.raises(RegistryError, match="unknown site id"):
        select_sites(sites, ["nowhere"])


def test_config_reads_environment_and_flags_win(tmp_path: Path) -> None:
    env = {"FAZHI_HOME": str(tmp_path), "FAZHI_NOTIFY": "json://a json://b"}
    config = Config.from_env(env)
    assert config.db_url == f"sqlite:///{tmp_path / 'fazhi.db'}"
    assert config.sites_path == BUNDLED_SITES and config.notify_urls == ("json://a", "json://b")
    override = config.with_overrides(db_url="sqlite:///other.db", notify_urls=("json://c",))
    assert override.db_url == "sqlite:///other.db" and override.notify_urls == ("json://c",)
    assert (
        Config.from_env({"FAZHI_HOME": str(tmp_path), "FAZHI_DB_URL": "postgresql://x/y"}).db_url == "postgresql://x/y"
    )
    assert Config.from_env({"FAZHI_HOME": str(tmp_path)}).crawl_timeout == 3600
    timed = Config.from_env({"FAZHI_HOME": str(tmp_path), "FAZHI_CRAWL_TIMEOUT": "90"})
    assert timed.crawl_timeout == 90 and timed.as_env()["FAZHI_CRAWL_TIMEOUT"] == "90.0"


def test_a_crawl_process_reads_the_registry_once_while_it_is_unchanged(tmp_path: Path) -> None:
    from crawler.link import _parsed, registry

    path = tmp_path / "sites.yaml"
    path.write_text(BUNDLED_SITES.read_text("utf-8"), "utf-8")
    before = _parsed.cache_info()
    first = registry(path)
    again = registry(path)
    after = _parsed.cache_info()
    assert first == again and len(first) == 101
    assert after.misses == before.misses + 1 and after.hits == before.hits + 1  # parsed once, then reused
    path.write_text(BUNDLED_SITES.read_text("utf-8") + "\n# edited\n", "utf-8")
    assert registry(path) == first
    assert _parsed.cache_info().misses == after.misses + 1  # a changed file is read again
