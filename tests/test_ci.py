"""CI cannot go green by skipping: under CI=true a test that lacks its tool or server fails, elsewhere it skips."""

from __future__ import annotations

import conftest
import pytest


def test_a_missing_tool_fails_under_ci_and_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        conftest.unavailable("no chromium on PATH")
    monkeypatch.setattr(conftest, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="no chromium on PATH"):
        conftest.unavailable("no chromium on PATH")
