"""Applicant pages (/register, /onboarding/…, /profile) and the staff review (/staff/onboarding)."""
from __future__ import annotations

from io import BytesIO
from typing import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.audit import services as audit
from app.auth.access import applicant_owner_required, staff_required
from app.auth.models import Role
from app.auth.passwords import verify_password
from app.auth.services import AccountError, active_owners
from app.auth.sessions import start_session
from app.auth.verification import send_verification_email
from app.database import utcnow
from app.extensions import db, limiter
from app.onboarding import services
from app.onboarding.forms import (ActionForm, BankChangeForm, BankForm, CompanyForm, DocumentForm,
                                  MessageForm, RegisterForm, SubmitForm, document_labels,
                                  trade_labels)
from app.onboarding.models import DocumentKind, OnboardingDocument
from app.onboarding.validation import (COUNTRIES, FieldInvalid, check_bank_details,
                                       normalize_tax_id)
from app.partners.models import Partner, PartnerBankAccount, PartnerStatus
from app.uploads import Upload

bp = Blueprint("onboarding", __name__)


def _partner() -> Partner:
    return current_user.partner


def _me():
    return current_user._get_current_object()


def _render_step(template: str, form, status: int = 200, **context) -> tuple[str, int]:
    partner = _partner()
    return render_template(f"onboarding/{template}", form=form, partner=partner,
                           steps=services.steps(partner), completeness=services.completeness(partner),
                           editable=partner.status in services.EDITABLE,
                           request_message=services.latest_request(partner), **context), status


def _guard_editable() -> Response | None:
    if _partner().status not in services.EDITABLE:
        flash(_("This application was submitted and can no longer be changed."), "warning")
        return redirect(url_for("onboarding.review"))
    return None


# Registration ------------------------------------------------------------------------------

