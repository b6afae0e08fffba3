"""Self-registration, the staff review of applications and four-eyes bank changes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.audit import services as audit
from app.auth.models import Role, User
from app.auth.services import active_owners, create_user
from app.database import utcnow
from app.extensions import db
from app.integration import outbox
from app.mail.services import absolute_url, send_email
from app.onboarding.models import DocumentKind, OnboardingDocument, ReviewEvent, ReviewEventKind
from app.onboarding.validation import BankDetails, FieldInvalid
from app.partners.models import BankAccountStatus, Partner, PartnerBankAccount, PartnerStatus
from app.uploads import SUPPORT_FILE_TYPES, Upload, UploadRejected, check_support_file

TERMS_VERSION = "2026-12"
TRADES = ("concrete", "electrical", "plumbing", "hvac", "carpentry", "roofing", "steel",
          "masonry", "painting", "earthworks", "landscaping", "materials_supply")
EDITABLE = (PartnerStatus.DRAFT, PartnerStatus.CHANGES_REQUESTED)
DOCUMENT_TYPES = {mime: SUPPORT_FILE_TYPES[mime] for mime in ("application/pdf", "image/jpeg", "image/png")}
RECENT_SIGN_IN = timedelta(minutes=10)


class OnboardingError(ValueError):
    """A request that does not fit the application's state; the message is for the user."""


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    complete: bool


def register_company(company_name: str, email: str, password: str) -> User:
    """A DRAFT partner and its owner; raises AccountError for a bad e-mail or password."""
    name = (company_name or "").strip()
    if not name or len(name) > 200:
        raise FieldInvalid("company_name", _("Enter your company's legal name (up to 200 characters)."))
    partner = Partner(name=name, status=PartnerStatus.DRAFT, odoo_partner_id=None)
    db.session.add(partner)
    db.session.flush()
    owner = create_user(email, password, Role.PARTNER_OWNER, partner.id, created_by="self-registration")
    audit.record("onboarding.registered", actor=owner, partner_id=partner.id, subject=partner)
    return owner


def steps(partner: Partner) -> list[Step]:
    kinds = {d.kind for d in documents_of(partner.id)}
    return [
        Step("company", _("Company"), bool(partner.tax_id and partner.city and partner.contacts)),
        Step("bank", _("Bank account"), application_bank_account(partner) is not None),
        Step("documents", _("Documents"), {DocumentKind.TAX_FORM, DocumentKind.INSURANCE} <= kinds),
        Step("review", _("Review and submit"), partner.submitted_at is not None
             and partner.status not in EDITABLE),
    ]


def completeness(partner: Partner) -> int:
    """Every step counts, submitting too: "100%" means nothing is left to do."""
    done = steps(partner)
    return round(100 * sum(s.complete for s in done) / len(done))


def next_step(partner: Partner) -> str:
    return next((s.key for s in steps(partner)[:3] if not s.complete), "review")


def require_editable(partner: Partner) -> None:
    if partner.status not in EDITABLE:
        raise OnboardingError(_("This application was submitted and can no longer be changed."))


def save_company(partner: Partner, data: dict[str, Any], actor: User) -> None:
    require_editable(partner)
    for key in ("name", "country_code", "tax_id", "street", "street2", "city", "state_region",
                "zip_code", "trades", "contacts"):
        setattr(partner, key, data[key])
    payable = data["contacts"][0]
    partner.contact_email, partner.contact_phone = payable["email"], payable.get("phone") or None
    audit.record("onboarding.company_saved", actor=actor, partner_id=partner.id, subject=partner)


def application_bank_account(partner: Partner) -> PartnerBankAccount | None:
    return next((a for a in partner.bank_accounts
                 if a.status in (BankAccountStatus.DRAFT, BankAccountStatus.ACTIVE)), None)


def pending_bank_change(partner: Partner) -> PartnerBankAccount | None:
    return next((a for a in partner.bank_accounts if a.status is BankAccountStatus.PENDING), None)


def _new_account(partner: Partner, details: BankDetails, status: BankAccountStatus,
                 actor: User) -> PartnerBankAccount:
    account = PartnerBankAccount(partner=partner, status=status, account_holder=details.account_holder,
                                 bank_name=details.bank_name, country_code=details.country_code,
                                 account_number=details.account_number,
                                 routing_number=details.routing_number, last4=details.last4,
                                 requested_by_user_id=actor.id)
    db.session.add(account)
    db.session.flush()
    return account


def save_bank_draft(partner: Partner, details: BankDetails, actor: User) -> PartnerBankAccount:
    require_editable(partner)
    for old in [a for a in partner.bank_accounts if a.status is BankAccountStatus.DRAFT]:
        db.session.delete(old)
        partner.bank_accounts.remove(old)
    account = _new_account(partner, details, BankAccountStatus.DRAFT, actor)
    audit.record("onboarding.bank_saved", actor=actor, partner_id=partner.id, subject=account,
                 last4=account.last4)
    return account


def documents_of(partner_id: int) -> list[OnboardingDocument]:
    return list(db.session.scalars(select(OnboardingDocument)
                                   .where(OnboardingDocument.partner_id == partner_id)
                                   .order_by(OnboardingDocument.id)))


