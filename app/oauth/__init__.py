"""OAuth 2.0 client credentials: a second kind of API credential (see services.py)."""
from __future__ import annotations

from flask import Flask


def init_oauth(app: Flask) -> None:
    """The machine endpoints (/oauth/token, /oauth/revoke) authenticate clients themselves and
    carry no session, hence no CSRF; the owner pages (/oauth-clients) keep it."""
    from app.extensions import csrf
    from app.oauth.endpoints import bp as server_bp
    from app.oauth.routes import bp as pages_bp
    from app.oauth.server import init_authorization_server

    init_authorization_server(app)
    app.register_blueprint(server_bp)
    app.register_blueprint(pages_bp)
    csrf.exempt(server_bp)
