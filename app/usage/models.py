from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class ApiUsageDaily(db.Model):
    """One credential's API calls on one UTC day, copied from the Redis counters by
    `flush_api_usage` (absolute values, so a re-run never double counts)."""

    __tablename__ = "api_usage_daily"
    __table_args__ = (UniqueConstraint("api_key_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date, index=True)
    requests: Mapped[int] = mapped_column(default=0)
    client_errors: Mapped[int] = mapped_column(default=0)
    server_errors: Mapped[int] = mapped_column(default=0)
