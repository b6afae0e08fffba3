"""Reading the audit log: filters, newest first, keyset pages (ids only go up)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, or_, select

from app.audit.models import AuditEntry
from app.audit.presenters import AREAS, area_prefixes
from app.database import is_database_id
from app.extensions import db

PAGE_SIZE = 100

# The first part of an action names its area; the log's filter offers these.


@dataclass(frozen=True)
class AuditFilters:
    area: str | None = None
    partner_id: int | None = None
    actor: str | None = None
    since: date | None = None
    until: date | None = None
    before_id: int | None = None

    @classmethod
    def from_args(cls, args) -> "AuditFilters":
        """Malformed filter values are ignored, never an error page."""
        area = args.get("area")
        partner = args.get("partner", type=int)
        before = args.get("before", type=int)
        actor = " ".join((args.get("actor") or "").split())[:200]
        return cls(area=area if area in AREAS else None,
                   partner_id=partner if is_database_id(partner) else None,
                   actor=actor or None,
                   since=_parse_date(args.get("since")), until=_parse_date(args.get("until")),
                   before_id=before if is_database_id(before) else None)

    def for_partner(self, partner_id: int) -> "AuditFilters":
        return AuditFilters(self.area, partner_id, self.actor, self.since, self.until, self.before_id)


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def list_entries(filters: AuditFilters) -> tuple[list[AuditEntry], int | None]:
    """One page of entries and the id to continue before, or None on the last page."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(PAGE_SIZE + 1)
    if filters.area:
        query = query.where(or_(*(AuditEntry.action.startswith(prefix, autoescape=True)
                                  for prefix in area_prefixes(filters.area))))
    if filters.partner_id:
        query = query.where(AuditEntry.partner_id == filters.partner_id)
    if filters.actor:
        pattern = "%" + filters.actor.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(func.lower(AuditEntry.actor_label).like(pattern, escape="\\"))
    if filters.since:
        query = query.where(AuditEntry.occurred_at >= _start_of(filters.since))
    if filters.until and filters.until < date.max:  # the last day of the calendar bounds nothing
        query = query.where(AuditEntry.occurred_at < _start_of(filters.until) + timedelta(days=1))
    if filters.before_id:
        query = query.where(AuditEntry.id < filters.before_id)
    rows = list(db.session.scalars(query))
    if len(rows) > PAGE_SIZE:
        return rows[:PAGE_SIZE], rows[PAGE_SIZE - 1].id
    return rows, None
