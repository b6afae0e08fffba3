"""Operator commands: `flask --app wsgi <command>`."""
from __future__ import annotations

from datetime import datetime, timedelta

import click
from flask import Flask, current_app

from app.auth.models import Role
from app.auth.services import AccountError, create_user
from app.credentials.services import (KEY_PREFIX, TEST_KEY_PREFIX, CredentialError, create_api_key, parse_scopes,
                                      revoke_api_key)
from app.database import utcnow
from app.extensions import db
from app.partners.services import PartnerError, create_partner

USER_ERRORS = (AccountError, CredentialError, PartnerError)


def _commit_or_fail(action):
    try:
        result = action()
        db.session.commit()
        return result
    except USER_ERRORS as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None


def _create_test_key(partner_id: int, scopes: list[str], name: str):
    from app.credentials.sandbox import create_test_api_key
    from app.partners.models import Partner

    partner = db.session.get(Partner, partner_id)
    if partner is None:
        raise CredentialError(f"No partner with id {partner_id}.")
    return create_test_api_key(partner, scopes, name)


def _cli_key_expiry(days: int) -> datetime:
    if days > current_app.config["API_KEY_MAX_DAYS"]:
        raise click.BadParameter(f"at most {current_app.config['API_KEY_MAX_DAYS']} days (API_KEY_MAX_DAYS)",
                                 param_hint="--expires-days")
    return utcnow() + timedelta(days=days)


def _expiring(created: tuple, expires_at: datetime) -> tuple:
    created[0].expires_at = expires_at
    return created


