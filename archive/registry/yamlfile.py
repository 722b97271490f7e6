"""Reading a registry's YAML with bounds: a file of at most MAX_BYTES, no duplicate keys, no alias bomb.

YAML aliases let a few hundred bytes stand for billions of nodes (a "billion laughs"); PyYAML builds them as shared
objects, but anything that walks the result (a message quoting a value) walks every copy. Aliases themselves are
fine (`<<: *defaults` per entry): what is refused is a document whose nodes, aliases expanded, exceed MAX_NODES.
Every mapping keeps its line and the line of each key, so errors can point at them.
"""

from __future__ import annotations

import reprlib
from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 16 * 1024 * 1024  # the national registry is a few MB
MAX_NODES = 2_000_000  # with aliases expanded; the national registry has some 200,000
LINE = "__line__"  # the line of a mapping, in each mapping loaded
LINES = "__lines__"  # the line of each key of a mapping
_MERGE_TAG = "tag:yaml.org,2002:merge"


class YamlError(ValueError):
    """The file cannot be read as a bounded YAML document; the message starts with `file:line:`."""


def read_yaml(path: Path, what: str) -> Any:
    """The document in the YAML file at `path` (UTF-8, at most MAX_BYTES); `what` names the file in messages."""
    try:
        with path.open("rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise YamlError(f"{path}: cannot read {what}: {exc.strerror or exc}") from exc
    if len(data) > MAX_BYTES:
        raise YamlError(f"{path}: {what} is larger than {MAX_BYTES // (1024 * 1024)} MB: refused")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise YamlError(f"{path}:{line}: {what} is not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    return parse_yaml(text, str(path))


def parse_yaml(text: str, source: str) -> Any:
    loader = _Loader(text)
    loader.name = source  # for the messages of the mapping constructor
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_size(node, source)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else "?"
        raise YamlError(f"{source}:{line}: not valid YAML: {exc.problem or exc.context}") from exc
    except yaml.YAMLError as exc:
        raise YamlError(f"{source}: not valid YAML: {exc}") from exc
    except RecursionError:
        raise YamlError(f"{source}: nested too deeply to be read") from None
    finally:
        loader.dispose()


def shown(value: Any) -> str:
    """A value for an error message, cut short (a registry value can be anything, of any size), without the line
    numbers this loader adds to mappings."""
    return _REPR.repr(_without_lines(value, depth=3))


def _without_lines(value: Any, depth: int) -> Any:
    if depth == 0:
        return value
    if isinstance(value, dict):
        return {k: _without_lines(v, depth - 1) for k, v in value.items() if k not in (LINE, LINES)}
    if isinstance(value, list):
        return [_without_lines(v, depth - 1) for v in value[:8]]
    return value


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 80
_REPR.maxlist = _REPR.maxdict = _REPR.maxtuple = 4
_REPR.maxlevel = 2


def _check_size(root: yaml.Node, source: str) -> None:
    """Refuse a document that expands (aliases counted at every use) to more than MAX_NODES nodes, or refers to
    itself. Each distinct node is sized once, so this costs what the file's own size does."""
    sizes: dict[int, int] = {}
    busy: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in busy:
            raise YamlError(f"{source}:{node.start_mark.line + 1}: an alias refers to the node that holds it")
        busy.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        busy.discard(key)
        if total > MAX_NODES:
            raise YamlError(
                f"{source}:{node.start_mark.line + 1}: its aliases expand to more than {MAX_NODES:,} values: refused"
            )
        sizes[key] = total
        return total

    size(root)


# libyaml's parser where PyYAML was built with it: the national registry (some 40,000 lines) parses in a fraction
# of the pure-Python parser's time. The constructors below run either way.
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """SafeLoader that refuses duplicate keys and keeps each mapping's lines."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == _MERGE_TAG:
            continue  # `<<: *defaults` merges keys that the mapping's own may override
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        try:
            first = seen.get(key)
        except TypeError:  # a list or mapping as a key
            raise YamlError(f"{loader.name}:{line}: a key must be a plain value, not {shown(key)}") from None
        if first is not None:
            raise YamlError(f"{loader.name}:{line}: key {shown(key)} is given twice (first at line {first})")
        seen[key] = line
    mapping: dict[Any, Any] = loader.construct_mapping(node, deep=True)
    mapping[LINE] = node.start_mark.line + 1
    mapping[LINES] = {k.value: k.start_mark.line + 1 for k, _ in node.value if hasattr(k, "value")}
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
