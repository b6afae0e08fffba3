from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db


def test_migrations_build_exactly_the_models_schema(app):
    """The schema comes from `flask db upgrade` (conftest); the models must not have drifted."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_session_token_migration_gives_existing_users_a_token(tmp_path, redis_url):
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import create_app
    from tests.conftest import base_config

    app = create_app(base_config(f"sqlite:///{tmp_path / 'old.db'}", redis_url))
    with app.app_context():
        upgrade(revision="7180354ca2f5")
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO users (email, role, is_active_user, created_at) "
                                    "VALUES ('old@example.com', 'staff_admin', 1, '2026-01-01 00:00:00')"))
        upgrade()
        with db.engine.connect() as connection:
            [token] = connection.execute(text("SELECT session_token FROM users")).scalars().all()
        assert len(token) == 32


def test_migrations_form_one_line_with_a_single_head(app):
    """Two features branching from the same revision leave `flask db upgrade` ambiguous."""
    from alembic.script import ScriptDirectory
    from flask_migrate import Migrate  # noqa: F401  (the extension registers the config)

    config = app.extensions["migrate"].migrate.get_config()
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_every_migration_downgrades_to_base_and_back(tmp_path, redis_url):
    from flask_migrate import downgrade, upgrade

    from app import create_app
    from tests.conftest import base_config

    app = create_app(base_config(f"sqlite:///{tmp_path / 'roundtrip.db'}", redis_url))
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
