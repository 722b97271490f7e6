"""Full-text search on real SQLite and PostgreSQL: exactly the reports that hold a term, folded, ranked, marked."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import hanweb_page, site_entry
from sqlalchemy import column, func, insert, select, table
from sqlalchemy.orm import Session, sessionmaker

from archive.cli.main import cli
from archive.errors import BadUsage
from archive.extract import text_sha256
from archive.extract.normalize import normalize_text
from archive.search import find as search_mod
from archive.search.find import MARK_CLOSE, MARK_OPEN, search
from archive.store import ingest as store
from archive.store import postings
from archive.store.db import make_engine, make_sessionmaker
from archive.store.fulltext import index_versions
from archive.store.migrate import upgrade
from archive.store.models import Attachment, Capture, Report, SearchDoc, SearchSegment, Site, Version
from archive.store.raw import RawFile, RawPage
from archive.store.reextract import reextract

FIXTURES = Path(__file__).parent / "fixtures" / "page_texts"
T0 = dt.datetime(2024, 3, 15, tzinfo=dt.UTC)
# report_version as the early schemas hold it (its text plain; the models pack it since migration 0009).
VERSION_0004 = table(
    "report_version",
    *(column(c) for c in ("id", "report_id", "version", "fetched_at", "capture_sha256", "content_sha256", "title")),
    *(column(c) for c in ("text", "chars", "change", "extractor_version", "replacement_chars")),
)
SITES = [("yuhang", "浙江省杭州市余杭区"), ("xihu", "浙江省杭州市西湖区"), ("dinghai", "浙江省舟山市定海区")]
_FULL = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})


def _paragraphs() -> list[list[str]]:
    files = sorted(FIXTURES.glob("*.txt"))
    texts = [[line for line in f.read_text("utf-8").splitlines() if line.strip()] for f in files]
    return [t for t in texts if len(t) >= 3]


def _mutate(rng: random.Random, line: str) -> str:
    """What portals do to the same words: swap punctuation widths, widen digits, add Latin letters in any case."""
    roll = rng.random()
    if roll < 0.2:
        line = line.replace("，", ",").replace("：", ":")
    elif roll < 0.35:
        line = re.sub(r"[0-9A-Za-z]", lambda m: m.group().translate(_FULL), line)
    elif roll < 0.45:
        cut = rng.randrange(len(line) + 1)
        line = line[:cut] + rng.choice(["ABC系统", "Ａｂｃ平台", "abc", "OA办公", "ｏａ"]) + line[cut:]
    if rng.random() < 0.3 and len(line) > 4:  # an edit: one character dropped
        cut = rng.randrange(len(line))
        line = line[:cut] + line[cut + 1 :]
    return line


@dataclasses.dataclass
class Doc:
    report_id: int
    version: int
    parts: list[str]  # title, text, attachment texts
    folded: list[str] = dataclasses.field(default_factory=list)

    def __post_init__(self) -> None:
        self.folded = [normalize_text(part).lower() for part in self.parts]


def _corpus(sessions: sessionmaker[Session], reports: int = 130, seed: int = 8) -> list[Doc]:
    rng = random.Random(seed)
    sources = _paragraphs()
    docs: list[Doc] = []
    with sessions.begin() as s:
        for site_id, region in SITES:
            store.sync_site(s, site_entry(site_id, f"{region[-3:]}人民政府", region, "hanweb-jpage", None))
        s.add(Capture(sha256="0" * 64, size=0, compression="none", body=b""))
        s.flush()
        for n in range(reports):
            site_id = SITES[n % len(SITES)][0]
            year = 2020 + n % 5
            kind = ["annual_report", "department_report", "related"][n % 3]
            place, name = (
                rng.choice(["余杭区", "西湖区", "定海区", "某局"]),
                rng.choice(["年度报告", "工作报告", "情况"]),
            )
            title = f"{place}{year}年法治政府建设{name}"
            report = Report(site_id=site_id, url=f"https://x.gov.cn/art/{n}.html", title=title, kind=kind, year=year)
            s.add(report)
            s.flush()
            source = rng.choice(sources)
            for number in range(1, rng.choice([1, 1, 2, 3]) + 1):
                start = rng.randrange(len(source))
                lines = [_mutate(rng, line) for line in source[start : start + rng.randint(3, 9)]]
                text = "\n".join(lines)
                version = Version(
                    report_id=report.id,
                    version=number,
                    fetched_at=T0 + dt.timedelta(days=n + number),
                    capture_sha256="0" * 64,
                    content_sha256=text_sha256(text),
                    title=_mutate(rng, title),
                    text=text,
                    chars=len(text),
                    change="new" if number == 1 else "changed",
                    extractor_version="t",
                )
                files: list[str] = []
                if rng.random() < 0.3:
                    other = rng.choice(sources)
                    files.append("\n".join(_mutate(rng, line) for line in other[: rng.randint(2, 5)]))
                    version.attachments = [
                        Attachment(position=0, url=f"https://x.gov.cn/f/{n}.docx", filename="附件.docx", text=files[0]),
                        Attachment(position=1, url=f"https://x.gov.cn/f/{n}.pdf", filename="b.pdf", error="timeout"),
                    ]
                s.add(version)
                s.flush()
                report.current_version_id = version.id  # as ingest keeps it
                docs.append(Doc(report.id, number, [version.title, text, *files]))
    return docs


def _holds(doc: Doc, term: str) -> bool:
    """The plain scan: the term, folded, inside one folded part of the version."""
    needle = normalize_text(term).lower()
    return any(needle in part for part in doc.folded)


def _latest(docs: list[Doc]) -> list[Doc]:
    last: dict[int, Doc] = {}
    for d in docs:
        if d.version > last.get(d.report_id, d).version or d.report_id not in last:
            last[d.report_id] = d
    return list(last.values())


def _terms(docs: list[Doc], rng: random.Random, count: int) -> list[str]:
    terms: list[str] = []
    while len(terms) < count:
        doc = rng.choice(docs)
        line = rng.choice([line for part in doc.parts for line in part.splitlines() if len(line) >= 8])
        length = rng.randint(2, 8)
        start = rng.randrange(len(line) - length + 1)
        term = line[start : start + length]
        if term.strip() == term and " " not in term:
            terms.append(term)
    return terms


def _bring_to(state: str, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> None:
    """Put the index in one of the states a search must give the same answers in."""
    if state == "waiting":  # nothing merged: every doc read
        return
    engine = sessions.kw["bind"]
    # Small segments and a small fan-out, so a corpus of a few hundred versions goes through merges of merges.
    monkeypatch.setattr(postings, "BUILD_DOCS", 23)
    monkeypatch.setattr(postings, "FANOUT", 3)
    monkeypatch.setattr(postings, "size_class", lambda docs: 0 if docs < 40 else 1 if docs < 120 else 2)
    monkeypatch.setattr(search_mod, "_POOL", 3)  # candidates come into line three at a time: many refills, ties
    postings.optimize(engine)
    if state == "merged":
        with sessions() as s:
            assert s.scalar(select(func.count()).select_from(SearchDoc).where(SearchDoc.segment_id.is_(None))) == 0
            assert 1 < (s.scalar(select(func.count()).select_from(SearchSegment)) or 0) < 10
        return
    # "mixed": a third of the docs written again after their merge (their old pairs no longer count), some of those
    # merged again, the rest waiting.
    with sessions.begin() as s:
        ids = list(s.scalars(select(Version.id).order_by(Version.id)))
        index_versions(s.connection(), ids[::3])
    with engine.begin() as conn:
        postings.build_pending(conn, limit=len(ids) // 6)
        postings.merge_segments(conn, list(conn.scalars(select(SearchSegment.id).limit(3))))
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(SearchDoc).where(SearchDoc.segment_id.is_(None)))


@pytest.mark.parametrize("state", ["waiting", "merged", "mixed"])
def test_finds_exactly_the_reports_holding_each_term(
    sessions: sessionmaker[Session], state: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = _corpus(sessions)
    _bring_to(state, sessions, monkeypatch)
    assert len(docs) >= 200
    latest = _latest(docs)
    rng = random.Random(3)
    terms = _terms(docs, rng, 160)
    terms += [t.translate(_FULL) for t in terms[:20]]  # typed full-width
    terms += ["abc", "ABC", "ａｂｃ", "oa", "法治", "政府", "2023年", "，", ",行政"]
    seen_counts = set()
    with sessions() as s:
        for term in terms:
            if len(normalize_text(term)) < 2:
                continue
            want = {d.report_id for d in latest if _holds(d, term)}
            rows = search(s, term, limit=None)
            got = [r.id for r in rows]
            assert len(got) == len(set(got)), term
            assert set(got) == want, term
            assert [r.rank for r in rows] == sorted((r.rank for r in rows), reverse=True), term
            seen_counts.add(len(want))
            # The first results of a limited search are the first of the whole list (the walk stops early).
            top = [(r.id, r.rank) for r in search(s, term, limit=5)]
            assert top == [(r.id, r.rank) for r in rows[:5]], term
            every = {(r.id, r.version) for r in search(s, term, limit=None, all_versions=True)}
            assert every == {(d.report_id, d.version) for d in docs if _holds(d, term)}, term
    assert len(seen_counts) > 10  # rare and common terms both tried
    assert 0 not in seen_counts or len(seen_counts) > 1


def test_several_terms_must_all_occur_and_one_character_terms_narrow(sessions: sessionmaker[Session]) -> None:
    docs = _latest(_corpus(sessions, reports=40))
    with sessions() as s:
        got = {r.id for r in search(s, "法治  行政", limit=None)}
        assert got == {d.report_id for d in docs if _holds(d, "法治") and _holds(d, "行政")}
        narrowed = {r.id for r in search(s, "法治 案", limit=None)}
        assert narrowed == {d.report_id for d in docs if _holds(d, "法治") and _holds(d, "案")}
        assert narrowed < {r.id for r in search(s, "法治", limit=None)}


def _one_report(sessions: sessionmaker[Session], text: str, title: str = "某区2023年法治政府建设年度报告") -> int:
    with sessions.begin() as s:
        store.sync_site(s, site_entry("yuhang", "杭州市余杭区人民政府", "浙江省杭州市余杭区", "hanweb-jpage", None))
        page = RawPage(
            site_id="yuhang",
            url="https://x.gov.cn/art/1.html",
            status=200,
            body=hanweb_page(title, text.splitlines()),
            fetched_at=T0,
        )
        result = store.ingest(s, page)
    assert result.report_id is not None
    return result.report_id


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("推进ＯＡ系统建设，全区完成１２３件。", "oa系统"),
        ("推进OA系统建设,全区完成123件。", "ＯＡ系统"),
        ("推进OA系统建设，全区完成123件。", "建设,全区"),
        ("推进OA系统建设,全区完成123件。", "建设，全区"),
        ("推进OA系统建设,全区完成１２３件。", "123件"),
    ],
)
def test_width_and_case_are_folded(sessions: sessionmaker[Session], stored: str, typed: str) -> None:
    rid = _one_report(sessions, f"2023年，我区法治政府建设取得新进展。\n{stored}")
    with sessions() as s:
        (hit,) = search(s, typed)
        assert hit.id == rid
        start, end = hit.highlight[0]
        marked = hit.snippet[start:end]
        assert hit.snippet[start - 1] == MARK_OPEN and hit.snippet[end] == MARK_CLOSE
        assert normalize_text(marked).lower() == normalize_text(typed).lower()
        assert search(s, typed + "不在") == []


def test_snippet_is_the_passage_around_the_term_with_every_hit_marked(sessions: sessionmaker[Session]) -> None:
    filler = "全区各部门认真落实各项工作要求" * 8
    _one_report(sessions, f"第一段没有要找的词。\n{filler}行政复议纠错率下降，行政复议案件办结。{filler}")
    with sessions() as s:
        (hit,) = search(s, "行政复议")
    snippet = hit.snippet
    assert snippet.startswith("…") and snippet.endswith("…") and len(snippet) < 200
    assert snippet.count("【行政复议】") == 2 and "第一段" not in snippet
    assert [snippet[a:b] for a, b in hit.highlight] == ["行政复议", "行政复议"]


def test_filters_site_year_kind_region(sessions: sessionmaker[Session]) -> None:
    docs = _latest(_corpus(sessions, reports=30))
    with sessions() as s:
        meta = {r.id: r for r in s.scalars(select(Report))}
        everything = search(s, "法治", limit=None)
        assert {r.id for r in everything} == {d.report_id for d in docs if _holds(d, "法治")}
        cases = [
            ({"site": "xihu"}, lambda r: r.site_id == "xihu"),
            ({"year": 2022}, lambda r: r.year == 2022),
            ({"kind": "related"}, lambda r: r.kind == "related"),
            ({"region": "舟山市"}, lambda r: r.site_id == "dinghai"),
            ({"region": "杭州", "year": 2021}, lambda r: r.site_id != "dinghai" and r.year == 2021),
        ]
        for filters, keep in cases:
            got = {r.id for r in search(s, "法治", limit=None, **filters)}  # type: ignore[arg-type]
            want = {r.id for r in everything if keep(meta[r.id])}
            assert got == want and want, filters
        assert len(search(s, "法治", limit=3)) == 3


def test_rank_counts_occurrences_and_favours_the_title(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        store.sync_site(s, site_entry("yuhang", "杭州市余杭区人民政府", "浙江省杭州市余杭区", "hanweb-jpage", None))
        s.add(Capture(sha256="0" * 64, size=0, compression="none", body=b""))
        texts = {
            "once": ("某区工作报告", "依法行政有进展。"),
            "thrice": ("某区工作报告", "依法行政一。依法行政二。依法行政三。"),
            "titled": ("某区依法行政工作报告", "依法行政一。依法行政二。"),
        }
        for n, (key, (title, text)) in enumerate(texts.items()):
            r = Report(site_id="yuhang", url=f"https://x.gov.cn/{key}", title=title, kind="related", year=2023)
            s.add(r)
            s.flush()
            v = Version(
                report_id=r.id,
                version=1,
                fetched_at=T0 + dt.timedelta(days=n),
                capture_sha256="0" * 64,
                content_sha256=key,
                title=title,
                text=text,
                chars=len(text),
                change="new",
                extractor_version="t",
            )
            s.add(v)
            s.flush()
            r.current_version_id = v.id
    with sessions() as s:
        rows = search(s, "依法行政")
        assert [r.url.rsplit("/", 1)[1] for r in rows] == ["titled", "thrice", "once"]
        assert rows[0].rank > rows[1].rank > rows[2].rank
        # Equal rank: the newer first.
        assert [r.url.rsplit("/", 1)[1] for r in search(s, "某区")] == ["titled", "thrice", "once"]


@pytest.mark.parametrize("query", ["", "   ", "\u3000", "法", "法 治"])
def test_empty_or_one_character_queries_are_usage_errors(sessions: sessionmaker[Session], query: str) -> None:
    with sessions() as s, pytest.raises(BadUsage):
        search(s, query)


def test_index_follows_correction_completion_and_reextract(sessions: sessionmaker[Session]) -> None:
    rid = _one_report(sessions, "2023年，我区法治政府建设取得新进展。\n全区行政复议纠错率下降。")
    correction = hanweb_page(
        "某区2023年法治政府建设年度报告", ["2023年，我区法治政府建设取得新进展。", "全区行政诉讼败诉率下降。"]
    )
    with sessions.begin() as s:
        store.ingest(
            s,
            RawPage(
                site_id="yuhang",
                url="https://x.gov.cn/art/1.html",
                status=200,
                body=correction,
                fetched_at=T0 + dt.timedelta(days=1),
            ),
        )
    with sessions() as s:
        assert search(s, "行政复议") == []
        assert [r.id for r in search(s, "行政诉讼")] == [rid]
        assert [(r.id, r.version) for r in search(s, "行政复议", all_versions=True)] == [(rid, 1)]

    # A file that failed to download, then arrived: its text becomes searchable in the same version.
    file_url = "https://x.gov.cn/f/report.docx"
    body = hanweb_page(
        "某区2023年法治政府建设年度报告（附件）", ["详见附件。"], extra=f'<p><a href="{file_url}">报告.docx</a></p>'
    )
    page = RawPage(
        site_id="yuhang",
        url="https://x.gov.cn/art/2.html",
        status=200,
        body=body,
        fetched_at=T0,
        files=(RawFile(url=file_url, filename="报告.docx", error="timeout"),),
    )
    with sessions.begin() as s:
        second = store.ingest(s, page).report_id
    with sessions() as s:
        assert search(s, "重大行政决策") == []
    from test_store import _docx

    arrived = dataclasses.replace(
        page,
        fetched_at=T0 + dt.timedelta(days=2),
        files=(
            RawFile(url=file_url, filename="报告.docx", status=200, body=_docx(["重大行政决策事项目录纳入6个事项。"])),
        ),
    )
    with sessions.begin() as s:
        store.ingest(s, arrived)
    with sessions() as s:
        hits = search(s, "重大行政决策")
        assert [(r.id, r.version) for r in hits] == [(second, 1)]
        assert s.scalar(select(func.count()).select_from(Version).where(Version.report_id == second)) == 1

    # Reextract: an old extractor's chrome ("分享到") leaves the latest text, and the index with it.
    with sessions.begin() as s:
        v = s.scalars(select(Version).where(Version.report_id == rid, Version.version == 2)).one()
        v.text += "\n分享到：朋友圈"
        v.content_sha256, v.extractor_version = text_sha256(v.text), "0"
    with sessions() as s:
        assert [r.id for r in search(s, "朋友圈")] == [rid]
    reextract(sessions)
    with sessions() as s:
        assert search(s, "朋友圈") == []
        assert [r.version for r in search(s, "朋友圈", all_versions=True)] == [2]
        assert [r.id for r in search(s, "行政诉讼")] == [rid]
        # Every version indexed once, nothing left of deleted ones.
        assert s.scalar(select(func.count()).select_from(SearchDoc)) == s.scalar(
            select(func.count()).select_from(Version)
        )
        # Reextract merged what it wrote: nothing waits.
        assert s.scalar(select(func.count()).select_from(SearchDoc).where(SearchDoc.segment_id.is_(None))) == 0


def test_deleting_a_version_drops_its_index(sessions: sessionmaker[Session]) -> None:
    rid = _one_report(sessions, "2023年，我区法治政府建设取得新进展。\n全区行政复议纠错率下降。")
    with sessions.begin() as s:
        s.get_one(Report, rid).current_version_id = None  # as the repair does before it deletes a version
        s.flush()
        s.delete(s.scalars(select(Version).where(Version.report_id == rid)).one())
    with sessions() as s:
        assert search(s, "行政复议") == []
        assert s.scalar(select(func.count()).select_from(SearchDoc)) == 0


def test_cli_json_shape_and_usage_error(sessions: sessionmaker[Session], db_url: str) -> None:
    rid = _one_report(sessions, "2023年，我区法治政府建设取得新进展。\n全区行政复议纠错率下降。")
    result = CliRunner().invoke(cli, ["search", "行政复议", "--json", "--db", db_url])
    assert result.exit_code == 0, result.output
    (hit,) = json.loads(result.stdout)
    assert hit["id"] == rid and hit["rank"] == 1 and hit["version"] == 1
    assert {
        "site_id",
        "region",
        "title",
        "kind",
        "year",
        "url",
        "status",
        "version_count",
        "snippet",
        "highlight",
    } <= set(hit)
    assert "【行政复议】" in hit["snippet"]
    plain = CliRunner().invoke(cli, ["search", "行政复议", "--db", db_url])
    assert plain.exit_code == 0 and "行政复议" in plain.output
    for bad in (["search", "  "], ["search", "法"], ["search", "法治", "--limit", "0"]):
        result = CliRunner().invoke(cli, [*bad, "--db", db_url])
        assert result.exit_code == 2, bad


def test_migration_indexes_the_versions_already_archived(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine, "0004")
        with engine.begin() as conn:
            conn.execute(
                insert(Site), [{"id": "s", "name": "某区人民政府", "region": "浙江省某区", "platform": "static"}]
            )
            conn.execute(insert(Capture), [{"sha256": "0" * 64, "size": 0, "compression": "none", "body": b""}])
            for n in range(1, 451):  # more than one batch
                conn.execute(
                    insert(Report),
                    [{"id": n, "site_id": "s", "url": f"https://x/{n}", "title": f"报告{n}", "kind": "related"}],
                )
                text = f"第{n}号：行政复议纠错率下降。" if n % 2 else "全区法治政府建设取得新进展。"
                row = {"id": n, "report_id": n, "version": 1, "fetched_at": T0, "capture_sha256": "0" * 64}
                conn.execute(
                    insert(VERSION_0004),  # as that schema holds it: plain text, not the models' packed text
                    [
                        {
                            **row,
                            "content_sha256": str(n),
                            "title": f"报告{n}",
                            "text": text,
                            "chars": len(text),
                            "change": "new",
                            "extractor_version": "t",
                            "replacement_chars": 0,
                        }
                    ],
                )
        upgrade(engine)
        with make_sessionmaker(engine)() as s:
            assert {r.id for r in search(s, "行政复议", limit=None)} == set(range(1, 451, 2))
            assert len(search(s, "法治政府", limit=None)) == 225
    finally:
        engine.dispose()