@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("onboarding.resume"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            owner = services.register_company(form.company_name.data, form.email.data, form.password.data)
        except FieldInvalid as invalid:
            db.session.rollback()
            getattr(form, invalid.field).errors.append(str(invalid))
        except AccountError as error:
            db.session.rollback()
            target = form.password if "password" in str(error).lower() else form.email
            target.errors.append(str(error))
        else:
            send_verification_email(owner)
            return start_session(owner, remember=False, next_url=url_for("onboarding.resume"),
                                 method="password")
    return render_template("onboarding/register.html", form=form), (400 if form.errors else 200)


@bp.route("/onboarding")
@login_required
def resume():
    if current_user.partner_id is None:
        abort(403)
    partner = _partner()
    if partner.is_approved:
        return redirect(url_for("onboarding.profile"))
    if current_user.role is not Role.PARTNER_OWNER:
        return render_template("onboarding/waiting.html", partner=partner,
                               owners=active_owners(partner.id))
    if partner.status not in services.EDITABLE:
        return redirect(url_for("onboarding.review"))
    return redirect(url_for(f"onboarding.{services.next_step(partner)}"))


@bp.route("/onboarding/company", methods=["GET", "POST"])
@applicant_owner_required
def company():
    partner = _partner()
    if request.method == "POST" and (blocked := _guard_editable()):
        return blocked
    form = CompanyForm(obj=None if request.method == "POST" else _company_defaults(partner))
    if form.validate_on_submit() and (saved := _save_step(
            form, lambda: services.save_company(partner, _company_data(form), _me()),
            _("Company details saved."), "onboarding.bank")):
        return saved
    return _render_step("company.html", form, 400 if form.errors else 200)


def _save_step(form, save: Callable[[], object], done: str, next_endpoint: str) -> Response | None:
    """Save one application step; a FieldInvalid lands on its field and nothing is kept."""
    try:
        save()
    except FieldInvalid as invalid:
        db.session.rollback()
        getattr(form, invalid.field).errors.append(str(invalid))
        return None
    db.session.commit()
    flash(done, "success")
    return redirect(url_for(next_endpoint))


class _Defaults:
    def __init__(self, **values) -> None:
        self.__dict__.update(values)


def _company_defaults(partner: Partner) -> _Defaults:
    contacts = partner.contacts or []
    payable = next((c for c in contacts if c.get("role") == "accounts_payable"), {})
    site = next((c for c in contacts if c.get("role") == "site"), {})
    return _Defaults(name=partner.name, country_code=partner.country_code, tax_id=partner.tax_id,
                     street=partner.street, street2=partner.street2, city=partner.city,
                     state_region=partner.state_region, zip_code=partner.zip_code,
                     trades=partner.trades or [], ap_name=payable.get("name"), ap_email=payable.get("email"),
                     ap_phone=payable.get("phone"), site_name=site.get("name"), site_email=site.get("email"))


def _company_data(form: CompanyForm) -> dict:
    country = form.country_code.data
    contacts = [{"role": "accounts_payable", "name": form.ap_name.data.strip(),
                 "email": form.ap_email.data.strip().lower(), "phone": (form.ap_phone.data or "").strip()}]
    if form.site_name.data:
        contacts.append({"role": "site", "name": form.site_name.data.strip(),
                         "email": (form.site_email.data or "").strip().lower()})
    return {"name": form.name.data.strip(), "country_code": country,
            "tax_id": normalize_tax_id(country, form.tax_id.data),
            "street": form.street.data.strip(), "street2": (form.street2.data or "").strip() or None,
            "city": form.city.data.strip(), "state_region": (form.state_region.data or "").strip() or None,
            "zip_code": form.zip_code.data.strip(), "trades": list(form.trades.data), "contacts": contacts}


def _bank_details(form: BankForm):
    return check_bank_details(form.country_code.data, form.account_holder.data, form.bank_name.data,
                              form.account_number.data, form.routing_number.data)


@bp.route("/onboarding/bank", methods=["GET", "POST"])
@applicant_owner_required
def bank():
    partner = _partner()
    if request.method == "POST" and (blocked := _guard_editable()):
        return blocked
    form = BankForm()
    if request.method == "GET":
        form.country_code.data = partner.country_code
    if form.validate_on_submit() and (saved := _save_step(
            form, lambda: services.save_bank_draft(partner, _bank_details(form), _me()),
            _("Bank account saved."), "onboarding.documents")):
        return saved
    _forget_numbers(form)
    return _render_step("bank.html", form, 400 if form.errors else 200,
                        account=services.application_bank_account(partner))


def _forget_numbers(form: BankForm) -> None:
    """Never echo bank numbers back into a page."""
    form.account_number.data = form.routing_number.data = ""
    form.account_number.raw_data = form.routing_number.raw_data = []


@bp.route("/onboarding/documents", methods=["GET", "POST"])
@applicant_owner_required
def documents():
    partner = _partner()
    if request.method == "POST" and (blocked := _guard_editable()):
        return blocked
    form = DocumentForm()
    if form.validate_on_submit():
        stored = request.files.get("file")
        if stored is None or not stored.filename:
            form.file.errors.append(_("Choose a file to upload."))
        elif saved := _save_step(form, lambda: services.add_document(
                partner, DocumentKind(form.kind.data), Upload(stored.filename, stored.read()),
                form.expires_on.data, _me()), _("Document uploaded."), "onboarding.documents"):
            return saved
    return _render_step("documents.html", form, 400 if form.errors else 200,
                        documents=services.documents_of(partner.id), document_names=document_labels())


@bp.route("/onboarding/documents/<id:document_id>")
@applicant_owner_required
def download_own_document(document_id: int):
    document = db.session.get(OnboardingDocument, document_id)
    if document is None or document.partner_id != current_user.partner_id:
        abort(404)
    return _send_document(document)


def _send_document(document: OnboardingDocument):
    return send_file(BytesIO(document.content), mimetype=document.content_type, as_attachment=True,
                     download_name=document.filename)


@bp.route("/onboarding/review", methods=["GET", "POST"])
@applicant_owner_required
def review():
    partner = _partner()
    if partner.is_approved:
        return redirect(url_for("onboarding.profile"))
    form = SubmitForm()
    if form.validate_on_submit():
        try:
            services.submit(partner, _me(), terms_accepted=form.accept_terms.data)
        except FieldInvalid as invalid:
            form.accept_terms.errors.append(str(invalid))
        except services.OnboardingError as error:
            flash(str(error), "warning")
            return redirect(url_for("onboarding.review"))
        else:
            db.session.commit()
            flash(_("Application submitted. We will e-mail you when it has been reviewed."), "success")
            return redirect(url_for("onboarding.review"))
    return _render_step("review.html", form, 400 if form.errors else 200,
                        documents=services.documents_of(partner.id),
                        account=services.application_bank_account(partner),
                        history=services.history(partner.id), countries=COUNTRIES,
                        trade_names=trade_labels(), terms_version=services.TERMS_VERSION,
                        document_names=document_labels())


# Profile and bank change --------------------------------------------------------------------

@bp.route("/profile")
@login_required
def profile():
    if current_user.partner_id is None:
        abort(403)
    partner = _partner()
    if not partner.is_approved:
        return redirect(url_for("onboarding.resume"))
    return render_template("onboarding/profile.html", partner=partner, countries=COUNTRIES,
                           trade_names=trade_labels(), account=partner.active_bank_account,
                           pending=services.pending_bank_change(partner),
                           history=services.history(partner.id),
                           is_owner=current_user.role is Role.PARTNER_OWNER)


@bp.route("/profile/bank-change", methods=["GET", "POST"])
@applicant_owner_required
def bank_change():
    partner = _partner()
    if not partner.is_approved:
        return redirect(url_for("onboarding.resume"))
    form = BankChangeForm()
    if request.method == "GET":
        form.country_code.data = partner.country_code
    if form.validate_on_submit():
        try:
            _confirm_identity(form)
            account = services.request_bank_change(partner, _me(), _bank_details(form))
        except FieldInvalid as invalid:
            db.session.rollback()
            getattr(form, invalid.field).errors.append(str(invalid))
        except services.OnboardingError as error:
            db.session.rollback()
            flash(str(error), "warning")
            return redirect(url_for("onboarding.profile"))
        else:
            db.session.commit()
            flash(_("Bank details change requested (account ending %(last4)s). Two staff members "
                    "must approve it; every owner has been e-mailed.", last4=account.last4), "success")
            return redirect(url_for("onboarding.profile"))
    _forget_numbers(form)
    form.password.data = ""
    return render_template("onboarding/bank_change.html", form=form, partner=partner,
                           needs_password=_me().password_hash is not None), (400 if form.errors else 200)


def _confirm_identity(form: BankChangeForm) -> None:
    user = _me()
    if user.password_hash is not None:
        if not verify_password(user.password_hash, form.password.data or ""):
            audit.record("bank_change.reauth_failed", actor=user, partner_id=user.partner_id, subject=user)
            db.session.commit()
            raise FieldInvalid("password", _("Your password is not right."))
    elif not services.recently_signed_in(user):
        raise FieldInvalid("password", _("Sign out and sign in again, then request the change "
                                         "within 10 minutes."))


# Staff review ---------------------------------------------------------------------------------

STATUS_FILTERS = (PartnerStatus.SUBMITTED, PartnerStatus.CHANGES_REQUESTED, PartnerStatus.DRAFT,
                  PartnerStatus.APPROVED, PartnerStatus.REJECTED)


@bp.route("/staff/onboarding")
@staff_required
def staff_queue():
    status = next((s for s in STATUS_FILTERS if s.value == request.args.get("status")), None)
    applications = services.submitted_applications(status)
    return render_template("onboarding/staff_queue.html", applications=applications,
                           completeness={p.id: services.completeness(p) for p in applications},
                           ages={p.id: _age(p) for p in applications},
                           status=status or PartnerStatus.SUBMITTED, statuses=STATUS_FILTERS,
                           bank_changes=services.pending_bank_changes(), action_form=ActionForm())


def _age(partner: Partner) -> str:
    if partner.submitted_at is None:
        return "—"
    waited = utcnow() - partner.submitted_at
    if waited.days >= 1:
        return ngettext("%(num)s day", "%(num)s days", waited.days)
    return ngettext("%(num)s hour", "%(num)s hours", waited.seconds // 3600)


def _load_application(partner_id: int) -> Partner:
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        abort(404)
    return partner


def _render_application(partner: Partner, form: MessageForm | None = None, status: int = 200):
    return render_template("onboarding/staff_application.html", partner=partner, countries=COUNTRIES,
                           trade_names=trade_labels(), steps=services.steps(partner),
                           completeness=services.completeness(partner),
                           account=services.application_bank_account(partner),
                           pending=services.pending_bank_change(partner),
                           documents=services.documents_of(partner.id), document_names=document_labels(),
                           history=services.history(partner.id), owners=active_owners(partner.id),
                           form=form or MessageForm(), action_form=ActionForm()), status


@bp.route("/staff/onboarding/<id:partner_id>")
@staff_required
def staff_application(partner_id: int):
    return _render_application(_load_application(partner_id))


@bp.route("/staff/onboarding/<id:partner_id>/documents/<id:document_id>")
@staff_required
def staff_download_document(partner_id: int, document_id: int):
    document = db.session.get(OnboardingDocument, document_id)
    if document is None or document.partner_id != partner_id:
        abort(404)
    return _send_document(document)


@bp.route("/staff/onboarding/<id:partner_id>/approve", methods=["POST"])
@staff_required
def staff_approve(partner_id: int):
    _load_application(partner_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _decide(partner_id, lambda: services.approve(partner_id, _me()), _("Application approved."))


@bp.route("/staff/onboarding/<id:partner_id>/reject", methods=["POST"])
@staff_required
def staff_reject(partner_id: int):
    return _decide_with_message(partner_id, services.reject, _("Application rejected."))


@bp.route("/staff/onboarding/<id:partner_id>/request-changes", methods=["POST"])
@staff_required
def staff_request_changes(partner_id: int):
    return _decide_with_message(partner_id, services.request_changes,
                                _("Changes requested. The applicant has been e-mailed."))


def _decide_with_message(partner_id: int, action, done: str):
    partner = _load_application(partner_id)
    form = MessageForm()
    if not form.validate_on_submit():
        return _render_application(partner, form, 400)
    try:
        return _decide(partner_id, lambda: action(partner_id, _me(), form.message.data), done)
    except FieldInvalid as invalid:
        db.session.rollback()
        form.message.errors.append(str(invalid))
        return _render_application(partner, form, 400)


def _decide(partner_id: int, action: Callable[[], object], done: str) -> Response:
    """Run a staff decision; one already taken (by a colleague a moment ago) is a warning."""
    try:
        action()
    except services.OnboardingError as error:
        db.session.rollback()
        flash(str(error), "warning")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for("onboarding.staff_application", partner_id=partner_id))


def _load_pending_account(account_id: int) -> PartnerBankAccount:
    account = db.session.get(PartnerBankAccount, account_id)
    if account is None:
        abort(404)
    return account


@bp.route("/staff/bank-changes/<id:account_id>/approve", methods=["POST"])
@staff_required
def staff_approve_bank_change(account_id: int):
    account = _load_pending_account(account_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _decide(account.partner_id, lambda: services.approve_bank_change(account_id, _me()),
                   _("Approval recorded."))


@bp.route("/staff/bank-changes/<id:account_id>/reject", methods=["POST"])
@staff_required
def staff_reject_bank_change(account_id: int):
    account = _load_pending_account(account_id)
    partner_id = account.partner_id
    form = MessageForm()
    try:
        if not form.validate_on_submit():
            raise FieldInvalid("message", _("Keep the message under 4000 characters."))
        services.reject_bank_change(account_id, _me(), form.message.data)
    except (FieldInvalid, services.OnboardingError) as error:
        db.session.rollback()
        flash(str(error), "warning")
    else:
        db.session.commit()
        flash(_("Bank details change rejected."), "success")
    return redirect(url_for("onboarding.staff_application", partner_id=partner_id))
