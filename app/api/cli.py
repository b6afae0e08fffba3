"""Operator commands for the API: per-company rate limits and idempotency record clean-up."""
from __future__ import annotations

import click
from flask import Flask

from app.extensions import db


def register_api_commands(app: Flask) -> None:
    @app.cli.command("set-rate-limit")
    @click.argument("partner_id", type=int)
    @click.argument("limit")
    def set_rate_limit_command(partner_id: int, limit: str) -> None:
        """Set a company's API budget, e.g. '600 per minute;100000 per day', or 'default'."""
        from app.api.ratelimits import InvalidRateLimit, set_partner_rate_limit
        try:
            partner = set_partner_rate_limit(partner_id, None if limit == "default" else limit,
                                             actor="cli")
        except InvalidRateLimit as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from None
        db.session.commit()
        click.echo(f"{partner.name}: {partner.api_rate_limit or 'default'}")

    @app.cli.command("purge-idempotency-keys")
    def purge_idempotency_keys_command() -> None:
        """Delete idempotency records older than IDEMPOTENCY_TTL_HOURS."""
        from app.api.idempotency import purge_expired
        removed = purge_expired()
        db.session.commit()
        click.echo(f"Removed {removed} expired idempotency records.")
