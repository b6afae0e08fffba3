"""Who an ID token signs in. Identities are matched by (issuer, subject) only; a new identity
is linked to an existing account only (a) with a verified e-mail and the account's password,
(b) through an open invitation for that e-mail, or (c) for a staff user created without a
password, through a staff provider with that verified e-mail. A partner's own IdP reaches
only users of that partner whose address is in one of its verified domains."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.audit import services as audit
from app.auth.models import User
from app.auth.services import AccountError, create_user, normalize_email
from app.database import utcnow
from app.extensions import db
from app.federation.models import FederatedIdentity, PartnerIdentityProvider
from app.federation.oidc import ProviderConfig
from app.federation.providers import AUDIENCE_PARTNER, partner_owns_email_domain


@dataclass(frozen=True)
class Assertion:
    """What the provider vouched for in a checked ID token."""

    issuer: str
    subject: str
    email: str
    email_verified: bool

    @classmethod
    def from_claims(cls, provider: ProviderConfig, claims: dict) -> "Assertion":
        return cls(issuer=provider.issuer, subject=str(claims["sub"]),
                   email=normalize_email(str(claims.get("email") or ""))[:320],
                   email_verified=claims.get("email_verified") is True)


@dataclass(frozen=True)
class Outcome:
    """Exactly one is set: sign `user` in, ask `confirm_user` for their password, or refuse."""

    user: User | None = None
    confirm_user: User | None = None
    refusal: str | None = None


def resolve_sign_in(provider: ProviderConfig, assertion: Assertion) -> Outcome:
    """Decide; refusals are audited here, the caller commits."""
    outcome = _decide(provider, assertion)
    if outcome.refusal:
        refuse(provider, assertion, outcome.refusal)
    return outcome


def refuse(provider: ProviderConfig, assertion: Assertion | None, reason: str) -> None:
    email = assertion.email if assertion else ""
    user = _user_by_email(email) if email else None
    audit.record("auth.sign_in_failed", actor=(email or provider.key)[:200],
                 partner_id=user.partner_id if user else provider.partner_id,
                 method="oidc", provider=provider.key, reason=reason,
                 subject_claim=assertion.subject if assertion else None)


def _decide(provider: ProviderConfig, assertion: Assertion) -> Outcome:
    identity = db.session.scalar(select(FederatedIdentity).where(
        FederatedIdentity.issuer == assertion.issuer, FederatedIdentity.subject == assertion.subject))
    if identity is not None:
        return _existing_identity(provider, identity)
    if provider.audience == AUDIENCE_PARTNER and not partner_owns_email_domain(provider.partner_id, assertion.email):
        return Outcome(refusal="foreign_domain")
    if not assertion.email_verified or not assertion.email:
        return Outcome(refusal="email_unverified")
    user = _user_by_email(assertion.email)
    if user is None:
        return _new_user(provider, assertion)
    if not may_use(provider, user):
        return Outcome(refusal="wrong_audience")
    if not user.is_active:
        return Outcome(refusal="disabled")
    if user.password_hash:
        return Outcome(confirm_user=user)
    if user.is_staff and provider.audience == "staff":
        link_identity(user, provider, assertion, how="staff_precreated")
        return Outcome(user=user)
    return Outcome(refusal="cannot_link")


def _existing_identity(provider: ProviderConfig, identity: FederatedIdentity) -> Outcome:
    user = identity.user
    if not may_use(provider, user):
        return Outcome(refusal="wrong_audience")
    if not user.is_active:
        return Outcome(refusal="disabled")
    identity.last_used_at = utcnow()
    return Outcome(user=user)


def _new_user(provider: ProviderConfig, assertion: Assertion) -> Outcome:
    from app.company.invitations import InvitationError, accept_invitation, find_open_invitation

    invitation = find_open_invitation(assertion.email)
    if invitation is not None and provider.audience != "staff" and \
            provider.partner_id in (None, invitation.partner_id):
        try:
            user = accept_invitation(invitation, password=None)
        except (InvitationError, AccountError):
            return Outcome(refusal="no_account")
        link_identity(user, provider, assertion, how="invitation")
        return Outcome(user=user)
    idp = db.session.get(PartnerIdentityProvider, provider.idp_id) if provider.idp_id else None
    if idp is not None and idp.jit_role is not None:
        try:
            user = create_user(assertion.email, None, idp.jit_role, idp.partner_id, email_verified=True,
                               created_by=provider.key, federated=True)
        except AccountError:
            return Outcome(refusal="no_account")
        link_identity(user, provider, assertion, how="just_in_time")
        return Outcome(user=user)
    return Outcome(refusal="no_account")


def may_use(provider: ProviderConfig, user: User) -> bool:
    """Staff providers reach only staff; partner providers only partner users; a partner's
    own IdP only its own users with addresses in its verified domains."""
    if provider.audience == "staff":
        return user.is_staff
    if user.is_staff or user.partner_id is None:
        return False
    if provider.audience == AUDIENCE_PARTNER:
        return user.partner_id == provider.partner_id and partner_owns_email_domain(user.partner_id, user.email)
    return True


def link_identity(user: User, provider: ProviderConfig, assertion: Assertion, *, how: str) -> FederatedIdentity:
    identity = FederatedIdentity(user_id=user.id, issuer=assertion.issuer, subject=assertion.subject,
                                 provider_key=provider.key, email_at_link=assertion.email or None,
                                 last_used_at=utcnow())
    db.session.add(identity)
    db.session.flush()
    audit.record("auth.identity_linked", actor=user, partner_id=user.partner_id, subject=user,
                 provider=provider.key, issuer=assertion.issuer, how=how)
    return identity


def _user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))
