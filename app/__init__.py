"""Rebar: the partner portal between a construction company's Odoo and its subcontractors."""
from __future__ import annotations

from typing import Any, Mapping

from flask import Flask

from app.config import PROJECT_ROOT, check_production_safety, finish_config, load_config
from app.extensions import babel, csrf, db, limiter, login_manager, migrate


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: config → extensions → blueprints → CLI → error handlers. No I/O."""
    app = Flask(__name__, instance_path=str(PROJECT_ROOT / "instance"),
                template_folder=str(PROJECT_ROOT / "templates"),
                static_folder=str(PROJECT_ROOT / "static"))
    app.config.update(load_config())
    if overrides:
        app.config.update(overrides)
    finish_config(app.config)
    check_production_safety(app.config)

    _init_extensions(app)
    _register_url_converters(app)
    _register_blueprints(app)
    _register_cli(app)

    from app.errors.handlers import register_error_handlers
    register_error_handlers(app)
    return app


def _init_extensions(app: Flask) -> None:
    from app import models  # noqa: F401  (registers every table with the metadata)
    from app.i18n import init_i18n
    from app.observability import configure_logging, init_request_ids
    from app.security import init_security_headers

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True,
                     compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    from app.api.ratelimits import tidy_rate_limit_headers
    app.after_request(tidy_rate_limit_headers)  # before the limiter's hook, so it runs after it
    limiter.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    init_i18n(app, babel)
    configure_logging(app)
    init_request_ids(app)
    init_security_headers(app)


def _register_url_converters(app: Flask) -> None:
    from werkzeug.routing import IntegerConverter

    from app.database import MAX_DATABASE_ID

    class RowIdConverter(IntegerConverter):
        """`<id:name>`: a positive row id; anything else is simply not found (never a 500)."""

        def __init__(self, url_map) -> None:
            super().__init__(url_map, min=1, max=MAX_DATABASE_ID)

    app.url_map.converters["id"] = RowIdConverter


def _register_blueprints(app: Flask) -> None:
    from app.account.routes import bp as account_bp
    from app.api import bp as api_bp
    from app.audit.routes import bp as audit_bp
    from app.auth.routes import bp as auth_bp
    from app.company.routes import bp as company_bp
    from app.credentials.routes import bp as credentials_bp
    from app.developers.routes import bp as developers_bp
    from app.federation.routes import bp as federation_bp
    from app.integration.routes import bp as odoo_hooks_bp
    from app.invoices.routes import bp as invoices_bp
    from app.main.routes import bp as main_bp
    from app.onboarding.routes import bp as onboarding_bp
    from app.purchasing.routes import bp as purchasing_bp
    from app.staff.routes import bp as staff_bp
    from app.usage.routes import bp as usage_bp

    for blueprint in (main_bp, auth_bp, purchasing_bp, invoices_bp, staff_bp, audit_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(account_bp)
    app.register_blueprint(federation_bp)
    app.register_blueprint(company_bp)
    app.register_blueprint(credentials_bp)
    app.register_blueprint(onboarding_bp)
    app.register_blueprint(developers_bp)
    app.register_blueprint(usage_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(odoo_hooks_bp)
    csrf.exempt(api_bp)
    csrf.exempt(odoo_hooks_bp)

    from app.oauth import init_oauth
    init_oauth(app)


def _register_cli(app: Flask) -> None:
    from app.cli import register_commands
    register_commands(app)
