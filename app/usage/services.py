"""API usage: flush the Redis day counters into `api_usage_daily`, and read usage back.

The live counters of the last `LIVE_DAYS` days are merged into every read, so a page shows
today's calls before the next flush. Merging and flushing both keep the larger of the stored
and the live value per field: re-running a flush never double counts, and a Redis that lost
its counters never makes a day's stored numbers go down."""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable, NamedTuple

from redis.exceptions import RedisError
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from app.credentials.models import ApiKey
from app.extensions import db
from app.usage.counter import CLIENT_ERRORS, REQUESTS, SERVER_ERRORS, usage_key, usage_redis, utc_today
from app.usage.models import ApiUsageDaily

log = logging.getLogger("rebar.api_usage")

LIVE_DAYS = 2  # today and yesterday: the last minutes before midnight wait for the next flush
_FIELDS = {REQUESTS: "requests", CLIENT_ERRORS: "client_errors", SERVER_ERRORS: "server_errors"}
_UPSERT_BATCH = 500


class Counts(NamedTuple):
    requests: int = 0
    client_errors: int = 0
    server_errors: int = 0

    def merged(self, other: Counts) -> Counts:
        return Counts(*(max(a, b) for a, b in zip(self, other)))

    def plus(self, other: Counts) -> Counts:
        return Counts(*(a + b for a, b in zip(self, other)))


class DailyUsage(NamedTuple):
    day: date
    requests: int
    errors: int
    client_errors: int
    server_errors: int

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0


@dataclass(frozen=True)
class CredentialUsage:
    key: ApiKey
    requests: int
    client_errors: int
    server_errors: int

    @property
    def errors(self) -> int:
        return self.client_errors + self.server_errors

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0


def _daily(day: date, counts: Counts) -> DailyUsage:
    return DailyUsage(day, counts.requests, counts.client_errors + counts.server_errors,
                      counts.client_errors, counts.server_errors)


def live_counts(days: Iterable[date]) -> dict[tuple[int, date], Counts]:
    """Every credential's Redis counters for these days, in one round trip; {} if Redis is down."""
    days = list(days)
    try:
        pipe = usage_redis().pipeline(transaction=False)
        for day in days:
            pipe.hgetall(usage_key(day))
        hashes = pipe.execute()
    except RedisError as exc:
        log.warning("live API usage unavailable: Redis error (%s)", type(exc).__name__)
        return {}
    counts: dict[tuple[int, date], dict[str, int]] = defaultdict(dict)
    for day, raw in zip(days, hashes):
        for field, value in raw.items():
            key_id, _, kind = field.decode().partition(":")
            if key_id.isdigit() and kind in _FIELDS:
                counts[(int(key_id), day)][_FIELDS[kind]] = int(value)
    return {where: Counts(**values) for where, values in counts.items()}


def _live_days(today: date) -> list[date]:
    return [today - timedelta(days=n) for n in range(LIVE_DAYS)]


def flush_usage(days: int = LIVE_DAYS, today: date | None = None) -> int:
    """Write the Redis counters of the last `days` days into `api_usage_daily`; returns rows
    written. Idempotent. The caller commits."""
    today = today or utc_today()
    counters = live_counts(today - timedelta(days=n) for n in range(days))
    if not counters:
        return 0
    known = set(db.session.scalars(select(ApiKey.id).where(ApiKey.id.in_({k for k, _ in counters}))))
    rows = [{"api_key_id": key_id, "day": day, **counts._asdict()}
            for (key_id, day), counts in sorted(counters.items()) if key_id in known]
    for start in range(0, len(rows), _UPSERT_BATCH):
        db.session.execute(_upsert_keeping_larger(rows[start:start + _UPSERT_BATCH]))
    return len(rows)


def _upsert_keeping_larger(rows: list[dict]):
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        insert, larger = postgresql.insert, func.greatest
    elif dialect == "sqlite":
        insert, larger = sqlite.insert, func.max  # max(a, b) with two arguments is scalar in SQLite
    else:
        raise NotImplementedError(f"API usage upsert is not written for {dialect}")
    table = ApiUsageDaily.__table__
    statement = insert(table).values(rows)
    return statement.on_conflict_do_update(
        index_elements=[table.c.api_key_id, table.c.day],
        set_={name: larger(table.c[name], statement.excluded[name]) for name in _FIELDS.values()})


def usage_for_key(key_id: int, days: int = 30, today: date | None = None) -> list[DailyUsage]:
    """One entry per day, oldest first, ending today (UTC); days without calls count zero."""
    today = today or utc_today()
    start = today - timedelta(days=days - 1)
    stored = {row.day: Counts(row.requests, row.client_errors, row.server_errors)
              for row in db.session.scalars(select(ApiUsageDaily).where(
                  ApiUsageDaily.api_key_id == key_id, ApiUsageDaily.day >= start))}
    live = {day: counts for (live_key, day), counts in live_counts(_live_days(today)).items()
            if live_key == key_id}
    return [_daily(day, stored.get(day, Counts()).merged(live.get(day, Counts())))
            for day in (start + timedelta(days=n) for n in range(days))]


def top_credentials(days: int = 30, limit: int = 50, today: date | None = None) -> list[CredentialUsage]:
    """The busiest credentials over the last `days` days, by requests."""
    today = today or utc_today()
    start, live_start = today - timedelta(days=days - 1), today - timedelta(days=LIVE_DAYS - 1)
    totals: dict[int, Counts] = defaultdict(Counts)
    settled = db.session.execute(
        select(ApiUsageDaily.api_key_id, func.sum(ApiUsageDaily.requests),
               func.sum(ApiUsageDaily.client_errors), func.sum(ApiUsageDaily.server_errors))
        .where(ApiUsageDaily.day >= start, ApiUsageDaily.day < live_start)
        .group_by(ApiUsageDaily.api_key_id))
    for key_id, *sums in settled:
        totals[key_id] = Counts(*(int(s or 0) for s in sums))
    recent: dict[tuple[int, date], Counts] = {
        (row.api_key_id, row.day): Counts(row.requests, row.client_errors, row.server_errors)
        for row in db.session.scalars(select(ApiUsageDaily).where(ApiUsageDaily.day >= live_start))}
    for where, counts in live_counts(_live_days(today)).items():
        recent[where] = recent.get(where, Counts()).merged(counts)
    for (key_id, _), counts in recent.items():
        totals[key_id] = totals[key_id].plus(counts)
    busiest = sorted(((c.requests, k) for k, c in totals.items() if c.requests), reverse=True)[:limit]
    keys = {k.id: k for k in db.session.scalars(select(ApiKey).options(joinedload(ApiKey.partner))
                                                .where(ApiKey.id.in_([k for _, k in busiest])))}
    return [CredentialUsage(keys[key_id], *totals[key_id]) for _, key_id in busiest if key_id in keys]
