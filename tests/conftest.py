"""Shared fixtures: real databases (SQLite file and PostgreSQL), a migrated archive, a running portal simulator."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from archive.registry.sites import Site
from archive.store.db import make_engine, make_sessionmaker
from archive.store.migrate import upgrade

PG_URL = os.environ.get("FAZHI_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# In CI (`CI=true`, as .ci/run sets it) a test that cannot run for want of a tool or a server fails: a green run must
# not hide that PostgreSQL, Chromium, antiword or pywb were missing. Elsewhere such a test is skipped, saying why.
IN_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str) -> None:
    """Skip the test for `reason`, or under CI fail it."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: what the tests need must be there)")
    pytest.skip(reason)


def _pg_admin_url() -> str:
    return make_url(PG_URL).set(database="postgres").render_as_string(hide_password=False)


def _pg_reachable() -> str | None:
    try:
        engine = create_engine(_pg_admin_url())
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means: no server here
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return None


@pytest.fixture(scope="session")
def pg_server() -> str:
    problem = _pg_reachable()
    if problem:
        unavailable(f"no PostgreSQL server reachable at {PG_URL} ({problem})")
    return PG_URL


@pytest.fixture
def pg_database(pg_server: str) -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    name = f"fazhi_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(pg_server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'archive.db'}"
    return str(request.getfixturevalue("pg_database"))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


def site_entry(site_id: str, name: str, region: str, platform: str = "auto", division_code: str | None = None) -> Site:
    """A registry entry with what the archive keeps of a site (tests that write without a registry file)."""
    return Site(
        id=site_id,
        name=name,
        region=region,
        start_urls=(),
        allowed_domains=(),
        platform=platform,
        division_code=division_code,
    )


def hanweb_page(title: str, paragraphs: list[str], date: str = "2024-03-14", extra: str = "") -> bytes:
    """A small Hanweb-style article page around `paragraphs`, with the usual chrome."""
    body = "".join(f'<p style="text-indent:2em">{p}</p>' for p in paragraphs)
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="{date} 10:20">
<meta name="ContentSource" content="区司法局"><title>{title}_杭州市余杭区人民政府</title></head>
<body><div class="crumb">当前位置：首页 &gt; 政务公开 &gt; 法治政府建设</div>
<h1>{title}</h1><div class="info">发布日期：{date} 来源：区司法局 浏览次数：<span>{len(extra)}</span></div>
<div id="zoom"><!--ZJEG_RSS.content.begin-->{body}<!--ZJEG_RSS.content.end-->{extra}</div>
<div class="share">分享到：<a href="#">微信</a><a href="#">微博</a></div>
<div>【返回顶部】 【打印本页】 【关闭窗口】</div>
<div class="footer">主办单位：杭州市余杭区人民政府办公室 网站标识码：3301100001 浙ICP备05005005号</div>
</body></html>""".encode()


@pytest.fixture(scope="session")
def demo_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real archive, made once by `fazhi demo` in a process of its own: six reports (one corrected), runs,
    events. Tests copy it (hostilekit.copy_archive) rather than write to it."""
    from hostilekit import run_fazhi

    home = tmp_path_factory.mktemp("demo")
    out = run_fazhi(["demo"], {"FAZHI_HOME": str(home)}, timeout=600)
    assert out.returncode == 0, out.stderr
    return home / "demo.db"
