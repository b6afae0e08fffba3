"""The team page (members, roles, invitations) and the invitation link's accept page."""
from __future__ import annotations

from typing import Callable

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app.auth.access import current_partner_user, owner_required, partner_required
from app.auth.models import Role
from app.auth.services import AccountError
from app.auth.sessions import start_session
from app.company import invitations, services
from app.company.forms import AcceptInvitationForm, ActionForm, InviteForm, RoleForm
from app.company.invitations import InvitationError, role_label
from app.company.services import TeamError
from app.extensions import db, limiter

bp = Blueprint("company", __name__)

# Invitation mails per company, so that a compromised owner account cannot mail-bomb anyone.
INVITATION_MAILS = "30 per hour"


def _company_key() -> str:
    return f"company:{current_user.partner_id}"


invitation_mail_limit = limiter.shared_limit(INVITATION_MAILS, scope="invitation-mails",
                                             key_func=_company_key)


def _render_team(invite_form: InviteForm | None = None, status: int = 200):
    partner_id = current_user.partner_id
    return render_template("company/team.html", members=services.members(partner_id),
                           invitations=services.pending_invitations(partner_id),
                           invite_form=invite_form or InviteForm(), action_form=ActionForm(),
                           role_form=RoleForm, role_label=role_label,
                           is_owner=current_user.role is Role.PARTNER_OWNER), status


@bp.route("/team")
@partner_required
def team():
    return _render_team()


@bp.route("/team/invitations", methods=["POST"])
@owner_required
@invitation_mail_limit
def invite():
    form = InviteForm()
    if not form.validate_on_submit():
        return _render_team(form, 400)
    try:
        invitation = invitations.invite(current_partner_user(), form.email.data, Role(form.role.data))
    except InvitationError as error:
        db.session.rollback()
        form.email.errors.append(str(error))
        return _render_team(form, 400)
    db.session.commit()
    flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
    return redirect(url_for("company.team"))


def _own_invitation(invitation_id: int):
    invitation = services.invitation_of(current_user.partner_id, invitation_id)
    if invitation is None:
        abort(404)
    return invitation


def _own_member(user_id: int):
    user = services.member_of(current_user.partner_id, user_id)
    if user is None:
        abort(404)
    return user


def _checked_action_form() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


@bp.route("/team/invitations/<id:invitation_id>/resend", methods=["POST"])
@owner_required
@invitation_mail_limit
def resend_invitation(invitation_id: int):
    invitation = _own_invitation(invitation_id)
    _checked_action_form()
    return _apply(lambda: invitations.resend(invitation, current_partner_user()),
                  _("A new link was sent to %(email)s; the previous one no longer works.",
                    email=invitation.email))


@bp.route("/team/invitations/<id:invitation_id>/revoke", methods=["POST"])
@owner_required
def revoke_invitation(invitation_id: int):
    invitation = _own_invitation(invitation_id)
    _checked_action_form()
    return _apply(lambda: invitations.revoke(invitation, current_partner_user()),
                  _("The invitation to %(email)s was revoked.", email=invitation.email))


@bp.route("/team/members/<id:user_id>/role", methods=["POST"])
@owner_required
def change_role(user_id: int):
    user = _own_member(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        flash(_("Choose a role."), "danger")
        return redirect(url_for("company.team"))
    role = Role(form.role.data)
    return _apply(lambda: services.change_role(current_partner_user(), user, role),
                  _("%(email)s is now %(role)s.", email=user.email, role=role_label(role)))


@bp.route("/team/members/<id:user_id>/deactivate", methods=["POST"])
@owner_required
def deactivate_member(user_id: int):
    user = _own_member(user_id)
    _checked_action_form()
    return _apply(lambda: services.deactivate(current_partner_user(), user),
                  _("%(email)s is deactivated: signed out everywhere, their API keys revoked and their open invitations withdrawn.",
                    email=user.email))


@bp.route("/team/members/<id:user_id>/reactivate", methods=["POST"])
@owner_required
def reactivate_member(user_id: int):
    user = _own_member(user_id)
    _checked_action_form()
    return _apply(lambda: services.reactivate(current_partner_user(), user),
                  _("%(email)s can sign in again. Their old API keys stay revoked.", email=user.email))


def _apply(change: Callable[[], None], success: str):
    try:
        change()
    except (TeamError, InvitationError) as error:
        db.session.rollback()
        flash(str(error), "danger")
        return redirect(url_for("company.team"))
    db.session.commit()
    flash(success, "success")
    return redirect(url_for("company.team"))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    invitation = invitations.invitation_for_token(token)
    problem = _link_problem(invitation)
    if problem:
        status = 404 if problem == "unknown" else 410
        return render_template("company/invitation_problem.html", problem=problem), status
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = invitations.accept_invitation(invitation, password=form.password.data)
        except (InvitationError, IntegrityError):  # IntegrityError: a concurrent acceptance won
            db.session.rollback()
            return render_template("company/invitation_problem.html", problem="used"), 410
        except AccountError as error:
            db.session.rollback()
            form.password.errors.append(str(error))
        else:
            response = start_session(user, remember=False, next_url=None, method="invitation")
            flash(_("Welcome to %(company)s.", company=invitation.partner.name), "success")
            return response
    return render_template("company/accept.html", form=form, invitation=invitation,
                           role_name=role_label(invitation.role)), 400 if form.errors else 200


def _link_problem(invitation) -> str | None:
    if invitation is None:
        return "unknown"
    if invitation.accepted_at is not None:
        return "used"
    if invitation.revoked_at is not None or not invitations.inviter_still_vouches(invitation):
        return "revoked"
    if invitation.is_expired:
        return "expired"
    if invitations.email_has_account(invitation.email):
        return "has_account"
    return None
