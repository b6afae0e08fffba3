"""Managing a partner company's users: roles, deactivation and reactivation.

At least one active owner always remains. Two owners demoting each other at the same moment
must not both succeed, so every change first takes a write lock on the partner's row and
only then counts the remaining owners."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app.audit import services as audit
from app.auth.models import Role, User
from app.company.invitations import PARTNER_ROLES, revoke_invitations_sent_by
from app.company.models import Invitation
from app.credentials.services import revoke_keys_created_by
from app.extensions import db
from app.partners.models import Partner


class TeamError(ValueError):
    """A change that is not allowed (message is shown as is)."""


def members(partner_id: int) -> list[User]:
    return list(db.session.scalars(select(User).where(User.partner_id == partner_id)
                                   .order_by(User.is_active_user.desc(), func.lower(User.email))))


def pending_invitations(partner_id: int) -> list[Invitation]:
    """Invitations not yet accepted or revoked, expired ones included (they can be resent)."""
    return list(db.session.scalars(select(Invitation).where(
        Invitation.partner_id == partner_id, Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None)).order_by(Invitation.sent_at.desc())))


def member_of(partner_id: int, user_id: int) -> User | None:
    user = db.session.get(User, user_id)
    return user if user is not None and user.partner_id == partner_id else None


def invitation_of(partner_id: int, invitation_id: int) -> Invitation | None:
    invitation = db.session.get(Invitation, invitation_id)
    return invitation if invitation is not None and invitation.partner_id == partner_id else None


def change_role(actor: User, user: User, role: Role) -> None:
    if role not in PARTNER_ROLES:
        raise TeamError(_("Choose a role."))
    _lock_team(actor, user)
    if role is user.role:
        return
    if user.role is Role.PARTNER_OWNER and user.is_active_user:
        _keep_another_owner(user)
    previous = user.role
    user.role = role
    if previous is Role.PARTNER_OWNER:
        revoke_invitations_sent_by(user, actor)
    audit.record("user.role_changed", actor=actor, partner_id=user.partner_id, subject=user,
                 email=user.email, old_role=previous.value, new_role=role.value)


def deactivate(actor: User, user: User) -> None:
    """Ends the user's sessions, API keys and the invitations they sent, at once and for good:
    reactivating the user brings none of them back."""
    _lock_team(actor, user)
    if not user.is_active_user:
        return
    if user.role is Role.PARTNER_OWNER:
        _keep_another_owner(user)
    user.is_active_user = False
    user.end_all_sessions()
    revoke_keys_created_by(user, actor=actor)
    revoke_invitations_sent_by(user, actor)
    audit.record("user.deactivated", actor=actor, partner_id=user.partner_id, subject=user,
                 email=user.email)


def reactivate(actor: User, user: User) -> None:
    _lock_team(actor, user)
    if user.is_active_user:
        return
    user.is_active_user = True
    audit.record("user.reactivated", actor=actor, partner_id=user.partner_id, subject=user,
                 email=user.email)


def _lock_team(actor: User, user: User) -> None:
    """Serialise changes to one company's users, then re-read both users: an owner demoted
    a moment ago by another owner can no longer manage.

    A no-op UPDATE of the partner row is a row lock on PostgreSQL and the database write
    lock on SQLite (SELECT … FOR UPDATE would be ignored there), so a concurrent change
    waits here and then counts owners after the first one committed."""
    db.session.execute(update(Partner).where(Partner.id == user.partner_id)
                       .values(name=Partner.name))
    db.session.refresh(user)
    db.session.refresh(actor)
    if actor.role is not Role.PARTNER_OWNER or not actor.is_active_user \
            or actor.partner_id != user.partner_id:
        raise TeamError(_("Only an active owner of the company can do this."))


def _keep_another_owner(user: User) -> None:
    others = db.session.scalar(select(func.count(User.id)).where(
        User.partner_id == user.partner_id, User.role == Role.PARTNER_OWNER,
        User.is_active_user.is_(True), User.id != user.id))
    if not others:
        raise TeamError(_("The company needs at least one active owner. Make someone else owner first."))


def active_owner_count(partner_id: int) -> int:
    return db.session.scalar(select(func.count(User.id)).where(
        User.partner_id == partner_id, User.role == Role.PARTNER_OWNER, User.is_active_user.is_(True)))
