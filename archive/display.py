"""Text from portals and files made safe to show: nothing in it can steer a terminal or reorder what is read.

The archive keeps every byte as it came; only what is shown passes through here. Terminal control characters
(ESC starts colour, cursor and hyperlink sequences; CR overwrites a line) and the bidirectional overrides and
isolates (U+202A-U+202E, U+2066-U+2069: "Trojan Source" reordering) are written as visible escapes instead.
"""

from __future__ import annotations

import json
import re
from typing import Any

# C0 controls but tab and newline, DEL, the C1 controls (U+009B is CSI to some terminals), and the bidi embeddings,
# overrides and isolates. Line and paragraph separators stay: they only break lines.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(text: str) -> str:
    """`text` with every unsafe character written as its escape (`\\x1b`, `\\u202e`); safe text is unchanged."""
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


def dumps(doc: Any) -> str:
    """`doc` as indented JSON, Chinese as is, with the unsafe characters as \\u escapes: the same data to a JSON
    reader, and inert on a terminal. (They can only occur inside strings, where an escape means the same.)"""
    text = json.dumps(doc, ensure_ascii=False, indent=2)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
