"""The signed-in user's own account, and the local-account steps around signing in:
e-mail verification, forgotten passwords, the two-step verification code and enrollment."""
from __future__ import annotations

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from sqlalchemy import func, select

from app.account.forms import (ChangePasswordForm, ConfirmWithCodeForm, EmptyForm, EnrollForm,
                               ForgotPasswordForm, ResetPasswordForm, StaffTwoFactorResetForm,
                               TwoFactorCodeForm)
from app.audit import services as audit
from app.auth import two_factor
from app.auth.access import staff_required
from app.auth.models import Role, User
from app.auth.reset import request_password_reset, reset_password, user_for_reset_token
from app.auth.services import AccountError, WrongPasswordError, change_password, normalize_email
from app.auth.sessions import (METHOD_KEY, PENDING_KEY, finish_pending_sign_in, owes_two_factor_enrollment,
                               pending_sign_in)
from app.auth.tokens import LinkError
from app.auth.verification import confirm_email, send_verification_email
from app.extensions import db, limiter

bp = Blueprint("account", __name__)

# What a signed-in user with an unverified address, or who owes enrollment, may still reach.
_ALWAYS_OPEN = {"static", "auth.logout", "account.verify_email", "main.healthz"}
_UNVERIFIED_OPEN = _ALWAYS_OPEN | {"account.verify_email_pending", "account.resend_verification"}
_ENROLLMENT_OPEN = _ALWAYS_OPEN | {"account.two_factor_setup"}


@bp.before_app_request
def enforce_account_state():
    """Server-side gate: an unverified user sees only the "check your inbox" page; a user
    whose role requires two-step verification and has none sees only its set-up page."""
    if request.endpoint is None or request.blueprint in ("api", "odoo_hooks") \
            or not current_user.is_authenticated:
        return None
    if current_user.email_verified_at is None:
        if request.endpoint not in _UNVERIFIED_OPEN:
            return redirect(url_for("account.verify_email_pending"))
    elif owes_two_factor_enrollment(current_user) and request.endpoint not in _ENROLLMENT_OPEN:
        return redirect(url_for("account.two_factor_setup"))
    return None


def _failed(response) -> bool:
    return response.status_code in (400, 401)


def _pending_user_key() -> str:
    pending = session.get(PENDING_KEY)
    user_id = pending.get("user") if isinstance(pending, dict) else None
    return f"2fa-user:{user_id}"


def _signed_in_user_key() -> str:
    return f"2fa-user:{current_user.get_id().partition(':')[0]}" if current_user.is_authenticated else "2fa-anon"


def _reset_account_key() -> str:
    return "reset:" + normalize_email(request.form.get("email", ""))[:320]


# E-mail verification -----------------------------------------------------------------------

@bp.route("/verify-email/<token>")
def verify_email(token: str):
    try:
        user = confirm_email(token)
    except LinkError as error:
        db.session.rollback()
        return render_template("account/link_problem.html", expired=error.expired,
                               kind="verification"), 400
    db.session.commit()
    flash(_("Thank you: your e-mail address %(email)s is confirmed.", email=user.email), "success")
    return redirect(url_for("main.home") if current_user.is_authenticated else url_for("auth.login"))


@bp.route("/account/verify-email")
@login_required
def verify_email_pending():
    if current_user.email_verified_at is not None:
        return redirect(url_for("main.home"))
    return render_template("account/verify_pending.html", form=EmptyForm())


@bp.route("/account/verify-email/resend", methods=["POST"])
@login_required
@limiter.limit("3 per 15 minutes", key_func=_signed_in_user_key, scope="verify-resend")
def resend_verification():
    if not EmptyForm().validate_on_submit():
        abort(400)
    if current_user.email_verified_at is None:
        send_verification_email(current_user)
        db.session.commit()
    flash(_("We sent a new link to %(email)s.", email=current_user.email), "success")
    return redirect(url_for("account.verify_email_pending"))


# Forgotten password --------------------------------------------------------------------------

@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_REQUESTS_PER_IP"], methods=["POST"],
               scope="reset-ip")
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_REQUESTS_PER_ACCOUNT"], methods=["POST"],
               key_func=_reset_account_key, scope="reset-account")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        request_password_reset(form.email.data)
        db.session.commit()
        return render_template("account/forgot_sent.html", email=form.email.data)
    return render_template("account/forgot.html", form=form), (400 if form.errors else 200)


