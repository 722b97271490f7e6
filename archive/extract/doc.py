"""Text of OLE Word 97-2003 files (.doc, and .wps as WPS Office writes it) through an external converter.

antiword is preferred (small, fast, no profile); LibreOffice is the fallback. Both are found on PATH at
run time; running one, in a private temporary directory, with a timeout and without a shell, is the
one side effect of extraction.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from archive.extract.filetext import AttachmentError, FileLimits

INSTALL_HINT = "apt-get install antiword (or LibreOffice: apt-get install libreoffice-writer-nogui)"
_PLACEHOLDERS = {"[pic]", "[Pic]", "[image]"}  # antiword's marks for pictures it cannot show as text


def find_converters(search_path: str | None = None) -> tuple[str | None, str | None]:
    """(antiword, soffice) executables found on `search_path` (default: PATH), None where missing."""
    soffice = shutil.which("soffice", path=search_path) or shutil.which("libreoffice", path=search_path)
    return shutil.which("antiword", path=search_path), soffice


def extract_doc(
    data: bytes, filename: str, limits: FileLimits, *, search_path: str | None = None
) -> tuple[str, tuple[str, ...]]:
    """(text, warnings) of an OLE Word file; AttachmentError when no converter can read it."""
    antiword, soffice = find_converters(search_path)
    if antiword is None and soffice is None:
        raise AttachmentError(filename, f"reading Word 97-2003 files needs a converter: {INSTALL_HINT}")
    warnings: list[str] = []
    with tempfile.TemporaryDirectory(prefix="fazhi-doc-") as tmp:
        # A fixed ASCII name: the portal's file name may hold anything, including option-like dashes.
        source = Path(tmp, "input.doc")
        source.write_bytes(data)
        if antiword is not None:
            try:
                return _antiword(antiword, source, filename, limits), ()
            except AttachmentError as exc:
                if soffice is None:
                    raise
                warnings.append(f"antiword failed ({exc.problem}); converted with LibreOffice instead")
        assert soffice is not None
        return _soffice(soffice, source, filename, limits), tuple(warnings)


def _antiword(exe: str, source: Path, filename: str, limits: FileLimits) -> str:
    # -m UTF-8.txt: output UTF-8 whatever the locale; -w 0: one line per paragraph, no re-wrapping.
    code, out, err = _run([exe, "-m", "UTF-8.txt", "-w", "0", str(source)], filename, limits, "antiword")
    if code != 0:
        raise AttachmentError(filename, f"antiword could not read it: {_reason(code, err, source, filename)}")
    return "\n".join(_clean_lines(out.decode("utf-8", errors="replace")))


def _soffice(exe: str, source: Path, filename: str, limits: FileLimits) -> str:
    outdir = source.parent / "out"
    profile = source.parent / "profile"  # a private profile: parallel conversions never share a lock
    args = [
        exe, "--headless", "--norestore", "--nolockcheck", f"-env:UserInstallation={profile.as_uri()}",
        # the "encoded" Text filter with UTF8 so the output does not depend on the locale
        "--convert-to", "txt:Text (encoded):UTF8", "--outdir", str(outdir), str(source),
    ]  # fmt: skip
    code, _out, err = _run(args, filename, limits, "LibreOffice")
    result = outdir / "input.txt"
    if code != 0 or not result.is_file():
        reason = _reason(code, err, source, filename)
        raise AttachmentError(filename, f"LibreOffice could not convert it: {reason}")
    return "\n".join(_clean_lines(result.read_bytes().decode("utf-8-sig", errors="replace")))


def _run(args: list[str], filename: str, limits: FileLimits, tool: str) -> tuple[int, bytes, bytes]:
    # Own session, so a timeout can stop the converter's children too (soffice forks soffice.bin).
    with subprocess.Popen(
        args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    ) as proc:
        try:
            out, err = proc.communicate(timeout=limits.converter_timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise AttachmentError(
                filename, f"{tool} took longer than {limits.converter_timeout_s:g}s and was stopped"
            ) from None
    return proc.returncode, out, err


def _reason(code: int, err: bytes, source: Path, filename: str) -> str:
    message = err.decode("utf-8", errors="replace").replace(str(source), filename).strip()
    if code < 0:
        return f"crashed with signal {-code}" + (f" ({message})" if message else "")
    return message or f"exit status {code}"


def _clean_lines(text: str) -> list[str]:
    lines = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if not line or line in _PLACEHOLDERS:
            continue
        if len(line) > 1 and line.startswith("|") and line.endswith("|"):
            # antiword draws table rows as |cell|cell|; the archive's convention is one row, tab-joined
            line = "\t".join(cell.strip() for cell in line[1:-1].split("|"))
        lines.append(line)
    return lines
