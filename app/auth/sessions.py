"""The one place a browser session starts, whatever proved who the user is (password,
OpenID Connect, an accepted invitation). Second factors and sign-in bookkeeping hang here.

A password sign-in by a user with two-step verification on, or whose role requires it, does
not sign in yet: the browser holds a short-lived pending sign-in (user id, the user's session
token, remember-me choice, next page) and is asked for a code, or walked through enrollment
first. OpenID Connect and invitation sign-ins owe no code (the IdP or the link proved it), but an
owner who joined by invitation still enrolls before anything else (owes_two_factor_enrollment)."""
from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import current_app, redirect, session, url_for
from flask_login import login_user
from werkzeug.wrappers import Response

from app.audit import services as audit
from app.auth.models import User
from app.database import utcnow
from app.extensions import db

PENDING_KEY = "pending_sign_in"
METHOD_KEY = "auth_method"


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
    if method == "password" and (user.two_factor_enabled or user.role.requires_two_factor):
        session[PENDING_KEY] = {"user": user.id, "token": user.session_token, "remember": bool(remember),
                                "next": safe_next(next_url), "since": int(time.time())}
        db.session.commit()
        if user.two_factor_enabled:
            return redirect(url_for("account.two_factor_challenge"))
        return redirect(url_for("account.two_factor_enroll"))
    establish_session(user, remember=remember, method=method)
    db.session.commit()
    return redirect(safe_next(next_url) or url_for("main.home"))


def establish_session(user: User, *, remember: bool, method: str) -> None:
    """Log the user in now (a fresh session: nothing from before sign-in carries over) and
    record it; the caller commits."""
    session.clear()
    login_user(user, remember=remember)
    session[METHOD_KEY] = method
    user.last_login_at = utcnow()
    audit.record("auth.signed_in", actor=user, partner_id=user.partner_id, subject=user, method=method)


def pending_sign_in() -> tuple[User, dict] | None:
    """The user half-way through a password sign-in, while still fresh and still valid."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    age = time.time() - pending.get("since", 0)
    user = db.session.get(User, pending.get("user")) if isinstance(pending.get("user"), int) else None
    if age > current_app.config["TWO_FACTOR_PENDING_SECONDS"] or user is None or not user.is_active \
            or user.session_token != pending.get("token"):
        session.pop(PENDING_KEY, None)
        return None
    return user, pending


def finish_pending_sign_in(user: User, pending: dict) -> str:
    """Complete a pending sign-in once its second factor is proven; returns where to go next."""
    establish_session(user, remember=pending.get("remember", False), method="password")
    return pending.get("next") or url_for("main.home")


def owes_two_factor_enrollment(user: User) -> bool:
    """A signed-in user whose role requires two-step verification but who has none, and whose
    only proof was something they know: a password sign-in, a remember-me cookie of a password
    account, or an accepted invitation (which sets the password)."""
    if user.two_factor_enabled or not user.role.requires_two_factor:
        return False
    return session.get(METHOD_KEY, "password" if user.password_hash else "oidc") in ("password", "invitation")
