"""Column types and helpers shared by every feature's models."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import enum

from sqlalchemy import DateTime, Enum, Numeric
from sqlalchemy.types import TypeDecorator


MAX_DATABASE_ID = 2**31 - 1


def is_database_id(value: object) -> bool:
    """A value that can be a row id: an int (not a bool) within the INTEGER column range."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_DATABASE_ID


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Money(TypeDecorator):
    """Decimal amounts; SQLite has no exact NUMERIC, so values are re-quantised on read."""

    impl = Numeric(18, 4, asdecimal=True)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect):
        return None if value is None else Decimal(value)

    def process_result_value(self, value, dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value)).quantize(Decimal("0.0001"))


Quantity = Money


def string_enum(enum_cls: type[enum.Enum], length: int = 32) -> Enum:
    """An enum stored as its values in a VARCHAR, so adding a member needs no type migration."""
    return Enum(enum_cls, native_enum=False, length=length,
                values_callable=lambda members: [m.value for m in members])
