"""Export files are written whole or not at all, never over the archive, never over a file without --force."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.cli.outfile import output
from archive.errors import BadUsage


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("the old export")
    with pytest.raises(RuntimeError), output(str(target), force=True) as stream:
        stream.write(b"half of the new one")
        raise RuntimeError("interrupted")
    assert target.read_text() == "the old export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_a_symlink_is_replaced_not_its_target(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("not ours")
    link = tmp_path / "out.csv"
    link.symlink_to(elsewhere)
    with output(str(link), force=True) as stream:
        stream.write(b"new")
    assert elsewhere.read_text() == "not ours"
    assert not link.is_symlink() and link.read_text() == "new"


def test_protected_files_are_refused_through_links(tmp_path: Path) -> None:
    db = tmp_path / "fazhi.db"
    db.write_bytes(b"SQLite format 3\x00")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "link.db").symlink_to(db)
    for out in (str(db), str(tmp_path / "sub" / "link.db"), str(tmp_path / "sub" / ".." / "fazhi.db")):
        with pytest.raises(BadUsage, match="archive's own file"), output(out, force=True, protected=[db]):
            pytest.fail("opened")
    assert db.read_bytes() == b"SQLite format 3\x00"


def test_a_new_file_gets_the_usual_permissions(tmp_path: Path) -> None:
    with output(str(tmp_path / "new.jsonl"), force=False) as stream:
        stream.write(b"{}\n")
    assert (tmp_path / "new.jsonl").stat().st_mode & 0o044  # readable by others, as a file made by open() is
