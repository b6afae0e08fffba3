"""E-mail a company's owners once, 7 days before one of its API keys expires."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update

from app.auth.services import active_owners
from app.credentials.models import ApiKey
from app.credentials.policy import EXPIRING_SOON
from app.credentials.services import key_prefix
from app.database import utcnow
from app.extensions import db
from app.integration.jobs import in_app_context
from app.mail.services import absolute_url, send_email

log = logging.getLogger("rebar.api_keys")


def send_expiry_reminders(now: datetime | None = None) -> int:
    """Returns how many keys were reminded about. Each key is claimed with a conditional
    UPDATE before its mails are queued, in the same transaction: two runs at once (or a run
    retried after a crash) never remind twice. Keys made with less than the notice period
    left are not reminded: their owner chose that date days ago at most."""
    now = now or utcnow()
    candidates = db.session.scalars(select(ApiKey).where(
        ApiKey.revoked_at.is_(None), ApiKey.expiry_reminder_sent_at.is_(None),
        ApiKey.expires_at.is_not(None), ApiKey.expires_at > now,
        ApiKey.expires_at <= now + EXPIRING_SOON)).all()
    reminded = 0
    for key in candidates:
        if key.expires_at - key.created_at <= EXPIRING_SOON or not _claim(key.id, now):
            db.session.rollback()
            continue
        _mail_owners(key)
        db.session.commit()
        reminded += 1
    return reminded


def _claim(key_id: int, now: datetime) -> bool:
    result = db.session.execute(
        update(ApiKey).where(ApiKey.id == key_id, ApiKey.expiry_reminder_sent_at.is_(None))
        .values(expiry_reminder_sent_at=now).execution_options(synchronize_session=False))
    return result.rowcount == 1


def _mail_owners(key: ApiKey) -> None:
    owners = active_owners(key.partner.real_company.id)
    if not owners:
        log.warning("API key %s expires soon but its company has no active owner", key.public_id)
    for owner in owners:
        send_email(owner.email, "api_key_expiring", partner_id=key.partner.real_company.id,
                   key_name=key.name or key.public_id, key_prefix=f"{key_prefix(key.partner)}{key.public_id}_…",
                   company=key.partner.real_company.name, expires_at=key.expires_at,
                   link=absolute_url("credentials.show_key", key_id=key.id))


@in_app_context
def send_api_key_expiry_reminders() -> int:
    """The periodic job (worker cron)."""
    return send_expiry_reminders()
