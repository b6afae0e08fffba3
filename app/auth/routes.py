from __future__ import annotations

import hmac

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from app.auth.forms import LoginForm
from app.auth.models import User
from app.auth.services import authenticate, normalize_email
from app.auth.sessions import safe_next, start_session
from app.extensions import db, limiter, login_manager
from app.federation.providers import idp_for_email, sign_in_buttons
from app.parsing import whole_number

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    user_id, _, token = session_id.partition(":")
    user_pk = whole_number(user_id)
    user = db.session.get(User, user_pk) if user_pk is not None else None
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
    """E-mail first: an address at a domain verified by a partner with its own sign-in goes
    there (home-realm discovery); everyone else gets the password step and the configured
    providers' buttons. One form, no JavaScript needed; a POST with a password signs in
    directly. Only failed sign-ins count toward the limits, per account and per address."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    failed = False
    next_url = safe_next(request.args.get("next"))
    if request.method == "GET" and request.args.get("method") == "password":
        form.step.data = "password"
    if form.validate_on_submit():
        if form.password.data:
            user = authenticate(form.email.data, form.password.data)
            db.session.commit()
            if user is not None:
                return start_session(user, remember=form.remember.data, next_url=next_url, method="password")
            failed = True
        elif form.step.data == "password":
            form.password.errors.append(_("Enter your password."))
        else:
            idp = idp_for_email(form.email.data)
            if idp is not None:
                return redirect(url_for("federation.login", name=idp.key, next=next_url,
                                        login_hint=normalize_email(form.email.data)))
        form.step.data = "password"
    return render_template("auth/login.html", form=form, failed=failed, next_url=next_url,
                           providers=sign_in_buttons()), (401 if failed else 200)


@bp.route("/logout", methods=["POST"])
def logout():
    """Signing out ends every session and remember-me cookie of this user, on every device."""
    if current_user.is_authenticated:
        current_user.end_all_sessions()
        db.session.commit()
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))
