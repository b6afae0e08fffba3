"""Usage pages: a credential's last 30 days for its owner and for staff; staff's busiest list."""
from __future__ import annotations

import click
from flask import Blueprint, abort, render_template
from babel.numbers import format_compact_decimal
from flask_babel import format_date, format_decimal, format_percent, get_locale
from flask_login import current_user

from app.auth.access import owner_required, staff_required
from app.credentials.models import ApiKey
from app.extensions import db
from app.usage import services
from app.usage.chart import wide_and_compact

bp = Blueprint("usage", __name__, cli_group="api-usage")
USAGE_DAYS = 30


@bp.app_template_global()
def usage_number(value: int) -> str:
    return format_decimal(value)


@bp.app_template_global()
def usage_axis_number(value: int) -> str:
    return format_compact_decimal(value, locale=str(get_locale()))


@bp.app_template_global()
def usage_percent(value: float) -> str:
    return format_percent(value, format="#,##0.#%")


@bp.app_template_global()
def usage_short_date(value) -> str:
    return format_date(value, "d MMM")


def _is_own_key(key: ApiKey) -> bool:
    """The caller's company's key, or one of its sandbox twin's test keys."""
    return current_user.partner_id in (key.partner_id, getattr(key.partner, "sandbox_of_id", None))


def _render_key_usage(key: ApiKey, *, staff: bool):
    usage = services.usage_for_key(key.id, days=USAGE_DAYS)
    totals = services.Counts(sum(u.requests for u in usage), sum(u.client_errors for u in usage),
                             sum(u.server_errors for u in usage))
    return render_template("usage/key_usage.html", key=key, usage=usage, charts=wide_and_compact(usage),
                           totals=totals, days=USAGE_DAYS, staff=staff)


@bp.route("/api-keys/<id:key_id>/usage")
@owner_required
def key_usage(key_id: int):
    key = db.session.get(ApiKey, key_id)
    if key is None or not _is_own_key(key):
        abort(404)
    return _render_key_usage(key, staff=False)


@bp.route("/staff/api-keys/<id:key_id>/usage")
@staff_required
def staff_key_usage(key_id: int):
    key = db.session.get(ApiKey, key_id)
    if key is None:
        abort(404)
    return _render_key_usage(key, staff=True)


@bp.route("/staff/api-usage")
@staff_required
def staff_overview():
    return render_template("usage/staff_overview.html", days=USAGE_DAYS,
                           credentials=services.top_credentials(days=USAGE_DAYS))


@bp.cli.command("flush")
@click.option("--days", default=services.LIVE_DAYS, show_default=True, type=click.IntRange(1, 35),
              help="How many UTC days back to copy (the counters live 35 days in Redis).")
def flush_command(days: int) -> None:
    """Copy the API usage counters from Redis into api_usage_daily (safe to re-run)."""
    rows = services.flush_usage(days=days)
    db.session.commit()
    click.echo(f"{rows} credential-days written.")
