"""The one place a browser session starts, whatever proved who the user is (password,
OpenID Connect, an accepted invitation). Second factors and sign-in bookkeeping hang here."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import redirect, url_for
from flask_login import login_user
from werkzeug.wrappers import Response

from app.auth.models import User


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths, so a crafted link cannot bounce users elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def start_session(user: User, *, remember: bool, next_url: str | None, method: str) -> Response:
    """Sign `user` in and send them on. `method` says how they proved it: "password",
    "oidc" or "invitation"; only "password" sign-ins may still owe a second factor."""
    login_user(user, remember=remember)
    return redirect(safe_next(next_url) or url_for("main.home"))