def add_document(partner: Partner, kind: DocumentKind, upload: Upload, expires_on: date | None,
                 actor: User, *, today: date | None = None) -> OnboardingDocument:
    """Replaces an earlier document of the same kind. Raises FieldInvalid."""
    require_editable(partner)
    today = today or date.today()
    if kind is DocumentKind.INSURANCE:
        if expires_on is None:
            raise FieldInvalid("expires_on", _("Enter the date the insurance certificate expires."))
        if expires_on <= today:
            raise FieldInvalid("expires_on", _("This insurance certificate has expired. Upload a "
                                               "current one (its expiry date must be in the future)."))
    try:
        checked = check_support_file(upload, current_app.config["MAX_UPLOAD_BYTES"], DOCUMENT_TYPES,
                                     _("Documents can be PDF, JPEG or PNG files."))
    except UploadRejected as rejected:
        raise FieldInvalid("file", str(rejected)) from None
    for old in documents_of(partner.id):
        if old.kind is kind:
            db.session.delete(old)
    document = OnboardingDocument(partner_id=partner.id, kind=kind, filename=checked.filename,
                                  content_type=checked.content_type, size=checked.size,
                                  sha256=checked.sha256, content=checked.content,
                                  expires_on=expires_on if kind is DocumentKind.INSURANCE else None,
                                  uploaded_by_user_id=actor.id)
    db.session.add(document)
    db.session.flush()
    audit.record("onboarding.document_added", actor=actor, partner_id=partner.id, subject=document,
                 kind=kind.value)
    return document


def submit(partner: Partner, actor: User, *, terms_accepted: bool) -> None:
    require_editable(partner)
    if not all(s.complete for s in steps(partner)[:3]):
        raise OnboardingError(_("Complete every step before you submit the application."))
    if not terms_accepted:
        raise FieldInvalid("accept_terms", _("Accept the partner terms to submit the application."))
    resubmission = partner.status is PartnerStatus.CHANGES_REQUESTED
    partner.terms_accepted_at, partner.terms_version = utcnow(), TERMS_VERSION
    partner.status, partner.submitted_at = PartnerStatus.SUBMITTED, utcnow()
    _event(partner, ReviewEventKind.SUBMITTED, actor,
           _("Resubmitted with changes.") if resubmission else None)
    audit.record("onboarding.submitted", actor=actor, partner_id=partner.id, subject=partner,
                 terms_version=TERMS_VERSION)


def history(partner_id: int) -> list[ReviewEvent]:
    return list(db.session.scalars(select(ReviewEvent).where(ReviewEvent.partner_id == partner_id)
                                   .order_by(ReviewEvent.created_at, ReviewEvent.id)))


def latest_request(partner: Partner) -> ReviewEvent | None:
    return next((e for e in reversed(history(partner.id))
                 if e.kind in (ReviewEventKind.CHANGES_REQUESTED, ReviewEventKind.REJECTED)), None)


def _event(partner: Partner, kind: ReviewEventKind, actor: User, message: str | None = None) -> None:
    db.session.add(ReviewEvent(partner_id=partner.id, kind=kind, message=message,
                               actor_user_id=actor.id))


def _mail_owners(partner: Partner, template: str, **context: Any) -> None:
    for owner in active_owners(partner.id):
        send_email(owner.email, template, partner_id=partner.id, company=partner.name, **context)


# Staff review -------------------------------------------------------------------------------

def submitted_applications(status: PartnerStatus | None) -> list[Partner]:
    statuses = [status] if status else [PartnerStatus.SUBMITTED]
    return list(db.session.scalars(select(Partner).where(Partner.status.in_(statuses),
                                                         Partner.is_sandbox.is_(False))
                                   .order_by(Partner.submitted_at.asc().nulls_last(), Partner.id)))


def _locked_partner(partner_id: int) -> Partner:
    """The row locked for this transaction, so two staff deciding at once act one at a time."""
    partner = db.session.scalar(select(Partner).where(Partner.id == partner_id)
                                .with_for_update().execution_options(populate_existing=True))
    if partner is None:
        raise OnboardingError(_("This application no longer exists."))
    if partner.status is not PartnerStatus.SUBMITTED:
        raise OnboardingError(_("This application was already decided (%(status)s).",
                                status=partner.status.value.replace("_", " ")))
    return partner


def approve(partner_id: int, staff: User) -> Partner:
    partner = _locked_partner(partner_id)
    partner.status, partner.decided_at = PartnerStatus.APPROVED, utcnow()
    account = application_bank_account(partner)
    if account is not None and account.status is BankAccountStatus.DRAFT:
        account.status, account.activated_at = BankAccountStatus.ACTIVE, utcnow()
    _event(partner, ReviewEventKind.APPROVED, staff)
    audit.record("onboarding.approved", actor=staff, partner_id=partner.id, subject=partner)
    outbox.publish("partner.approved", partner, partner_id=partner.id)
    _mail_owners(partner, "onboarding_approved", link=absolute_url("main.home"))
    return partner