def register_commands(app: Flask) -> None:
    @app.cli.command("create-partner")
    @click.option("--name", required=True)
    @click.option("--odoo-partner-id", type=int, required=True, help="The vendor's res.partner id in Odoo.")
    def create_partner_command(name: str, odoo_partner_id: int) -> None:
        """Create a partner company; prints only its new id."""
        partner = _commit_or_fail(lambda: create_partner(name, odoo_partner_id))
        click.echo(partner.id)

    @app.cli.command("create-user")
    @click.option("--email", required=True)
    @click.option("--password", default=None,
                  help="Leave out for a staff user who signs in only through the staff SSO provider.")
    @click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
    @click.option("--partner", "partner_id", type=int, help="Partner id, for partner roles.")
    def create_user_command(email: str, password: str | None, role: str, partner_id: int | None) -> None:
        """Create a local account."""
        user = _commit_or_fail(lambda: create_user(email, password, Role(role), partner_id,
                                                               email_verified=True))
        click.echo(user.id)

    @app.cli.command("create-api-key")
    @click.option("--partner", "partner_id", type=int, required=True)
    @click.option("--scopes", required=True, help="Comma-separated, e.g. purchase_orders:read,invoices:write")
    @click.option("--name", default="", help="A label to recognise the key by.")
    @click.option("--test", "test_mode", is_flag=True,
                  help="An rbr_test_ key: the partner's test-mode twin, Odoo sandbox data only.")
    @click.option("--expires-days", type=click.IntRange(min=1), default=90, show_default=True,
                  help="The key stops working after this many days (at most API_KEY_MAX_DAYS).")
    def create_api_key_command(partner_id: int, scopes: str, name: str, test_mode: bool,
                               expires_days: int) -> None:
        """Create an API key; prints only the key, once. It is stored hashed."""
        expires_at = _cli_key_expiry(expires_days)
        if test_mode:
            _, secret = _commit_or_fail(lambda: _expiring(
                _create_test_key(partner_id, parse_scopes(scopes), name), expires_at))
        else:
            _, secret = _commit_or_fail(lambda: create_api_key(partner_id, parse_scopes(scopes), name=name,
                                                               expires_at=expires_at))
        click.echo(secret)

    @app.cli.command("revoke-api-key")
    @click.argument("key_id")
    def revoke_api_key_command(key_id: str) -> None:
        """Revoke an API key at once; KEY_ID is the part after rbr_live_/rbr_test_ (or the whole key)."""
        public_id = key_id.removeprefix(KEY_PREFIX).removeprefix(TEST_KEY_PREFIX).split("_")[0]
        _commit_or_fail(lambda: revoke_api_key(public_id))
        click.echo(f"Revoked {public_id}.")

    @app.cli.command("send-api-key-reminders")
    def send_api_key_reminders_command() -> None:
        """E-mail owners about API keys expiring within 7 days (the worker does this hourly)."""
        from app.credentials.reminders import send_expiry_reminders
        click.echo(f"Reminded about {send_expiry_reminders()} key(s).")

    @app.cli.command("two-factor-code")
    @click.argument("email")
    def two_factor_code_command(email: str) -> None:
        """Development only: print the current two-step code of a user (e.g. a demo user)."""
        from app.auth.models import User
        from app.auth.services import normalize_email
        from app.auth.two_factor import next_usable_code

        if current_app.config["REBAR_ENV"] == "production":
            raise click.ClickException("Refused in production: codes come from the user's own app.")
        user = db.session.scalar(db.select(User).filter_by(email=normalize_email(email)))
        if user is None or user.totp_secret is None:
            raise click.ClickException(f"{email} has no two-step verification set up or started. "
                                       "Open the set-up page first.")
        code, wait = next_usable_code(user)
        click.echo(code)
        if wait:
            click.echo(f"(the current codes were used; this one works in {wait} seconds)", err=True)

    @app.cli.command("send-test-email")
    @click.option("--to", "to_address", required=True)
    def send_test_email_command(to_address: str) -> None:
        """Send a test message now through the configured mail settings and say how it went."""
        from app.integration.jobs import deliver_outbox_event
        from app.integration.models import OutboxEvent
        from app.mail.services import absolute_url, send_email

        email = _commit_or_fail(lambda: send_email(to_address, "mail_check",
                                                   portal_url=absolute_url("main.home")))
        event = db.session.scalar(db.select(OutboxEvent).filter_by(topic="email.send", subject_id=email.id))
        outcome = deliver_outbox_event(event.id)
        db.session.refresh(event)
        if outcome != "synced":
            raise click.ClickException(f"Not sent yet ({outcome}): {event.last_error}")
        click.echo(f"Sent to {to_address} via {current_app.config['MAIL_BACKEND']}.")

    @app.cli.command("sync-purchase-orders")
    @click.option("--partner", "partner_id", type=int, help="Only this partner.")
    def sync_purchase_orders_command(partner_id: int | None) -> None:
        """Pull purchase orders from Odoo now."""
        from app.integration.jobs import sync_purchase_orders
        from app.odoo.errors import OdooError
        try:
            totals = sync_purchase_orders(partner_id)
        except OdooError as exc:
            raise click.ClickException(f"Odoo: {exc.message}") from None
        click.echo(f"Synced {totals['purchase_orders']} purchase orders and {totals['lines']} lines "
                   f"for {totals['partners']} partners.")

    @app.cli.command("refresh-bill-statuses")
    def refresh_bill_statuses_command() -> None:
        """Read the state of bills in Odoo now."""
        from app.integration.jobs import refresh_bill_statuses
        click.echo(f"{refresh_bill_statuses()} invoices changed status.")

    @app.cli.command("reconcile-outbox")
    @click.option("--stale-after", type=int, default=120, show_default=True)
    def reconcile_outbox_command(stale_after: int) -> None:
        """Re-enqueue deliveries whose job was lost."""
        from app.integration.jobs import reconcile_outbox
        click.echo(f"Re-enqueued {reconcile_outbox(stale_after)} events.")

    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
    @click.option("--cron/--no-cron", default=True, show_default=True,
                  help="Also run the periodic jobs (PO sync, bill status, reconciler).")
    def worker_command(burst: bool, cron: bool) -> None:
        """Run an RQ worker with its scheduler."""
        from app.integration.worker import run_worker
        run_worker(current_app._get_current_object(), burst=burst, with_cron=cron)

    @app.cli.command("seed-demo")
    def seed_demo_command() -> None:
        """Create the demo partners, users and API key (idempotent)."""
        from app.demo import seed_demo
        for line in seed_demo():
            click.echo(line)

    from app.api.cli import register_api_commands
    register_api_commands(app)
