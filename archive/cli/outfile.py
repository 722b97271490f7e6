"""Files a command writes for the user (exports): never over the archive itself, never over a file by surprise,
and never half-written.

The bytes go to a temporary file beside the target, renamed over it only when the writing is done: a failed or
interrupted export leaves whatever was there before. The rename replaces a symbolic link itself, not the file it
points to.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

from archive.errors import BadUsage


@contextmanager
def output(out: str, *, force: bool, protected: Iterable[Path] = ()) -> Iterator[IO[bytes]]:
    """A binary stream for `out` (`-`: standard output), refused with BadUsage before anything is written when it
    is one of the `protected` files (through any symbolic link), a folder, or a file that exists and `force` is
    not given."""
    if out == "-":
        sys.stdout.flush()  # text written before goes first; the bytes go to the buffer beneath
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    target = Path(out)
    resolved = target.resolve()
    for path in protected:
        if resolved == path.resolve():
            raise BadUsage(f"{out} is the archive's own file {path}: writing there would destroy the archive")
    if target.is_dir():
        raise BadUsage(f"{out} is a folder: give a file name")
    if os.path.lexists(target) and not force:
        raise BadUsage(f"{out} exists: give --force to replace it, or another file name")
    try:
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    except OSError as exc:
        raise BadUsage(f"cannot write {out}: {exc.strerror or exc}") from exc
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as stream:
            yield stream
        # mkstemp makes the file readable by its owner only; an export gets the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)
        tmp.replace(target)
    except OSError as exc:
        raise BadUsage(f"cannot write {out}: {exc.strerror or exc}") from exc
    finally:
        with suppress(FileNotFoundError):
            tmp.unlink()