def reject(partner_id: int, staff: User, reason: str) -> Partner:
    reason = _required_message(reason, _("Give the reason for rejecting the application."))
    partner = _locked_partner(partner_id)
    partner.status, partner.decided_at = PartnerStatus.REJECTED, utcnow()
    _event(partner, ReviewEventKind.REJECTED, staff, reason)
    audit.record("onboarding.rejected", actor=staff, partner_id=partner.id, subject=partner)
    _mail_owners(partner, "onboarding_rejected", reason=reason)
    return partner


def request_changes(partner_id: int, staff: User, message: str) -> Partner:
    message = _required_message(message, _("Tell the applicant what to change."))
    partner = _locked_partner(partner_id)
    partner.status = PartnerStatus.CHANGES_REQUESTED
    _event(partner, ReviewEventKind.CHANGES_REQUESTED, staff, message)
    audit.record("onboarding.changes_requested", actor=staff, partner_id=partner.id, subject=partner)
    _mail_owners(partner, "onboarding_changes_requested", message=message,
                 link=absolute_url("onboarding.resume"))
    return partner


def _required_message(text: str | None, missing: str) -> str:
    text = (text or "").strip()
    if not text:
        raise FieldInvalid("message", missing)
    if len(text) > 4000:
        raise FieldInvalid("message", _("Keep the message under 4000 characters."))
    return text


# Four-eyes bank change ----------------------------------------------------------------------

def request_bank_change(partner: Partner, owner: User, details: BankDetails) -> PartnerBankAccount:
    if not partner.is_approved:
        raise OnboardingError(_("Bank details can be changed once the company is approved."))
    if pending_bank_change(partner) is not None:
        raise OnboardingError(_("A bank details change is already waiting for approval."))
    account = _new_account(partner, details, BankAccountStatus.PENDING, owner)
    _event(partner, ReviewEventKind.BANK_CHANGE_REQUESTED, owner)
    audit.record("bank_change.requested", actor=owner, partner_id=partner.id, subject=account,
                 last4=account.last4)
    _mail_owners(partner, "bank_change_requested", requester=owner.email,
                 link=absolute_url("onboarding.profile"))
    return account


def _locked_pending_account(account_id: int) -> PartnerBankAccount:
    account = db.session.scalar(select(PartnerBankAccount).where(PartnerBankAccount.id == account_id)
                                .with_for_update().execution_options(populate_existing=True))
    if account is None or account.status is not BankAccountStatus.PENDING:
        raise OnboardingError(_("This bank details change is no longer waiting for approval."))
    return account


def approve_bank_change(account_id: int, staff: User) -> PartnerBankAccount:
    """First approval records the approver; a second, different one activates the account."""
    account = _locked_pending_account(account_id)
    if account.requested_by_user_id == staff.id:
        raise OnboardingError(_("You requested this change, so you cannot approve it."))
    if account.first_approver_id == staff.id:
        raise OnboardingError(_("You already approved this change. A second, different staff "
                                "member must approve it."))
    partner = account.partner
    if account.first_approver_id is None:
        account.first_approver_id = staff.id
        _event(partner, ReviewEventKind.BANK_CHANGE_APPROVED, staff, _("First approval."))
        audit.record("bank_change.first_approval", actor=staff, partner_id=partner.id, subject=account)
        return account
    account.second_approver_id = staff.id
    for old in partner.bank_accounts:
        if old.status is BankAccountStatus.ACTIVE:
            old.status = BankAccountStatus.SUPERSEDED
    account.status, account.activated_at = BankAccountStatus.ACTIVE, utcnow()
    _event(partner, ReviewEventKind.BANK_CHANGE_ACTIVATED, staff, _("Second approval: now active."))
    audit.record("bank_change.activated", actor=staff, partner_id=partner.id, subject=account,
                 last4=account.last4)
    outbox.publish("partner.bank_changed", account, partner_id=partner.id)
    _mail_owners(partner, "bank_change_activated", last4=account.last4,
                 link=absolute_url("onboarding.profile"))
    return account


def reject_bank_change(account_id: int, staff: User, note: str) -> PartnerBankAccount:
    note = _required_message(note, _("Give the reason for rejecting the change."))
    account = _locked_pending_account(account_id)
    account.status, account.decision_note = BankAccountStatus.REJECTED, note
    _event(account.partner, ReviewEventKind.BANK_CHANGE_REJECTED, staff, note)
    audit.record("bank_change.rejected", actor=staff, partner_id=account.partner_id, subject=account)
    _mail_owners(account.partner, "bank_change_rejected", note=note,
                 link=absolute_url("onboarding.profile"))
    return account


def pending_bank_changes() -> list[PartnerBankAccount]:
    return list(db.session.scalars(select(PartnerBankAccount)
                                   .where(PartnerBankAccount.status == BankAccountStatus.PENDING)
                                   .order_by(PartnerBankAccount.created_at)))


def recently_signed_in(user: User, now: datetime | None = None) -> bool:
    return user.last_login_at is not None and (now or utcnow()) - user.last_login_at < RECENT_SIGN_IN
