"""Who may do what: role checks shared by every blueprint."""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import abort, redirect, url_for
from flask_login import current_user, login_required

from app.auth.models import Role, User


def partner_required(view: Callable) -> Callable:
    """Only signed-in users of a partner company; staff use the staff pages."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.partner_id is None:
            abort(403)
        if not current_user.partner.is_approved:
            return redirect(url_for("onboarding.resume"))
        return view(*args, **kwargs)

    return wrapped


def invoice_submitter_required(view: Callable) -> Callable:
    @wraps(view)
    @partner_required
    def wrapped(*args, **kwargs):
        if not current_user.role.can_submit_invoices:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def owner_required(view: Callable) -> Callable:
    """An owner of an approved partner company."""

    @wraps(view)
    @partner_required
    def wrapped(*args, **kwargs):
        if current_user.role is not Role.PARTNER_OWNER:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def applicant_owner_required(view: Callable) -> Callable:
    """An owner of a partner company, approved or still applying."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.partner_id is None or current_user.role is not Role.PARTNER_OWNER:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def staff_required(view: Callable) -> Callable:
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_staff:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def current_partner_user() -> User:
    return current_user._get_current_object()
