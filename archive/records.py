"""Result records: one frozen dataclass per kind of answer is the CLI's `--json` row, the API's document and its
OpenAPI schema (the web app hands the same classes to the API's schema generator, so there is nothing to keep
in step). Field docstrings become the schema's descriptions.

The JSON form is the fields in order: instants as ISO 8601 with their offset (archive.clock.iso), dates as
YYYY-MM-DD, enumerations as their English values, tuples as lists, records inside records as objects.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import fields
from typing import Any, ClassVar

from archive.clock import iso


class Record:
    """Base of the result dataclasses: `to_json()` gives the record's JSON document."""

    __slots__ = ()
    # Read by the schema generator (a plain dict: the CLI never imports it): field docstrings describe the fields.
    __pydantic_config__: ClassVar[dict[str, Any]] = {"use_attribute_docstrings": True}

    def to_json(self) -> dict[str, Any]:
        cls = type(self)
        names = _NAMES.get(cls) or _NAMES.setdefault(cls, tuple(f.name for f in fields(cls)))  # type: ignore[arg-type]
        return {name: jsonable(getattr(self, name)) for name in names}


# Each record class's field names, read once: a national coverage listing turns some 20,000 rows into JSON.
_NAMES: dict[type, tuple[str, ...]] = {}
_PLAIN = (str, int, float, bool, type(None))


def jsonable(value: Any) -> Any:
    """`value` in its JSON form (see the module's docstring)."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, Record):
        return value.to_json()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dt.datetime):
        return iso(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [jsonable(v) for v in value]
    raise TypeError(f"no JSON form for {type(value).__name__}")
