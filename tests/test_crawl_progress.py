"""A crawl shows a site's failure the moment it meets it, not only when the site is done."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from crawlkit import make_archive

from archive.runner.child import run_crawl
from portalsim import PortalSim

pytestmark = pytest.mark.slow


def test_a_site_that_cannot_be_reached_is_reported_before_it_is_done(tmp_path: Path) -> None:
    with PortalSim(sites=["yuhang", "dinghai"]) as sim:
        archive = make_archive(tmp_path, sim)
        sim.stop_site("dinghai")  # connections refused, as from a host that does not resolve
        events: list[dict[str, Any]] = []
        outcome = run_crawl(archive.config, [], events.append)
    assert outcome.returncode == 1
    kinds = [(e["event"], e["site"]) for e in events]
    assert ("problem", "dinghai") in kinds
    assert kinds.index(("problem", "dinghai")) < kinds.index(("done", "dinghai"))
    problem = next(e for e in events if e["event"] == "problem")
    done = next(e for e in events if e["event"] == "done" and e["site"] == "dinghai")
    assert problem["message"] in done["messages"]  # the run's record keeps it too
    assert not any(e["event"] == "problem" and e["site"] == "yuhang" for e in events)


def test_the_printer_shows_a_failure_once(capsys: pytest.CaptureFixture[str]) -> None:
    from archive.cli.render import ProgressPrinter

    counts = {"reports_new": 0, "reports_changed": 0, "reports_unchanged": 0, "errors": 1, "status": "failed"}
    printer = ProgressPrinter()
    printer({"event": "start", "site": "dinghai"})
    printer({"event": "problem", "site": "dinghai", "message": "list http://x/: refused"})
    printer({"event": "done", "site": "dinghai", **counts, "messages": ["list http://x/: refused", "warning: w"]})
    err = capsys.readouterr().err
    assert err.count("list http://x/: refused") == 1 and "warning: w" in err
    assert err.index("refused") < err.index("failed")
