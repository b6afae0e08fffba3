"""Invitations of colleagues into a partner company: issue, resend, revoke, accept.

A link carries a random token; only its SHA-256 is stored, so a database leak yields no
usable link. Resending issues a new token (the old link dies) and a new expiry."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.audit import services as audit
from app.auth.models import Role, User
from app.auth.services import create_user, normalize_email
from app.company.models import Invitation
from app.database import utcnow
from app.extensions import db
from app.mail.services import absolute_url, send_email

INVITATION_LIFETIME = timedelta(days=7)
PARTNER_ROLES = (Role.PARTNER_OWNER, Role.PARTNER_BILLING, Role.PARTNER_VIEWER)


def role_label(role: Role) -> str:
    return {Role.PARTNER_OWNER: _("Owner"), Role.PARTNER_BILLING: _("Billing"),
            Role.PARTNER_VIEWER: _("Viewer")}.get(role, role.value)


class InvitationError(ValueError):
    """A user-correctable problem with an invitation (message is shown as is)."""


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_open_invitation(email: str) -> Invitation | None:
    """The newest invitation for this address that is not accepted, revoked or expired."""
    return db.session.scalar(
        select(Invitation)
        .where(func.lower(Invitation.email) == normalize_email(email),
               Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
               Invitation.expires_at > utcnow())
        .order_by(Invitation.sent_at.desc(), Invitation.id.desc()).limit(1))


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a link's token belongs to, open or not (the page says why not)."""
    if not token or len(token) > 200:
        return None
    return db.session.scalar(select(Invitation).where(Invitation.token_hash == _token_hash(token)))


def invite(inviter: User, email: str, role: Role) -> Invitation:
    """Create an invitation into the inviter's company and mail the link; the caller commits."""
    email = normalize_email(email)
    if "@" not in email or len(email) > 320 or email.startswith("@") or email.endswith("@"):
        raise InvitationError(_("Enter a valid e-mail address."))
    if role not in PARTNER_ROLES:
        raise InvitationError(_("Choose a role."))
    member = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if member is not None and member.partner_id == inviter.partner_id:
        raise InvitationError(_("%(email)s is already a member of your company.", email=email))
    # An account elsewhere is not revealed here: the link itself says so to its recipient.
    already = db.session.scalar(select(Invitation).where(
        Invitation.partner_id == inviter.partner_id, func.lower(Invitation.email) == email,
        Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
        Invitation.expires_at > utcnow()))
    if already is not None:
        raise InvitationError(_("This address is already invited. Resend that invitation instead."))
    invitation = Invitation(partner_id=inviter.partner_id, email=email, role=role,
                            invited_by_user_id=inviter.id, token_hash="")
    db.session.add(invitation)
    _issue_link(invitation, inviter)
    audit.record("invitation.sent", actor=inviter, partner_id=invitation.partner_id,
                 subject=invitation, email=email, role=role.value)
    return invitation


def resend(invitation: Invitation, actor: User) -> None:
    """A new link and a new 7-day expiry; the previous link stops working."""
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise InvitationError(_("This invitation was already accepted or revoked."))
    invitation.invited_by_user_id = actor.id  # the owner who sends the link now vouches for it
    _issue_link(invitation, actor)
    audit.record("invitation.resent", actor=actor, partner_id=invitation.partner_id,
                 subject=invitation, email=invitation.email)


def revoke(invitation: Invitation, actor: User) -> None:
    if invitation.accepted_at is not None:
        raise InvitationError(_("This invitation was already accepted."))
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        audit.record("invitation.revoked", actor=actor, partner_id=invitation.partner_id,
                     subject=invitation, email=invitation.email)


def revoke_invitations_sent_by(sender: User, actor: User) -> None:
    """An owner who leaves or stops being owner takes back the links they sent."""
    for invitation in db.session.scalars(select(Invitation).where(
            Invitation.invited_by_user_id == sender.id, Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None))):
        revoke(invitation, actor)


def inviter_still_vouches(invitation: Invitation) -> bool:
    """The owner who sent the link is still an active owner of that company."""
    inviter = invitation.invited_by
    return inviter is None or (inviter.is_active_user and inviter.role is Role.PARTNER_OWNER
                               and inviter.partner_id == invitation.partner_id)


def _issue_link(invitation: Invitation, sender: User) -> None:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    invitation.token_hash = _token_hash(token)
    invitation.sent_at = now
    invitation.expires_at = now + INVITATION_LIFETIME
    db.session.flush()
    send_email(invitation.email, "invitation", partner_id=invitation.partner_id,
               company=invitation.partner.name, inviter=sender.email,
               role_name=role_label(invitation.role), expires_at=invitation.expires_at,
               link=absolute_url("company.accept_invitation", token=token))


def accept_invitation(invitation: Invitation, *, password: str | None = None) -> User:
    """Create the invited partner user with the invited role and mark the invitation used.

    `password=None` makes a federated user (no local password). The address counts as
    verified: following the link proved it. Raises InvitationError when the invitation is
    no longer open (also when a concurrent acceptance won) and AccountError for a bad
    password or an address that already has an account. The caller commits."""
    locked = db.session.scalar(select(Invitation).where(Invitation.id == invitation.id)
                               .with_for_update().execution_options(populate_existing=True))
    if locked is None or not locked.is_open or not inviter_still_vouches(locked):
        raise InvitationError(_("This invitation link is no longer valid."))
    user = create_user(locked.email, password, locked.role, locked.partner_id, email_verified=True,
                       created_by=locked.invited_by or "invitation", federated=password is None)
    locked.accepted_at = utcnow()
    locked.accepted_user_id = user.id
    audit.record("invitation.accepted", actor=user, partner_id=locked.partner_id, subject=locked,
                 email=locked.email, role=locked.role.value, user_id=user.id,
                 method="password" if password is not None else "federated")
    return user


def email_has_account(email: str) -> bool:
    return db.session.scalar(select(User.id).where(func.lower(User.email) == normalize_email(email))) is not None
