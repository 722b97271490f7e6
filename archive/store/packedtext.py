"""Version texts as stored: GB18030, zlib-compressed, behind a one-byte format mark.

Report texts are almost all Chinese, three bytes a character in UTF-8 and two in GB18030, which encodes every
Unicode code point and decodes it back unchanged (tests/test_packed_text.py checks all of them). zlib on the
GB18030 bytes keeps about 0.41 of the UTF-8 size of the fixture reports, against 0.49 on UTF-8 (bz2 0.46, lzma
0.49, both slower); the level matters little for such text, so the default level is kept. Unpacking a report takes
tens of microseconds, nothing beside the query that reads it.
"""

from __future__ import annotations

import zlib

GB18030_ZLIB = 1  # the format mark: the first byte of every packed text
LEVEL = 6


def pack(text: str) -> bytes:
    return bytes((GB18030_ZLIB,)) + zlib.compress(text.encode("gb18030"), LEVEL)


def unpack(data: bytes) -> str:
    if not data or data[0] != GB18030_ZLIB:
        raise ValueError(f"not a packed text (format mark {data[:1]!r})")
    return zlib.decompress(data[1:]).decode("gb18030")
