"""Random sequences of corrections, removals, outages, blocks, flaky attachments and a notifier that comes and goes,
each followed by a real crawl of the simulator and an alert delivery; after every step the archive must agree with a
model of what the sites published: one report per page, a version only when the published text changed, removals
after two missing crawls, and each event delivered once to each channel."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from crawlkit import Archive, make_archive
from inbox import Inbox
from sqlalchemy import select

from archive.alerts.delivery import deliver_pending
from archive.store.db import make_engine, make_sessionmaker
from archive.store.ingest import canonical_url
from archive.store.models import AlertChannel, AlertDelivery, Event, Report, Version, utcnow
from portalsim import ExpectedReport, PortalSim

pytestmark = pytest.mark.slow

SITES = ("yuhang", "putuo")
STEPS = 7


@dataclass
class Article:
    report: ExpectedReport
    text: str
    removed: bool = False
    observed: list[str] = field(default_factory=list)  # the distinct texts a crawl saw, in order
    missing: int = 0  # crawls in a row that found the page gone
    status: str | None = None  # as the archive should have it: None (never seen), active, removed

    @property
    def attachment_only(self) -> bool:
        return self.report.attachment_only


@dataclass
class Model:
    articles: dict[tuple[str, str], Article]  # by (site, article key)
    events: Counter[str] = field(default_factory=Counter)
    site_failing: dict[str, bool] = field(default_factory=dict)

    def crawled(self, site: str, reachable: bool, files_failing: frozenset[tuple[str, str]] = frozenset()) -> None:
        """What a crawl of `site` sees; `files_failing` are the articles whose attachment did not download."""
        if not reachable:
            if not self.site_failing.get(site):
                self.events["site_error"] += 1  # once per outage
            self.site_failing[site] = True
            return
        self.site_failing[site] = False
        for a in self.articles.values():
            if a.report.site_id != site:
                continue
            if a.removed:
                if a.status == "active":
                    a.missing += 1
                    if a.missing >= 2:
                        a.status = "removed"
                        self.events["removed"] += 1
                continue
            a.missing = 0
            if a.observed and a.observed[-1] != a.text and (site, a.report.key) in files_failing:
                # The new text is only in a file that did not download: no crawl can see it yet; the next one will.
                a.status = "active"
                continue
            if not a.observed:
                self.events["new"] += 1
            elif a.observed[-1] != a.text:
                self.events["changed"] += 1
            if not a.observed or a.observed[-1] != a.text:
                a.observed.append(a.text)
            a.status = "active"


@pytest.fixture(scope="module")
def sim() -> Iterator[PortalSim]:
    with PortalSim(SITES) as s:
        yield s


def _check_archive(archive: Archive, model: Model, step: str) -> None:
    with archive.session() as s:
        reports = {r.url: r for r in s.scalars(select(Report))}
        seen = {canonical_url(a.report.url): a for a in model.articles.values() if a.observed}
        assert set(reports) == set(seen), f"{step}: one report per page published"
        for url, a in seen.items():
            report = reports[url]
            versions = list(s.scalars(select(Version).where(Version.report_id == report.id).order_by(Version.version)))
            hashes = [v.content_sha256 for v in versions]
            assert all(x != y for x, y in itertools.pairwise(hashes)), f"{step}: a version without change"
            assert len(versions) == len(a.observed), (
                f"{step}: {url} has {len(versions)} versions, published {a.observed}"
            )
            assert report.status == a.status, f"{step}: {url} is {report.status}, should be {a.status}"
        kinds = Counter(s.scalars(select(Event.kind)))
        assert kinds == +model.events, f"{step}: events {dict(kinds)}, expected {dict(model.events)}"


def _digest_size(title: str) -> int | None:
    match = re.match(r"汇总: (\d+) 条提醒", title)
    return int(match.group(1)) if match else None


def _check_delivery(archive: Archive, box: Inbox, url: str, complete: bool, step: str) -> None:
    """Each event reaches the channel at most once (exactly once when `complete`), as the archive records it."""
    with archive.session() as s:
        titles = Counter(s.scalars(select(Event.title)))
        sent = s.execute(
            select(Event.title, AlertDelivery.digest)
            .join(AlertDelivery, AlertDelivery.event_id == Event.id)
            .join(AlertChannel, AlertChannel.id == AlertDelivery.channel_id)
            .where(AlertDelivery.sent_at.is_not(None), AlertChannel.display.contains(str(box.server.server_port)))
        ).all()
    singles = Counter(t for t in box.titles() if _digest_size(t) is None)
    in_digests = sum(n for t in box.titles() if (n := _digest_size(t)) is not None)
    assert singles == Counter(t for t, digest in sent if not digest), f"{step}: messages differ from the record"
    assert in_digests == sum(1 for _, digest in sent if digest), f"{step}: digests differ from the record"
    assert not singles - titles, f"{step}: a message for an event sent more often than it happened"
    if complete:
        assert sum(singles.values()) + in_digests == sum(titles.values()), f"{step}: {url} missed events"


# Every history on SQLite; one is enough for PostgreSQL.
HISTORIES = [("sqlite", 6), ("sqlite", 11), ("sqlite", 29), pytest.param("postgresql", 11, marks=pytest.mark.postgres)]


@pytest.mark.parametrize(("backend", "seed"), HISTORIES)
def test_random_histories_keep_the_invariants(
    sim: PortalSim, tmp_path: Path, request: pytest.FixtureRequest, backend: str, seed: int
) -> None:
    db_url = f"sqlite:///{tmp_path / 'archive.db'}" if backend == "sqlite" else request.getfixturevalue("pg_database")
    rng = random.Random(seed)
    sim.reset()
    sim.add_pointer_twins("putuo")
    archive = make_archive(tmp_path, sim, db_url=db_url)
    model = Model({(site, r.key): Article(r, r.text) for site in SITES for r in sim.expected_reports(site)})
    live, flaky = Inbox(), Inbox()
    sessions = make_sessionmaker(make_engine(archive.config.db_url))
    clock_offset = dt.timedelta()
    corrections = 0
    try:
        for step in range(STEPS):
            down: set[str] = set()
            failing_files: list[ExpectedReport] = []
            for _ in range(rng.randint(1, 3)):
                op = rng.choice(["correct", "correct", "remove", "restore", "outage", "block", "files", "notifier"])
                a = model.articles[rng.choice(sorted(model.articles))]
                site = rng.choice(SITES)
                if op == "correct" and not a.removed:
                    corrections += 1
                    a.text = a.text.replace("。", f"（第{corrections}次更正）。", 1)
                    sim.set_article_text(a.report.site_id, a.report.key, a.text)
                elif op == "remove" and not a.removed:
                    a.removed = True
                    sim.remove_article(a.report.site_id, a.report.key)
                elif op == "restore" and a.removed:
                    a.removed = False
                    sim.restore_article(a.report.site_id, a.report.key)
                elif op == "outage":
                    down.add(site)
                    sim.stop_site(site)
                elif op == "block":
                    down.add(site)
                    sim.block(site)
                elif op == "files" and a.attachment_only:
                    failing_files.append(a.report)
                    sim.fail(a.report.site_id, a.report.attachments[0].url, status=503, times=1000)
                elif op == "notifier":
                    flaky.status = 500 if flaky.status == 200 else 200
            archive.crawl(*SITES)
            failing = frozenset((r.site_id, r.key) for r in failing_files)
            for site in SITES:
                model.crawled(site, reachable=site not in down, files_failing=failing)
            for site in down:
                sim.unblock(site)
                sim.start_site(site)
            for report in failing_files:
                sim.fail(report.site_id, report.attachments[0].url, status=503, times=0)
            # Each delivery an hour after the last on the alert clock: backoffs and rate windows have run out.
            clock_offset += dt.timedelta(hours=1)
            deliver_pending(sessions, (live.url, flaky.url), clock=lambda at=clock_offset: utcnow() + at)
            label = f"seed {seed} step {step}"
            _check_archive(archive, model, label)
            _check_delivery(archive, live, live.url, complete=True, step=label)
            _check_delivery(archive, flaky, flaky.url, complete=False, step=label)

        flaky.status = 200
        clock_offset += dt.timedelta(hours=1)
        deliver_pending(sessions, (live.url, flaky.url), clock=lambda at=clock_offset: utcnow() + at)
        _check_delivery(archive, flaky, flaky.url, complete=True, step=f"seed {seed} end")
        _check_delivery(archive, live, live.url, complete=True, step=f"seed {seed} end")
    finally:
        sim.reset()
        for site in SITES:
            sim.start_site(site)
