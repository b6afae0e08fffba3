from __future__ import annotations

import hmac

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from app.auth.forms import LoginForm
from app.auth.models import User
from app.auth.services import authenticate, normalize_email
from app.auth.sessions import start_session
from app.extensions import db, limiter, login_manager

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    user_id, _, token = session_id.partition(":")
    user = db.session.get(User, int(user_id)) if user_id.isdigit() and len(user_id) < 10 else None
    if user is None or not user.is_active or not hmac.compare_digest(user.session_token, token):
        return None
    return user


def _failed_sign_in(response) -> bool:
    return response.status_code == 401


def _account_key() -> str:
    return "account:" + normalize_email(request.form.get("email", ""))[:320]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_FAILURES_PER_IP"], methods=["POST"],
               deduct_when=_failed_sign_in, scope="login-ip")
@limiter.limit(lambda: current_app.config["LOGIN_FAILURES_PER_ACCOUNT"], methods=["POST"],
               key_func=_account_key, deduct_when=_failed_sign_in, scope="login-account")
def login():
    """Only failed sign-ins count toward the limits, per account and per address."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        db.session.commit()
        if user is not None:
            return start_session(user, remember=form.remember.data,
                                 next_url=request.args.get("next"), method="password")
        failed = True
    return render_template("auth/login.html", form=form, failed=failed), (401 if failed else 200)


@bp.route("/logout", methods=["POST"])
def logout():
    """Signing out ends every session and remember-me cookie of this user, on every device."""
    if current_user.is_authenticated:
        current_user.end_all_sessions()
        db.session.commit()
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))
