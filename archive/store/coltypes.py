"""Column types of the archive's own: aware UTC datetimes and packed texts. SQLAlchemy Core only (no ORM), so
the read commands can use them without loading the ORM."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, LargeBinary
from sqlalchemy.types import TypeDecorator

from archive.store.packedtext import pack, unpack


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite has no timezone type and returns naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the archive; use an aware UTC datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class PackedText(TypeDecorator[str]):
    """Text stored compressed (archive.store.packedtext): a str in Python, bytes in the database.

    A column still holding plain text reads as it is: the migrations before 0009 read versions through these
    models while the column is still TEXT.
    """

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: object) -> bytes | None:
        return None if value is None else pack(value)

    def process_result_value(self, value: bytes | str | None, dialect: object) -> str | None:
        if value is None or isinstance(value, str):
            return value
        return unpack(value)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
