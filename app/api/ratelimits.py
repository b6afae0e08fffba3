"""Rate limits for /api/v1: one budget per credential and one per company, both in Redis.

A company's burst spends only its own budgets, so one partner's month-end upload cannot
starve the others. Staff can raise or lower a company's budget (`partners.api_rate_limit`,
`flask set-rate-limit`)."""
from __future__ import annotations

import time

from flask import Blueprint, Response, current_app, request
from flask_limiter.util import get_remote_address
from limits import parse_many

from app.api.identity import authenticated_key
from app.extensions import db, limiter
from app.partners.models import Partner


class InvalidRateLimit(ValueError):
    pass


def validate_rate_limit(value: str) -> str:
    """'600 per minute' or '10/second;5000/day'; raises InvalidRateLimit otherwise."""
    value = value.strip()
    try:
        if not value or not parse_many(value):
            raise ValueError
    except ValueError:
        raise InvalidRateLimit(f"{value!r} is not a rate limit; write e.g. '600 per minute' or "
                               "'10/second;5000/day'.") from None
    return value


def _credential_key() -> str:
    key = authenticated_key()
    return f"api-key:{key.id}" if key else f"api-ip:{get_remote_address()}"


def _company_key() -> str:
    key = authenticated_key()
    # a company's test keys (its sandbox twin's) spend the company's budget
    return f"api-partner:{key.partner.real_company.id}" if key else f"api-ip:{get_remote_address()}"


def _per_credential_limit() -> str:
    return current_app.config["API_RATE_LIMIT_PER_KEY"]


def _per_company_limit() -> str:
    key = authenticated_key()
    if key is not None and key.partner.real_company.api_rate_limit:
        return key.partner.real_company.api_rate_limit
    return current_app.config["API_RATE_LIMIT_PER_PARTNER"]


def apply_rate_limits(bp: Blueprint) -> None:
    """Shared limits: one budget across every endpoint, not one per endpoint."""
    limiter.shared_limit(_per_credential_limit, scope="api-credential", key_func=_credential_key)(bp)
    limiter.shared_limit(_per_company_limit, scope="api-company", key_func=_company_key)(bp)


def tidy_rate_limit_headers(response: Response) -> Response:
    """Flask-Limiter sends Retry-After on every response and RateLimit-Reset as a Unix time;
    the IETF RateLimit header draft means seconds from now, and Retry-After belongs only on a
    refusal. Runs after Flask-Limiter's own hook (registered before it, so called after)."""
    if not request.path.startswith("/api/"):
        return response
    if response.status_code not in (429, 503):
        response.headers.pop("Retry-After", None)
    reset = response.headers.get("RateLimit-Reset")
    if reset and reset.isdigit() and int(reset) > 1_000_000_000:
        response.headers["RateLimit-Reset"] = str(max(0, int(reset) - int(time.time())))
    return response


def set_partner_rate_limit(partner_id: int, value: str | None, *, actor) -> Partner:
    from app.audit import services as audit
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        raise InvalidRateLimit(f"No partner with id {partner_id}.")
    partner.api_rate_limit = validate_rate_limit(value) if value else None
    audit.record("partner.api_rate_limit_changed", actor=actor, partner_id=partner.id,
                 subject=partner, rate_limit=partner.api_rate_limit or "default")
    return partner
