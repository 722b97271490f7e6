"""One page of a listing (`limit`, `offset`, and the total), shared by the queries, the CLI and the web API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar, TypeVarTuple

from sqlalchemy import Connection, Row, Select, func, select

from archive.errors import BadUsage
from archive.records import Record

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


T = TypeVar("T", bound=Record)
Ts = TypeVarTuple("Ts")


@dataclass(frozen=True, slots=True)
class Page(Record, Generic[T]):
    """One page of a listing: its `items`, how many there are in all (`total`), and where the page starts."""

    items: tuple[T, ...]
    total: int
    """How many rows the listing has in all."""
    limit: int | None
    """The page's size; null: no limit, every row from `offset` on."""
    offset: int


def check_window(limit: int | None, offset: int) -> None:
    if limit is not None and limit < 1:
        raise BadUsage(f"limit must be 1 or more, not {limit}")
    if offset < 0:
        raise BadUsage(f"offset must be 0 or more, not {offset}")


def paginate(
    session: Session | Connection, stmt: Select[*Ts], limit: int | None, offset: int
) -> tuple[Sequence[Row[*Ts]], int]:
    """The rows of `stmt` (already ordered) in the window, and how many rows it has in all."""
    check_window(limit, offset)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.execute(stmt.offset(offset).limit(limit)).all() if offset < total else []
    return rows, total
