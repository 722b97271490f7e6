"""What is shown of archived text is inert: control characters and bidi overrides become visible escapes, the JSON
printed carries the same data, and the database switch to WAL ends on a database that cannot have it."""

from __future__ import annotations

import json
import sqlite3
import threading

from archive.display import dumps, shown
from archive.store.db import _switch_to_wal


def test_shown_escapes_only_what_steers_a_terminal() -> None:
    assert shown("法治政府建设\t年度报告\n第二段") == "法治政府建设\t年度报告\n第二段"
    assert shown("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert shown("\u202e告报\u202c") == "\\u202e告报\\u202c"
    assert shown("\x9b31m\r\x07\x7f") == "\\x9b31m\\x0d\\x07\\x7f"
    assert shown("[bold]:smile:") == "[bold]:smile:"  # markup is harmless once nothing interprets it


def test_dumps_keeps_the_data_and_escapes_the_unsafe() -> None:
    doc = {"title": "报告\u202e\x1b[2J\x9b\u2066", "n": 1}
    text = dumps(doc)
    assert json.loads(text) == doc
    assert "\u202e" not in text and "\x1b" not in text and "\x9b" not in text and "\u2066" not in text
    assert "报告" in text  # Chinese stays readable


def test_wal_switch_ends_on_a_database_that_cannot_have_it() -> None:
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    done = threading.Event()

    def switch() -> None:
        _switch_to_wal(conn.cursor())
        done.set()

    thread = threading.Thread(target=switch, daemon=True)
    thread.start()
    assert done.wait(10), "the switch to WAL loops on an in-memory database"
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "memory"
