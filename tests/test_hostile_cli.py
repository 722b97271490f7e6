"""Nothing a user types or a file holds crashes `fazhi`, hangs it or touches the archive: each case is answered in
one line with its exit code, and the archive comes out row for row as it went in.

The table is the suite: add a Case to extend it (tests/hostilekit.py says what a case holds). Every case also
checks that nothing in the output could steer a terminal. Below it, the property test puts random hostile titles
into an archive and prints them through every command.
"""

from __future__ import annotations

import json
import random
import re
import sqlite3
from pathlib import Path

import pytest
from crawlkit import OFFLINE_REGISTRY
from hostilekit import SGR, Case, busy_port, copy_archive, dump, fill, run_fazhi, steering

from archive.display import shown

UNKNOWN_SITE = r"no site 'nosuch' in the archive"
SITE = "    name: 杭州市余杭区人民政府\n    region: 浙江省杭州市余杭区\n    start_urls: [http://127.0.0.1:9/col/col1/index.html]\n"
BOMB = "".join(f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True))
BOMB = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + BOMB
NEW_DB = "sqlite:///{tmp}/new.db"


def registry(extra: str = "", site: str = SITE) -> str:
    return f"sites:\n  - id: yuhang\n{site}{extra}"


CASES = [
    # 1. Writes that could destroy the archive or a user's file.
    Case("export-over-the-archive", ("export", "--format", "csv", "{db}", "--db", "{url}"), 2, "archive's own file"),
    Case("export-over-its-wal", ("export", "--format", "jsonl", "{db}-wal"), 2, "archive's own file"),
    Case(
        "export-through-a-symlink",
        ("export", "--format", "csv", "{tmp}/out.csv"),
        2,
        "archive's own file",
        symlinks={"out.csv": "{db}"},
    ),
    Case(
        "export-over-an-existing-file",
        ("export", "--format", "csv", "{tmp}/old.csv"),
        2,
        r"old.csv exists: give --force",
        files={"old.csv": "a file of the user's"},
    ),
    Case(
        "export-replaces-with-force",
        ("export", "--format", "jsonl", "--force", "{tmp}/old.jsonl"),
        0,
        r"6 reports written to",
        files={"old.jsonl": "a file of the user's"},
        replaced=("old.jsonl",),
    ),
    Case("export-into-a-folder", ("export", "--format", "csv", "{tmp}"), 2, "is a folder"),
    Case(
        "export-of-an-unknown-site-writes-nothing",
        ("export", "--format", "csv", "--site", "nosuch", "{tmp}/x.csv"),
        2,
        UNKNOWN_SITE,
        absent=("{tmp}/x.csv",),
    ),
    # 2. Portal text that looks like markup, printed by a command that takes a file.
    Case(
        "extract-a-page-titled-with-markup",
        ("extract", "{tmp}/page.html"),
        0,
        "",
        files={
            "page.html": "<html><head><meta charset='utf-8'><title>[link=http://evil.example/]点我[/link][/bold]"
            "</title></head><body><h1>[link=http://evil.example/]点我[/link][/bold]\x1b[2J\u202e</h1>"
            "<div id='zoom'><p>2023年，我区全面推进依法行政。</p></div></body></html>"
        },
        # The extractor drops control characters from a title; the override is shown, not obeyed.
        stdout=re.escape(r"[link=http://evil.example/]点我[/link][/bold][2J\u202e"),
    ),
    # 3. What used to hang.
    Case("crawl-into-memory", ("crawl", "--db", "sqlite://"), 2, "in-memory database", timeout=30),
    Case("upgrade-in-memory", ("db", "upgrade", "--db", "sqlite:///:memory:"), 2, "in-memory database", timeout=30),
    Case("schedule-in-memory", ("schedule", "--db", "sqlite://"), 2, "in-memory database", timeout=30),
    Case(
        "registry-delay-infinite",
        ("crawl", "--sites", "{tmp}/r.yaml", "--db", NEW_DB),
        2,
        r"r.yaml:6: sites\[0\].delay: inf must be",
        files={"r.yaml": registry("    delay: .inf\n")},
        absent=("{tmp}/new.db",),
        timeout=30,
    ),
    # 4. What used to end in a traceback.
    Case(
        "registry-alias-bomb",
        ("crawl", "--sites", "{tmp}/bomb.yaml", "--db", NEW_DB),
        2,
        r"bomb.yaml:\d+: its aliases expand to more than",
        files={"bomb.yaml": BOMB + "sites: [{id: x, name: *i, region: r}]\n"},
        absent=("{tmp}/new.db",),
        timeout=30,
    ),
    Case("registry-endless-file", ("sites", "--sites", "/dev/zero"), 2, "larger than 16 MB", timeout=30),
    Case("extract-an-endless-file", ("extract", "/dev/zero"), 2, "larger than 64 MB", timeout=30),
    Case("limit-past-64-bits", ("reports", "--limit", "9223372036854775808"), 2, "not in the range"),
    Case("alerts-limit-past-64-bits", ("alerts", "--limit", "99999999999999999999"), 2, "not in the range"),
    Case("relist-run-past-64-bits", ("relist", "--run", "99999999999999999999"), 2, "not in the range"),
    Case(
        "argument-not-utf8", ("search", b"\xff\xfe\xe6\xb3\x95\xe6\xb2\xbb"), 2, r"'\\xff\\xfe法治' is not valid UTF-8"
    ),
    Case("env-not-utf8", ("reports",), 2, "FAZHI_SITES is not valid UTF-8", env={"FAZHI_SITES": "\udcff.yaml"}),
    Case(
        "home-is-a-device",
        ("crawl",),
        2,
        r"FAZHI_HOME=/dev/null cannot be the data folder: it is not a folder",
        env={"FAZHI_HOME": "/dev/null"},
    ),
    Case("demo-home-is-a-device", ("demo",), 2, "FAZHI_HOME=/dev/null cannot be", env={"FAZHI_HOME": "/dev/null"}),
    Case("database-is-a-device", ("crawl", "--db", "sqlite:////dev/null"), 2, "/dev/null is not a file"),
    Case("database-is-a-folder", ("reports", "--db", "sqlite:///{tmp}"), 2, "is not a file"),
    Case("serve-on-a-busy-port", ("serve", "--port", "{busy_port}"), 2, r"cannot listen on 127.0.0.1:\d+: "),
    Case("serve-with-a-bad-base-url", ("serve", "--base-url", "javascript:alert(1)"), 2, "must be an http"),
    Case("crawl-timeout-nan", ("crawl",), 2, "FAZHI_CRAWL_TIMEOUT='nan' must be", env={"FAZHI_CRAWL_TIMEOUT": "nan"}),
    # 5. What used to be accepted in silence.
    Case(
        "registry-name-is-a-mapping",
        ("sites", "--sites", "{tmp}/r.yaml"),
        2,
        r"r.yaml:3: sites\[0\].name: \{'a': 1\} must be text",
        files={"r.yaml": registry(site=SITE.replace("杭州市余杭区人民政府", "{a: 1}"))},
    ),
    Case(
        "registry-duplicate-key",
        ("sites", "--sites", "{tmp}/r.yaml"),
        2,
        r"r.yaml:6: key 'name' is given twice \(first at line 3\)",
        files={"r.yaml": registry("    name: 另一个名字\n")},
    ),
    Case(
        "registry-delay-nan",
        ("serve", "--sites", "{tmp}/r.yaml"),
        2,
        r"r.yaml:6: sites\[0\].delay: nan must be",
        files={"r.yaml": registry("    delay: .nan\n")},
    ),
    Case(
        "registry-cron-minute-61",
        ("schedule", "--sites", "{tmp}/r.yaml", "--db", NEW_DB),
        2,
        r"r.yaml:6: sites\[0\].schedule: '61 \* \* \* \*': .*higher than the maximum value \(59\)",
        files={"r.yaml": registry("    schedule: '61 * * * *'\n")},
        absent=("{tmp}/new.db",),
    ),
    Case(
        "registry-not-utf8",
        ("sites", "--sites", "{tmp}/r.yaml"),
        2,
        r"r.yaml:3: the site registry is not UTF-8",
        files={"r.yaml": registry().encode("gbk")},
    ),
    *(
        Case(f"unknown-site-{args[0]}", (*args, "--site", "nosuch"), 2, UNKNOWN_SITE)
        for args in (
            ("reports",),
            ("runs",),
            ("vanished",),
            ("coverage",),
            ("search", "法治"),
            ("relist",),
            ("reextract",),
            ("export", "--format", "jsonl", "-"),
        )
    ),
    # 6. A bad registry: every command that reads it answers with its file and line, exit 2, nothing made.
    *(
        Case(
            f"registry-{fault}-{command}",
            (command, "--sites", "{tmp}/r.yaml", "--db", NEW_DB),
            2,
            rf"r.yaml:{line}: .*{reason}",
            files={"r.yaml": content},
            absent=("{tmp}/new.db",),
        )
        for command in ("sites", "serve", "schedule", "crawl")
        for fault, content, line, reason in (
            ("unknown-platform", registry("    platform: drupal\n"), 6, "'drupal' is not one of"),
            ("cron-99-99", registry("    schedule: '99 99 * * *'\n"), 6, "higher than the maximum value"),
            ("duplicate-id", registry() + "  - id: yuhang\n" + SITE, 6, "'yuhang' is used twice"),
            ("not-utf8", registry().encode("gbk"), 3, "the site registry is not UTF-8"),
        )
    ),
    Case("alerts-limit-zero", ("alerts", "--limit", "0"), 2, "not in the range"),
    Case("alerts-limit-negative", ("alerts", "--limit", "-5"), 2, "not in the range"),
    Case(
        "database-in-a-missing-folder",
        ("crawl", "--db", "sqlite:///{tmp}/missing/a.db"),
        2,
        r"missing does not exist",
        absent=("{tmp}/missing",),
    ),
    Case(
        "upgrade-in-a-missing-folder",
        ("db", "upgrade", "--db", "sqlite:///{tmp}/missing/a.db"),
        2,
        r"missing does not exist",
        absent=("{tmp}/missing",),
    ),
    Case(
        "crawl-an-unknown-site-makes-nothing",
        ("crawl", "nosuch", "--db", NEW_DB),
        2,
        r"unknown site id\(s\): nosuch",
        absent=("{tmp}/new.db",),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input(case: Case, demo_archive: Path, tmp_path: Path) -> None:
    db = tmp_path / "archive.store.db"
    copy_archive(demo_archive, db)
    (tmp_path / "sites.yaml").write_text(OFFLINE_REGISTRY, encoding="utf-8")
    with busy_port() as port:
        slots = {"db": str(db), "url": f"sqlite:///{db}", "tmp": str(tmp_path), "busy_port": str(port)}
        slots["sites"] = str(tmp_path / "sites.yaml")
        for name, content in case.files.items():
            path = tmp_path / name
            if isinstance(content, str):
                path.write_text(fill(content, slots), encoding="utf-8")
            else:
                path.write_bytes(content)
        for name, target in case.symlinks.items():
            (tmp_path / name).symlink_to(fill(target, slots))
        written = {name: (tmp_path / name).read_bytes() for name in case.files}
        before = dump(db)
        env = {
            "FAZHI_HOME": str(tmp_path / "home"),
            "FAZHI_DB_URL": slots["url"],
            "FAZHI_SITES": slots["sites"],
            "FORCE_COLOR": "1",  # a terminal, as far as the output goes: markup would become escape sequences
            **{k: fill(v, slots) for k, v in case.env.items()},
        }
        args = [fill(a, slots) if isinstance(a, str) else a for a in case.args]
        out = run_fazhi(args, env, timeout=case.timeout, cwd=tmp_path)

    stderr = SGR.sub("", out.stderr)
    assert out.returncode == case.exit_code, (out.returncode, stderr, out.stdout[-2000:])
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    if case.exit_code != 0 and not lines[0].startswith("Usage:"):  # click's usage errors have their own form
        assert len(lines) == 1, stderr
    assert re.search(case.message, stderr), (case.message, stderr)
    if case.stdout is not None:
        assert re.search(case.stdout, SGR.sub("", out.stdout)), out.stdout
    assert steering(out.stdout) is None, steering(out.stdout)
    assert steering(out.stderr) is None, steering(out.stderr)
    assert dump(db) == before, "the archive changed"
    for path in case.absent:
        assert not Path(fill(path, slots)).exists(), f"{fill(path, slots)} was made"
    for name, content in written.items():
        if name not in case.replaced:
            assert (tmp_path / name).read_bytes() == content, f"{name} was changed"
    for name in case.replaced:
        assert (tmp_path / name).read_bytes() != written[name], f"{name} was not replaced"


# -- hostile titles through every command ----------------------------------------------------------------------

PIECES = [
    "[bold]", "[/bold]", "[/]", "[link=http://evil.example/phish]", "[/link]", "[red on white]", "\\[bold]",
    ":smile:", ":warning:", "\x1b[2J", "\x1b]8;;http://evil.example/\x1b\\", "\x1b[31m", "\x9b31m", "\x07", "\x08",
    "\r", "\u202e", "\u2066", "\u202d", "<script>alert(1)</script>", "{0}", "%s", "法治", "报告", "[", "]",
]  # fmt: skip


def hostile_title(rng: random.Random) -> str:
    return "报告" + "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 5))) + "报告"


def _poison(db: Path, rng: random.Random) -> dict[int, str]:
    """Give every report, version, search entry, event and run message of the archive a hostile title."""
    conn = sqlite3.connect(db)
    try:
        titles = {rid: hostile_title(rng) for (rid,) in conn.execute("SELECT id FROM report")}
        for rid, title in titles.items():
            conn.execute("UPDATE report SET title = ? WHERE id = ?", (title, rid))
            conn.execute("UPDATE report_version SET title = ? WHERE report_id = ?", (title, rid))
            conn.execute("UPDATE search_doc SET title = ? WHERE report_id = ?", (title, rid))
            conn.execute("UPDATE event SET title = ? WHERE report_id = ?", (title, rid))
        for (run_id,) in conn.execute("SELECT id FROM crawl_run").fetchall():
            conn.execute("UPDATE crawl_run SET messages = ? WHERE id = ?", (json.dumps([hostile_title(rng)]), run_id))
        conn.commit()
    finally:
        conn.close()
    return titles


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_hostile_titles_are_printed_inert_by_every_command(demo_archive: Path, tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    db = tmp_path / "archive.store.db"
    copy_archive(demo_archive, db)
    titles = _poison(db, rng)
    names = {sid: hostile_title(rng) for sid in ("yuhang", "dinghai", "putuo", "shangcheng")}
    registry_text = "sites:\n" + "".join(
        f"  - id: {sid}\n    name: {json.dumps(name)}\n    region: {json.dumps(name)}\n"
        f"    start_urls: [http://127.0.0.1:9/{sid}/]\n"
        for sid, name in names.items()
    )
    (tmp_path / "sites.yaml").write_text(registry_text, encoding="utf-8")
    page = tmp_path / "page.html"
    title = hostile_title(rng)
    page.write_bytes(
        f"<html><head><meta charset='utf-8'><title>{title}</title></head><body><h1>{title}</h1>"
        f"<div id='zoom'><p>2023年，{title}依法行政。</p></div></body></html>".encode()
    )
    env = {"FAZHI_DB_URL": f"sqlite:///{db}", "FAZHI_SITES": str(tmp_path / "sites.yaml"), "FORCE_COLOR": "1"}
    env["FAZHI_HOME"] = str(tmp_path / "home")
    ids = [str(i) for i in sorted(titles)]
    commands = [
        ["reports"], ["search", "法治"], ["search", "报告"], ["alerts"], ["runs"], ["sites"], ["coverage"],
        ["vanished"], ["relist"], ["extract", str(page)], *(["show", i] for i in ids), ["history", ids[0]],
        ["diff", ids[0]],
    ]  # fmt: skip
    outputs = {}
    for args in commands:
        out = run_fazhi(args, env)
        assert out.returncode == 0 and "Traceback" not in out.stderr, (args, out.stderr)
        for stream in (out.stdout, out.stderr):
            assert steering(stream) is None, (args, steering(stream))
            assert "\x1b]8" not in stream, (args, "a hyperlink")
        outputs[" ".join(args)] = SGR.sub("", out.stdout)
    # Shown as written, escapes and all (a table folds a long title over lines, so only the short ones there).
    for rid, t in titles.items():
        assert shown(t) in outputs[f"show {rid}"], t
        if len(shown(t)) <= 40:
            assert shown(t) in outputs["reports"], t
    extracted = json.loads(run_fazhi(["extract", "--json", str(page)], env).stdout)["title"]
    assert shown(extracted) in outputs[f"extract {page}"]
    # The data itself is kept exactly: JSON carries each title as it is (its unsafe characters as escapes).
    rows = json.loads(run_fazhi(["reports", "--json"], env).stdout)
    assert {r["id"]: r["title"] for r in rows} == titles


@pytest.mark.postgres
def test_the_largest_numbers_accepted_fit_postgresql(pg_database: str) -> None:
    """The bound on limits and offsets is what PostgreSQL's bigint holds: the largest accepted is answered, not
    refused by the server as out of range."""
    from archive.store.db import make_engine
    from archive.store.migrate import upgrade

    engine = make_engine(pg_database)
    upgrade(engine)
    engine.dispose()
    top = "9223372036854775807"
    env = {"FAZHI_DB_URL": pg_database}
    for args in (["reports", "--limit", top, "--offset", top], ["alerts", "--limit", top], ["runs", "--offset", top]):
        out = run_fazhi(args, env)
        assert out.returncode == 0 and "Traceback" not in out.stderr, (args, out.stderr)
    out = run_fazhi(["show", top], env)
    assert out.returncode == 2 and "no report with id" in out.stderr
