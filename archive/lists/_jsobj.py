"""A tolerant reader for the JavaScript object literals portals inline (`new JPage({...})`, `queryData`).

They are JS, not JSON (unquoted keys, single quotes, functions), and are never evaluated: scalars come back
as the strings written in the source, nested objects as dicts, arrays as lists; anything else is skipped.
"""

from __future__ import annotations

import re

JsValue = str | dict[str, "JsValue"] | list["JsValue"] | None

_IDENT_RE = re.compile(r"[A-Za-z_$][\w$]*")
_NUMBER_RE = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_CLOSERS = {"{": "}", "[": "]", "(": ")"}


class _Reader:
    def __init__(self, text: str, pos: int) -> None:
        self.text = text
        self.pos = pos

    def skip_space(self) -> None:
        text = self.text
        while self.pos < len(text):
            if text[self.pos].isspace():
                self.pos += 1
            elif text.startswith("//", self.pos):
                end = text.find("\n", self.pos)
                self.pos = len(text) if end < 0 else end + 1
            elif text.startswith("/*", self.pos):
                end = text.find("*/", self.pos + 2)
                self.pos = len(text) if end < 0 else end + 2
            else:
                return

    def peek(self) -> str:
        self.skip_space()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def string(self) -> str:
        quote = self.text[self.pos]
        self.pos += 1
        out: list[str] = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            self.pos += 1
            if char == quote:
                return "".join(out)
            if char == "\\" and self.pos < len(self.text):
                nxt = self.text[self.pos]
                self.pos += 1
                if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", self.text[self.pos : self.pos + 4]):
                    out.append(chr(int(self.text[self.pos : self.pos + 4], 16)))
                    self.pos += 4
                else:
                    out.append(_ESCAPES.get(nxt, nxt))
            else:
                out.append(char)
        return "".join(out)

    def value(self) -> JsValue:
        char = self.peek()
        if char == "{":
            return self.obj()
        if char == "[":
            return self.array()
        if char in "'\"":
            text = self.string()
            # 'a' + 'b' is seen in hand-written configs; joining literals keeps the value readable.
            while self.peek() == "+" and self._next_is_string():
                self.pos += 1
                self.skip_space()
                text += self.string()
            if self._at_value_end():
                return text
            self._skip_expression()
            return None
        for pattern in (_NUMBER_RE, _IDENT_RE):
            match = pattern.match(self.text, self.pos)
            if match:
                self.pos = match.end()
                if self._at_value_end():
                    return match.group(0)
                self._skip_expression()
                return None
        self._skip_expression()
        return None

    def _next_is_string(self) -> bool:
        save = self.pos
        self.pos += 1
        found = self.peek() in ("'", '"')
        self.pos = save
        return found

    def _at_value_end(self) -> bool:
        return self.peek() in (",", "}", "]", ")", ";", "")

    def _skip_expression(self) -> None:
        """Skip a value this reader does not model (function, call, arithmetic) up to the next separator."""
        depth: list[str] = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char in "'\"`":
                self.string()
                continue
            if char in _CLOSERS:
                depth.append(_CLOSERS[char])
            elif depth and char == depth[-1]:
                depth.pop()
            elif not depth and char in ",}]);":
                return None
            self.pos += 1
        return None

    def key(self) -> str | None:
        char = self.peek()
        if char in "'\"":
            return self.string()
        match = _IDENT_RE.match(self.text, self.pos) or _NUMBER_RE.match(self.text, self.pos)
        if not match:
            return None
        self.pos = match.end()
        return match.group(0)

    def obj(self) -> dict[str, JsValue]:
        self.pos += 1  # the opening brace
        result: dict[str, JsValue] = {}
        while True:
            char = self.peek()
            if char in ("}", ""):
                self.pos += 1
                return result
            if char == ",":
                self.pos += 1
                continue
            start = self.pos
            key = self.key()
            if key is None or self.peek() != ":":
                self._skip_expression()
                if self.pos == start:
                    self.pos += 1  # never loop in place on a stray character
                continue
            self.pos += 1
            value = self.value()
            if value is not None:
                result[key] = value

    def array(self) -> list[JsValue]:
        self.pos += 1
        items: list[JsValue] = []
        while True:
            char = self.peek()
            if char in ("]", ""):
                self.pos += 1
                return items
            if char == ",":
                self.pos += 1
                continue
            start = self.pos
            value = self.value()
            if value is not None:
                items.append(value)
            if self.pos == start:
                self.pos += 1  # never loop in place on a stray character


def read_object(text: str, start: int) -> dict[str, JsValue] | None:
    """The object literal whose `{` is the first non-space character at or after `start`."""
    reader = _Reader(text, start)
    if reader.peek() != "{":
        return None
    return reader.obj()


def find_object(text: str, anchor: re.Pattern[str]) -> dict[str, JsValue] | None:
    """The first object literal that directly follows a match of `anchor` (e.g. `new JPage(`)."""
    for match in anchor.finditer(text):
        found = read_object(text, match.end())
        if found is not None:
            return found
    return None


def find_scalar(text: str, name: str) -> str | None:
    """The literal assigned to `name` as `var name = 'x'`, `name: "x"` or `name = 12`, if any."""
    quoted_name = re.escape(name)
    pattern = re.compile(rf"""(?<![\w$.])["']?{quoted_name}["']?\s*[:=]\s*(?:"([^"]*)"|'([^']*)'|(-?\d+(?:\.\d+)?))""")
    match = pattern.search(text)
    if not match:
        return None
    return next(group for group in match.groups() if group is not None)
