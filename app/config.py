"""Settings from the environment, with safe defaults for the embedded mode."""
from __future__ import annotations

import hashlib
from datetime import timedelta
import os
from pathlib import Path
from typing import Any, Mapping

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"

DEV_SECRET_KEY = "dev-only-not-secret"
DEV_API_KEY_PEPPER = "dev-only-pepper"
SANDBOX_ODOO_URL = "http://127.0.0.1:8169"


class UnsafeProductionConfig(RuntimeError):
    """Raised when REBAR_ENV=production would start with a development-only setting."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _default_queue(rebar_env: str) -> str:
    """In development each checkout gets its own queue, so two clones sharing the machine's
    Redis never run each other's jobs."""
    if rebar_env == "production":
        return "rebar"
    return f"rebar-{hashlib.sha1(str(PROJECT_ROOT).encode()).hexdigest()[:8]}"


def _list(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


OIDC_AUDIENCES = ("staff", "partners")


def _oidc_providers(env: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """OIDC_PROVIDERS=corp,entra plus OIDC_<NAME>_ISSUER/_CLIENT_ID/_CLIENT_SECRET/_AUDIENCE."""
    providers = {}
    for name in _list(env.get("OIDC_PROVIDERS")):
        name = name.lower()
        prefix = f"OIDC_{name.upper().replace('-', '_')}_"
        settings = {key: env.get(prefix + key.upper(), "").strip()
                    for key in ("issuer", "client_id", "client_secret", "audience")}
        missing = [prefix + key.upper() for key, value in settings.items() if not value]
        if missing:
            raise ValueError(f"OpenID provider {name!r} needs {', '.join(missing)}")
        if settings["audience"] not in OIDC_AUDIENCES:
            raise ValueError(f"{prefix}AUDIENCE must be one of {', '.join(OIDC_AUDIENCES)}")
        if not name.replace("-", "").isalnum() or name.startswith("partner"):
            raise ValueError(f"OpenID provider name {name!r}: use letters and digits, not 'partner…'")
        settings["label"] = env.get(prefix + "LABEL", "").strip() or name.capitalize()
        providers[name] = settings
    return providers


def load_config(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build the Flask config from environment variables (see README, "Configuration")."""
    env = os.environ if environ is None else environ
    production = env.get("REBAR_ENV") == "production"
    sqlite_default = f"sqlite:///{INSTANCE_DIR / 'rebar.db'}"
    return {
        "REBAR_ENV": env.get("REBAR_ENV", "development"),
        "SECRET_KEY": env.get("SECRET_KEY", DEV_SECRET_KEY),
        "API_KEY_PEPPER": env.get("API_KEY_PEPPER", DEV_API_KEY_PEPPER),
        "API_KEY_MAX_DAYS": int(env.get("API_KEY_MAX_DAYS", "365")),
        "API_KEY_REMINDER_INTERVAL_SECONDS": int(env.get("API_KEY_REMINDER_INTERVAL_SECONDS", "3600")),
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL", sqlite_default),
        "REDIS_URL": env.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "RQ_QUEUE": env.get("RQ_QUEUE", _default_queue(env.get("REBAR_ENV", "development"))),
        "ODOO_URL": env.get("ODOO_URL", SANDBOX_ODOO_URL),
        "ODOO_DB": env.get("ODOO_DB", "portal_test"),
        "ODOO_LOGIN": env.get("ODOO_LOGIN", "admin"),
        "ODOO_API_KEY": env.get("ODOO_API_KEY", "b17792e6a7014c460d71f40f03958b746945df13"),
        "ODOO_PROTOCOL": env.get("ODOO_PROTOCOL", "auto"),
        "ODOO_WEBHOOK_SECRET": env.get("ODOO_WEBHOOK_SECRET", ""),
        # Test mode (rbr_test_ keys) stays off until a sandbox Odoo other than ODOO_URL is named
        # (`make run` starts one).
        "ODOO_SANDBOX_URL": env.get("ODOO_SANDBOX_URL", ""),
        "ODOO_SANDBOX_DB": env.get("ODOO_SANDBOX_DB", "portal_test"),
        "ODOO_SANDBOX_LOGIN": env.get("ODOO_SANDBOX_LOGIN", "admin"),
        "ODOO_SANDBOX_API_KEY": env.get("ODOO_SANDBOX_API_KEY", "b17792e6a7014c460d71f40f03958b746945df13"),
        "ODOO_SANDBOX_PROTOCOL": env.get("ODOO_SANDBOX_PROTOCOL", "auto"),
        "ODOO_TIMEOUT": float(env.get("ODOO_TIMEOUT", "15")),
        "BUYER_NAME": env.get("BUYER_NAME", "Summit Builders"),
        "PO_SYNC_INTERVAL_SECONDS": int(env.get("PO_SYNC_INTERVAL_SECONDS", "60")),
        "BILL_STATUS_INTERVAL_SECONDS": int(env.get("BILL_STATUS_INTERVAL_SECONDS", "60")),
        "API_USAGE_FLUSH_INTERVAL_SECONDS": int(env.get("API_USAGE_FLUSH_INTERVAL_SECONDS", "300")),
        "PUSH_MAX_ATTEMPTS": int(env.get("PUSH_MAX_ATTEMPTS", "8")),
        "PUSH_RETRY_BASE_SECONDS": float(env.get("PUSH_RETRY_BASE_SECONDS", "5")),
        "BREAKER_FAILURE_THRESHOLD": int(env.get("BREAKER_FAILURE_THRESHOLD", "5")),
        "BREAKER_COOLDOWN_SECONDS": float(env.get("BREAKER_COOLDOWN_SECONDS", "60")),
        "PUSH_LOCK_SECONDS": int(env.get("PUSH_LOCK_SECONDS", "30")),
        "QUANTITY_DECIMALS": int(env.get("QUANTITY_DECIMALS", "2")),
        "MAX_UPLOAD_BYTES": int(env.get("MAX_UPLOAD_BYTES", str(10 * 1024 * 1024))),
        "MAX_CONTENT_LENGTH": int(env.get("MAX_REQUEST_BYTES", str(40 * 1024 * 1024))),
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_HEADER_LIMIT": "RateLimit-Limit",
        "RATELIMIT_HEADER_REMAINING": "RateLimit-Remaining",
        "RATELIMIT_HEADER_RESET": "RateLimit-Reset",
        "API_RATE_LIMIT_PER_KEY": env.get("API_RATE_LIMIT_PER_KEY", "120 per minute;20000 per day"),
        "API_RATE_LIMIT_PER_PARTNER": env.get("API_RATE_LIMIT_PER_PARTNER", "300 per minute;50000 per day"),
        "IDEMPOTENCY_TTL_HOURS": int(env.get("IDEMPOTENCY_TTL_HOURS", "24")),
        "OAUTH_TOKEN_SECONDS": int(env.get("OAUTH_TOKEN_SECONDS", "3600")),
        "OAUTH_TOKEN_RATE_LIMIT": env.get("OAUTH_TOKEN_RATE_LIMIT", "60 per minute"),
        "LOGIN_FAILURES_PER_ACCOUNT": env.get("LOGIN_FAILURES_PER_ACCOUNT", "5 per 5 minutes;20 per day"),
        "LOGIN_FAILURES_PER_IP": env.get("LOGIN_FAILURES_PER_IP", "20 per 5 minutes;200 per day"),
        "TWO_FACTOR_FAILURES_PER_ACCOUNT": env.get("TWO_FACTOR_FAILURES_PER_ACCOUNT", "5 per 5 minutes;20 per day"),
        "TWO_FACTOR_PENDING_SECONDS": int(env.get("TWO_FACTOR_PENDING_SECONDS", "600")),
        "PASSWORD_RESET_REQUESTS_PER_IP": env.get("PASSWORD_RESET_REQUESTS_PER_IP", "10 per 15 minutes;50 per day"),
        "PASSWORD_RESET_REQUESTS_PER_ACCOUNT": env.get("PASSWORD_RESET_REQUESTS_PER_ACCOUNT", "3 per 15 minutes;10 per day"),
        "PASSWORD_RESET_MINUTES": int(env.get("PASSWORD_RESET_MINUTES", "60")),
        "EMAIL_VERIFICATION_HOURS": int(env.get("EMAIL_VERIFICATION_HOURS", "72")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), default=False),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), default=False),
        "REMEMBER_COOKIE_DURATION": timedelta(days=int(env.get("REMEMBER_DAYS", "14"))),
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": env.get("DEFAULT_TIMEZONE", "UTC"),
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO"),
        "RQ_LOG_LEVEL": env.get("RQ_LOG_LEVEL", "INFO"),
        "LOG_FORMAT": env.get("LOG_FORMAT", "json"),
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", f"http://127.0.0.1:{env.get('PORT', '5000')}"),
        "DATA_ENCRYPTION_KEYS": _list(env.get("DATA_ENCRYPTION_KEYS")),
        "MAIL_BACKEND": env.get("MAIL_BACKEND", "smtp" if production else "file"),
        "MAIL_FILE_DIR": env.get("MAIL_FILE_DIR", str(INSTANCE_DIR / "mail")),
        "MAIL_FROM": env.get("MAIL_FROM", "Rebar <no-reply@rebar.localhost>"),
        "SMTP_HOST": env.get("SMTP_HOST", "127.0.0.1"),
        "SMTP_PORT": int(env.get("SMTP_PORT", "25")),
        "SMTP_USERNAME": env.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD", ""),
        "SMTP_SECURITY": env.get("SMTP_SECURITY", "none"),
        "SMTP_TIMEOUT": float(env.get("SMTP_TIMEOUT", "15")),
        "OIDC_PROVIDERS": _oidc_providers(env),
        "OIDC_CLOCK_SKEW_SECONDS": int(env.get("OIDC_CLOCK_SKEW_SECONDS", "60")),
        "OIDC_FLOW_SECONDS": int(env.get("OIDC_FLOW_SECONDS", "600")),
        "OIDC_HTTP_TIMEOUT": float(env.get("OIDC_HTTP_TIMEOUT", "10")),
        "DNS_NAMESERVERS": _list(env.get("DNS_NAMESERVERS")),
        "DNS_PORT": int(env.get("DNS_PORT", "53")),
        "DOMAIN_VERIFICATION_HOURS": int(env.get("DOMAIN_VERIFICATION_HOURS", "72")),
    }


def finish_config(config: dict[str, Any]) -> None:
    """Settings derived from others once overrides are applied: the rate limiter shares
    Redis with RQ (same database, keys prefixed by the queue name)."""
    redis_url = config["REDIS_URL"]
    if redis_url.startswith("unix://"):
        redis_url = "redis+unix://" + redis_url[len("unix://"):]
    config.setdefault("RATELIMIT_STORAGE_URI", redis_url)
    config.setdefault("RATELIMIT_KEY_PREFIX", config["RQ_QUEUE"])
    if not config["DATA_ENCRYPTION_KEYS"]:
        from app.crypto import derive_development_key
        config["DATA_ENCRYPTION_KEYS"] = [derive_development_key(config["SECRET_KEY"])]
        config["DATA_ENCRYPTION_KEYS_DERIVED"] = True


def check_production_safety(config: Mapping[str, Any]) -> None:
    """Refuse to run in production with any development-only default."""
    if config.get("REBAR_ENV") != "production":
        return
    problems = []
    if config["SECRET_KEY"] == DEV_SECRET_KEY:
        problems.append("SECRET_KEY is the development default")
    if config["API_KEY_PEPPER"] == DEV_API_KEY_PEPPER:
        problems.append("API_KEY_PEPPER is the development default")
    if config["ODOO_URL"].rstrip("/") == SANDBOX_ODOO_URL:
        problems.append("ODOO_URL points at the Odoo sandbox")
    if not config["DATA_ENCRYPTION_KEYS"] or config.get("DATA_ENCRYPTION_KEYS_DERIVED"):
        problems.append("DATA_ENCRYPTION_KEYS is not set")
    if not config["PUBLIC_BASE_URL"].startswith("https://"):
        problems.append("PUBLIC_BASE_URL is not an https:// address")
    if config["MAIL_BACKEND"] != "smtp":
        problems.append("MAIL_BACKEND is not smtp")
    if config.get("DEBUG"):
        problems.append("debug mode is on")
    if not (config.get("SESSION_COOKIE_SECURE") and config.get("REMEMBER_COOKIE_SECURE")):
        problems.append("SESSION_COOKIE_SECURE is off")
    if problems:
        raise UnsafeProductionConfig("Refusing to start in production: " + "; ".join(problems))
