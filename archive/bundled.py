"""The registries that come with the package, and the names FAZHI_SITES or --sites may give them instead of a path:
Zhejiang's 101 governments (the default, small enough for a first run) and every government of the mainland."""

from __future__ import annotations

from pathlib import Path

REGISTRIES = {name: Path(__file__).resolve().parent / "registry" / f"{name}.yaml" for name in ("zhejiang", "china")}
DEFAULT_REGISTRY = REGISTRIES["zhejiang"]


def registry_path(value: str | Path) -> Path:
    """The registry a FAZHI_SITES or --sites value names: a bundled one by its name (`china`) unless a file of that
    name is in the working folder, else that file."""
    text = str(value)
    if text in REGISTRIES and not Path(text).exists():
        return REGISTRIES[text]
    return Path(text).expanduser()
