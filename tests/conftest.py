"""Shared fixtures: a migrated database (PostgreSQL when reachable, else SQLite), real Redis,
the Odoo sandbox in a thread, and a guard that fails any test reaching past localhost."""
from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

import pytest
from flask import g
from flask_babel import refresh as refresh_babel
from sqlalchemy import create_engine, text

from app import create_app
from app.extensions import db

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ALLOWED_HOSTS = {"127.0.0.1", "localhost", "::1"}
RUN_ID = uuid.uuid4().hex[:8]


def _postgres_reachable(url: str) -> bool:
    try:
        with create_engine(url).connect() as connection:
            connection.execute(text("select 1"))
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """REBAR_TEST_DB=sqlite|postgres chooses; by default PostgreSQL if it answers."""
    choice = os.environ.get("REBAR_TEST_DB", "auto")
    pg_url = os.environ.get("TEST_DATABASE_URL", PG_DEFAULT)
    if choice == "postgres" or (choice == "auto" and _postgres_reachable(pg_url)):
        return pg_url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'rebar-test.db'}"


@pytest.fixture(scope="session")
def redis_url() -> str:
    return os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _serve_sandbox(flavour: str):
    from odoo_sandbox import serve_in_thread

    url, server, _app = serve_in_thread(port=0, flavour=flavour, quiet=True)
    return url, server


def _reset_sandbox(url: str) -> str:
    import requests
    requests.delete(f"{url}/sandbox/faults", timeout=5).raise_for_status()
    requests.post(f"{url}/sandbox/reset", timeout=5).raise_for_status()
    return url


@pytest.fixture(scope="session")
def sandbox():
    """One Odoo 19 sandbox for the session; tests that use it get it reset (`odoo`)."""
    url, server = _serve_sandbox("19")
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def sandbox17():
    url, server = _serve_sandbox("17")
    yield url
    server.shutdown()


@pytest.fixture
def odoo(sandbox):
    return _reset_sandbox(sandbox)


@pytest.fixture
def odoo17(sandbox17):
    return _reset_sandbox(sandbox17)


def base_config(database_url: str, redis_url: str, odoo_url: str = "http://127.0.0.1:9") -> dict:
    return {
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        "RQ_QUEUE": f"rebar-test-{RUN_ID}-{uuid.uuid4().hex[:6]}",
        "ODOO_URL": odoo_url,
        "ODOO_PROTOCOL": "json2",
        "ODOO_TIMEOUT": 5.0,
        "LOG_FORMAT": "text",
        "PUSH_RETRY_BASE_SECONDS": 0.2,
        "MAIL_BACKEND": "console",
    }


@pytest.fixture(scope="session")
def migrated_database(database_url, redis_url):
    """Build the schema the way operators do: `flask db upgrade` from an empty database."""
    from flask_migrate import upgrade

    app = create_app(base_config(database_url, redis_url))
    with app.app_context():
        _drop_everything()
        upgrade()
    return database_url


def _drop_everything() -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    else:
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def _empty_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


def _forget_request_state() -> None:
    """The test keeps one app context open, so its requests share it: forget what Flask-Login
    (the signed-in user) and Flask-Babel (the locale) cache there, as a fresh app context does
    for every request in production."""
    g.pop("_login_user", None)
    refresh_babel()


@pytest.fixture
def app(migrated_database, redis_url, request):
    overrides = base_config(migrated_database, redis_url)
    if "odoo" in request.fixturenames:
        overrides["ODOO_URL"] = request.getfixturevalue("odoo")
    elif "odoo17" in request.fixturenames:
        overrides.update(ODOO_URL=request.getfixturevalue("odoo17"), ODOO_PROTOCOL="xmlrpc")
    if "smtp_server" in request.fixturenames:
        overrides.update(request.getfixturevalue("smtp_server").app_config())
    marker = request.node.get_closest_marker("config")
    if marker:
        overrides.update(marker.kwargs)
    app = create_app(overrides)
    app.before_request_funcs.setdefault(None, []).insert(0, _forget_request_state)
    with app.app_context():
        _empty_tables()
        from app.integration.queue import get_redis
        get_redis().flushdb()
        yield app
        db.session.remove()


@pytest.fixture(scope="session")
def smtp_session_server():
    from tests.mail_helpers import RecordingSmtpServer

    server = RecordingSmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server(smtp_session_server):
    """A real SMTP server on localhost (aiosmtpd); the app fixture sends its mail there."""
    smtp_session_server.clear()
    return smtp_session_server


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(scope="session", autouse=True)
def no_worker_outlives_the_run():
    yield
    from tests.live import Worker
    Worker.stop_all()


@pytest.fixture(autouse=True)
def only_localhost(monkeypatch):
    """Fail any test that opens a connection beyond this machine."""
    real_connect = socket.socket.connect

    def guarded_connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            if host not in ALLOWED_HOSTS:
                raise AssertionError(f"test tried to reach {address!r}; only localhost is allowed")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


def pytest_configure(config):
    config.addinivalue_line("markers", "config(**overrides): extra Flask config for the app fixture")
    Path("test-artifacts").mkdir(exist_ok=True)