@bp.route("/reset-password/<token>", methods=["GET", "POST"], endpoint="reset_password")
def reset_password_view(token: str):
    try:
        user = user_for_reset_token(token)
    except LinkError as error:
        return render_template("account/link_problem.html", expired=error.expired, kind="reset"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            reset_password(token, form.password.data)
        except AccountError as error:
            db.session.rollback()
            form.password.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Your password is changed and you are signed out everywhere. Sign in with "
                    "the new password."), "success")
            return redirect(url_for("auth.login"))
    return render_template("account/reset.html", form=form, user=user), (400 if form.errors else 200)


# The code step of a password sign-in ---------------------------------------------------------

def _pending_code_limits(view):
    """Wrong codes during sign-in count per client address and per account, like passwords."""
    view = limiter.limit(lambda: current_app.config["TWO_FACTOR_FAILURES_PER_ACCOUNT"], methods=["POST"],
                         key_func=_pending_user_key, deduct_when=_failed, scope="2fa-account")(view)
    return limiter.limit(lambda: current_app.config["LOGIN_FAILURES_PER_IP"], methods=["POST"],
                         deduct_when=_failed, scope="2fa-ip")(view)


@bp.route("/login/two-step", methods=["GET", "POST"])
@_pending_code_limits
def two_factor_challenge():
    found = pending_sign_in()
    if found is None:
        return _restart_sign_in()
    user, pending = found
    if not user.two_factor_enabled:
        return redirect(url_for("account.two_factor_enroll"))
    form = TwoFactorCodeForm()
    failed = False
    if form.validate_on_submit():
        if two_factor.verify_second_factor(user, form.code.data):
            target = finish_pending_sign_in(user, pending)
            db.session.commit()
            return redirect(target)
        audit.record("auth.two_factor_failed", actor=user, partner_id=user.partner_id, subject=user)
        db.session.commit()
        failed = True
        form.code.errors.append(_("That code is not right, or it was already used. Enter the code "
                                  "your app shows now, or one of your recovery codes."))
    return render_template("account/two_factor_challenge.html", form=form, user=user), \
        (401 if failed else 400 if form.errors else 200)


@bp.route("/login/two-step/set-up", methods=["GET", "POST"])
@_pending_code_limits
def two_factor_enroll():
    """Enrollment before sign-in, for a user whose role requires two-step verification."""
    found = pending_sign_in()
    if found is None:
        return _restart_sign_in()
    user, pending = found
    if user.two_factor_enabled:
        return redirect(url_for("account.two_factor_challenge"))
    return _enroll(user, on_success=lambda: finish_pending_sign_in(user, pending), required=True)


@bp.route("/account/two-step/set-up", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["TWO_FACTOR_FAILURES_PER_ACCOUNT"], methods=["POST"],
               key_func=_signed_in_user_key, deduct_when=_failed, scope="2fa-account")
def two_factor_setup():
    if current_user.two_factor_enabled:
        return redirect(url_for("account.overview"))
    user = current_user._get_current_object()
    return _enroll(user, on_success=lambda: url_for("account.overview"),
                   required=user.role.requires_two_factor)


def _enroll(user: User, *, on_success, required: bool):
    two_factor.begin_enrollment(user)
    db.session.commit()
    form = EnrollForm()
    status = 200
    if form.validate_on_submit():
        try:
            codes = two_factor.confirm_enrollment(user, form.code.data)
        except two_factor.TwoFactorError as error:
            db.session.rollback()
            form.code.errors.append(str(error))
            status = 401
        else:
            next_url = on_success()
            db.session.commit()
            return render_template("account/recovery_codes.html", codes=codes, next_url=next_url,
                                   first_time=True)
    elif form.errors:
        status = 400
    return render_template("account/two_factor_enroll.html", form=form, user=user, required=required,
                           qr_svg=two_factor.qr_code_svg(user), secret=user.totp_secret), status


def _restart_sign_in():
    session.pop(PENDING_KEY, None)
    flash(_("Your sign-in timed out. Please sign in again."), "info")
    return redirect(url_for("auth.login"))


# The account page ----------------------------------------------------------------------------

@bp.route("/account")
@login_required
def overview():
    return _render_overview(ChangePasswordForm())


