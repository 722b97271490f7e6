"""Refuse zip bombs before anything decompresses them, judging only the zip's own directory."""

from __future__ import annotations

import io
import zipfile

from archive.extract.filetext import MB, AttachmentError, FileLimits

# Small parts (styles.xml, a near-empty header) compress far beyond any sane ratio and are harmless;
# the ratio only matters once a member is big enough to hurt.
_RATIO_FLOOR_BYTES = 1 * MB


def check_zip(data: bytes, filename: str, limits: FileLimits) -> None:
    """Raise AttachmentError unless the zip's declared sizes are within `limits`.

    Declared sizes can be trusted as an upper bound: Python's zipfile stops each member at its declared
    size and then checks the CRC, so a member that lies about its size fails instead of growing.
    """
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    # NotImplementedError: a damaged header claims a zip version or method Python does not know.
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, NotImplementedError, EOFError) as exc:
        raise AttachmentError(filename, f"corrupt or truncated zip container ({exc})") from exc
    if len(infos) > limits.max_zip_members:
        raise _bomb(filename, f"zip holds {len(infos)} members (limit {limits.max_zip_members})")
    total = sum(info.file_size for info in infos)
    if total > limits.max_unzipped_bytes:
        raise _bomb(filename, f"zip would expand to {total:,} bytes (limit {limits.max_unzipped_bytes:,})")
    ratio_limit = f"(limit {limits.max_zip_ratio:,.0f}:1)"
    for info in infos:
        if info.file_size > _RATIO_FLOOR_BYTES:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_zip_ratio:
                raise _bomb(filename, f"zip member {info.filename!r} expands {ratio:,.0f}:1 {ratio_limit}")
    overall = total / max(len(data), 1)
    if total > _RATIO_FLOOR_BYTES and overall > limits.max_zip_ratio:
        raise _bomb(filename, f"zip expands {overall:,.0f}:1 overall {ratio_limit}")


def _bomb(filename: str, why: str) -> AttachmentError:
    return AttachmentError(filename, f"{why}: refused as a zip bomb, nothing was decompressed")
