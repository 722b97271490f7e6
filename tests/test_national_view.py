"""Coverage at the country's scale on real SQLite and PostgreSQL: areas from region paths, `fazhi coverage
--region --by`, and the national page (a map of the provinces, drilling down to cities and counties) with its API,
which answers exactly what the CLI does."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import hanweb_page, site_entry
from crawlkit import Archive
from sqlalchemy.orm import Session, sessionmaker
from webkit import get, serving

from archive.cli.main import cli
from archive.config import Config
from archive.query.coverage import coverage
from archive.query.national import by_area, region_parts
from archive.store import ingest as store
from archive.store.raw import RawPage

TODAY = dt.date(2024, 6, 1)
# (site id, government, region, the date its 2023 report was published or None)
GOVERNMENTS = [
    ("tianhe", "广州市天河区人民政府", "广东省广州市天河区", "2024-03-14"),
    ("yuexiu", "广州市越秀区人民政府", "广东省广州市越秀区", "2024-05-10"),
    ("futian", "深圳市福田区人民政府", "广东省深圳市福田区", None),
    ("yuhang", "杭州市余杭区人民政府", "浙江省杭州市余杭区", "2024-03-20"),
    ("putuo-sh", "上海市普陀区人民政府", "上海市普陀区", "2024-03-30"),
]


@pytest.mark.parametrize(
    ("region", "parts"),
    [
        ("广东省广州市天河区", ("广东省", "广州市")),
        ("广东省", ("广东省", "")),
        ("上海市普陀区", ("上海市", "")),  # a municipality's districts are in no city
        ("新疆维吾尔自治区阿克苏地区阿克苏市", ("新疆维吾尔自治区", "阿克苏地区")),
        ("内蒙古自治区锡林郭勒盟二连浩特市", ("内蒙古自治区", "锡林郭勒盟")),
        ("吉林省延边朝鲜族自治州珲春市", ("吉林省", "延边朝鲜族自治州")),
        ("湖北省仙桃市", ("湖北省", "仙桃市")),  # a county-level city its province runs is an area of its own
    ],
)
def test_areas_come_from_region_paths(region: str, parts: tuple[str, str]) -> None:
    assert region_parts(region) == parts


@pytest.fixture
def country(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with sessions.begin() as s:
        for site_id, name, region, _ in GOVERNMENTS:
            store.sync_site(s, site_entry(site_id, name, region))
    for n, (site_id, name, _, date) in enumerate(GOVERNMENTS):
        if date is None:
            continue
        with sessions.begin() as s:
            body = hanweb_page(f"{name}2023年法治政府建设年度报告", ["一、主要举措。依法行政。"], date=date)
            at = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
            store.ingest(s, RawPage(site_id, f"https://{site_id}.example/art/{n}.html", 200, body, at))
    return sessions


def test_coverage_by_province_and_city(country: sessionmaker[Session]) -> None:
    with country() as s:
        rows = coverage(s, year=2023, today=TODAY)
        guangdong = coverage(s, year=2023, today=TODAY, region="广东省")
    assert {r.site_id for r in guangdong} == {"tianhe", "yuexiu", "futian"}
    provinces = {a.area: a for a in by_area(rows, "province")}
    assert set(provinces) == {"广东省", "浙江省", "上海市"}
    gd = provinces["广东省"]
    assert (gd.governments, gd.on_time, gd.late, gd.missing, gd.pending) == (3, 1, 1, 1, 0)
    assert (gd.published_share, gd.on_time_share) == (0.6667, 0.3333)
    cities = {a.area: a.governments for a in by_area(guangdong, "city")}
    assert cities == {"广东省广州市": 2, "广东省深圳市": 1}
    with pytest.raises(ValueError, match="by must be one of province, city"):
        by_area(rows, "county")


def test_the_national_page_and_its_api(country: sessionmaker[Session], db_url: str, tmp_path: Path) -> None:
    registry = tmp_path / "sites.yaml"
    registry.write_text("sites: []\n", encoding="utf-8")
    archive = Archive(Config(home=tmp_path / "home", db_url=db_url, sites_path=registry))
    cli_json = CliRunner().invoke(cli, ["coverage", "--region", "广东省", "--by", "city", "--json", "--db", db_url])
    assert cli_json.exit_code == 0, cli_json.output
    with serving(archive, tmp_path / "serve.log") as base:
        page = get(base + "/coverage/areas?year=2023")
        assert page.status == 200
        svg = re.search(r"<svg class=\"china-map\".*?</svg>", page.text, re.S)
        assert svg is not None, "the map of the provinces"
        guangdong = re.search(r'<a href="/coverage/areas\?region=广东省"><path class="(share-\d)"', svg.group(0))
        assert guangdong is not None and guangdong.group(1) == "share-3"  # two in three published
        assert 'class="share-none"' in svg.group(0)  # provinces the archive holds no site of
        assert "<script" not in page.text
        rows = re.findall(r'<tr data-area="([^"]+)">', page.text)
        assert rows == ["上海市", "广东省", "浙江省"]
        cities = get(base + "/coverage/areas?region=%E5%B9%BF%E4%B8%9C%E7%9C%81&year=2023")
        assert re.findall(r'<tr data-area="([^"]+)">', cities.text) == ["广东省广州市", "广东省深圳市"]
        assert "/coverage?region=%E5%B9%BF%E4%B8%9C%E7%9C%81%E5%B9%BF%E5%B7%9E%E5%B8%82" in cities.text
        counties = get(base + "/coverage?region=%E5%B9%BF%E4%B8%9C%E7%9C%81%E5%B9%BF%E5%B7%9E%E5%B8%82")
        assert counties.status == 200 and "tianhe" in counties.text and "futian" not in counties.text
        api = json.loads(get(base + "/api/coverage/areas?by=city&region=%E5%B9%BF%E4%B8%9C%E7%9C%81").body)
        assert api["items"] == json.loads(cli_json.stdout) and api["total"] == len(api["items"])


def test_coverage_names_sites_whose_lists_fazhi_cannot_read(
    country: sessionmaker[Session], db_url: str, tmp_path: Path
) -> None:
    with country.begin() as s:
        store.sync_site(
            s, replace(site_entry("zhengzhou-x", "某县人民政府", "河南省郑州市某县"), family="henan-govxxgk")
        )
        store.sync_site(s, replace(site_entry("tianhe", "广州市天河区人民政府", "广东省广州市天河区"), family="gkmlpt"))
    result = CliRunner().invoke(cli, ["coverage", "--year", "2023", "--db", db_url])
    assert result.exit_code == 0
    assert "1 site(s) run a platform family fazhi cannot read the lists of yet (henan-govxxgk): zhengzhou-x" in (
        result.stderr
    )
    as_json = CliRunner().invoke(cli, ["coverage", "--year", "2023", "--json", "--db", db_url])
    assert json.loads(as_json.stdout) and "cannot read" in as_json.stderr  # the document stays clean
    registry = tmp_path / "sites.yaml"
    registry.write_text("sites: []\n", encoding="utf-8")
    archive = Archive(Config(home=tmp_path / "home", db_url=db_url, sites_path=registry))
    with serving(archive, tmp_path / "serve.log") as base:
        page = get(base + "/coverage").text
        assert "河南政务公开目录" in page and "zhengzhou-x" in page and "本系统尚不能读取" in page