def _render_overview(password_form: ChangePasswordForm, code_form: ConfirmWithCodeForm | None = None,
                     status: int = 200):
    user = current_user._get_current_object()
    return render_template("account/overview.html", user=user, password_form=password_form,
                           code_form=code_form or ConfirmWithCodeForm(),
                           codes_left=two_factor.unused_recovery_code_count(user)), status


@bp.route("/account/password", methods=["POST"])
@login_required
@limiter.limit(lambda: current_app.config["LOGIN_FAILURES_PER_ACCOUNT"], key_func=_signed_in_user_key,
               deduct_when=_failed, scope="password-change")
def change_password_view():
    """Ends every other session and remember-me cookie; this browser stays signed in with a
    fresh session (and a fresh remember-me cookie if it had one)."""
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return _render_overview(form, status=400)
    user = current_user._get_current_object()
    try:
        change_password(user, form.current_password.data, form.new_password.data)
    except WrongPasswordError as error:
        db.session.rollback()
        form.current_password.errors.append(str(error))
        return _render_overview(form, status=400)
    except AccountError as error:
        db.session.rollback()
        form.new_password.errors.append(str(error))
        return _render_overview(form, status=400)
    db.session.commit()
    _reissue_current_session(user)
    flash(_("Your password is changed. You are signed out on every other device."), "success")
    return redirect(url_for("account.overview"))


def _reissue_current_session(user: User) -> None:
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    method = session.get(METHOD_KEY, "password")
    session.clear()
    login_user(user, remember=remembered)
    session[METHOD_KEY] = method


@bp.route("/account/two-step/recovery-codes", methods=["POST"])
@login_required
@limiter.limit(lambda: current_app.config["TWO_FACTOR_FAILURES_PER_ACCOUNT"], key_func=_signed_in_user_key,
               deduct_when=_failed, scope="2fa-account")
def regenerate_recovery_codes():
    form = ConfirmWithCodeForm()
    user = current_user._get_current_object()
    if not user.two_factor_enabled:
        return redirect(url_for("account.two_factor_setup"))
    if form.validate_on_submit():
        try:
            codes = two_factor.regenerate_recovery_codes(user, form.code.data)
        except two_factor.TwoFactorError as error:
            db.session.rollback()
            form.code.errors.append(str(error))
            return _render_overview(ChangePasswordForm(formdata=None), form, status=401)
        db.session.commit()
        return render_template("account/recovery_codes.html", codes=codes,
                               next_url=url_for("account.overview"), first_time=False)
    return _render_overview(ChangePasswordForm(formdata=None), form, status=400)


@bp.route("/account/two-step/turn-off", methods=["POST"])
@login_required
@limiter.limit(lambda: current_app.config["TWO_FACTOR_FAILURES_PER_ACCOUNT"], key_func=_signed_in_user_key,
               deduct_when=_failed, scope="2fa-account")
def disable_two_factor():
    form = ConfirmWithCodeForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        try:
            two_factor.disable(user, form.code.data)
        except two_factor.TwoFactorError as error:
            db.session.rollback()
            form.code.errors.append(str(error))
            return _render_overview(ChangePasswordForm(formdata=None), form, status=401)
        db.session.commit()
        flash(_("Two-step verification is off."), "info")
        return redirect(url_for("account.overview"))
    return _render_overview(ChangePasswordForm(formdata=None), form, status=400)


# Staff admins: reset someone's second factor ---------------------------------------------------

@bp.route("/staff/two-step-reset", methods=["GET", "POST"])
@staff_required
def staff_two_factor_reset():
    if current_user.role is not Role.STAFF_ADMIN:
        abort(403)
    form = StaffTwoFactorResetForm()
    if form.validate_on_submit():
        target = db.session.scalar(select(User).where(func.lower(User.email) == normalize_email(form.email.data)))
        if target is None:
            form.email.errors.append(_("No user has this e-mail address."))
        elif target.id == current_user.id:
            form.email.errors.append(_("Reset your own from your account page, or ask another admin."))
        else:
            two_factor.reset_for_user(current_user._get_current_object(), target)
            db.session.commit()
            flash(_("Two-step verification of %(email)s is reset; they set it up again at their next "
                    "sign-in and are signed out everywhere.", email=target.email), "success")
            return redirect(url_for("account.staff_two_factor_reset"))
    return render_template("account/staff_two_factor_reset.html", form=form), (400 if form.errors else 200)
