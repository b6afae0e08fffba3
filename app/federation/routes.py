"""Federated sign-in routes (/auth/oidc/<name>/login and /callback, where <name> is a
configured provider or `partner-<id>` for a partner's own IdP), the "confirm it's you"
linking step, and the owner's sign-in settings (own IdP, verified domains)."""
from __future__ import annotations

import time

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth import two_factor
from app.auth.access import current_partner_user, owner_required
from app.auth.models import Role, User
from app.auth.passwords import verify_password
from app.auth.sessions import safe_next, start_session
from app.extensions import db, limiter
from app.federation import domains, idps
from app.federation.domains import DomainError
from app.federation.forms import ActionForm, ConfirmLinkForm, DomainEmailForm, DomainForm, IdentityProviderForm
from app.federation.idps import IdpError
from app.federation.oidc import FlowError, ProviderConfig, finish_flow, forget_flows, redirect_to_provider
from app.federation.providers import configured_provider, partner_idp_by_key, partner_provider
from app.federation.services import Assertion, link_identity, may_use, refuse, resolve_sign_in
from app.mail.services import absolute_url

bp = Blueprint("federation", __name__)

FLOW_KEY = "oidc_flow"
LINK_KEY = "oidc_link"
PURPOSE_SIGN_IN = "sign_in"
PURPOSE_TEST = "test"


def _messages(provider: str) -> dict[str, str]:
    return {
        "state": _("This sign-in was started in another browser or tab, or it took too long. "
                   "Please start again."),
        "unavailable": _("%(provider)s could not be reached just now. Try again in a few minutes, "
                         "or sign in with your password.", provider=provider),
        "denied": _("The sign-in was cancelled at %(provider)s, so you are not signed in.", provider=provider),
        "bad_token": _("%(provider)s sent an answer that failed our security checks, so you are not "
                       "signed in. Try again; if it keeps happening, tell your administrator.", provider=provider),
        "provider_error": _("%(provider)s could not complete the sign-in. Try again; if it keeps "
                            "happening, tell your administrator.", provider=provider),
        "email_unverified": _("%(provider)s did not confirm your e-mail address, so it cannot be matched "
                              "to a portal account. Sign in with your password instead.", provider=provider),
        "foreign_domain": _("%(provider)s may only sign in people whose addresses are at its company's "
                            "verified domains.", provider=provider),
        "wrong_audience": _("This account cannot sign in through %(provider)s. Use the sign-in your "
                            "company set up for you.", provider=provider),
        "disabled": _("This account is switched off. Ask your company's owner to turn it back on."),
        "no_account": _("There is no portal account for this address yet. Ask your company's owner "
                        "to invite you."),
        "cannot_link": _("An account with this address exists but cannot be linked to %(provider)s. "
                         "Sign in the way you usually do, or ask your company's owner.", provider=provider),
        "not_enabled": _("This company's own sign-in is not switched on."),
        "link_expired": _("The sign-in took too long to confirm. Please start again."),
    }


def _provider(name: str) -> ProviderConfig | None:
    provider = configured_provider(name)
    if provider is not None:
        return provider
    idp = partner_idp_by_key(name)
    return partner_provider(idp) if idp is not None else None


def _partner_idp_usable(provider: ProviderConfig) -> bool:
    if provider.idp_id is None:
        return True
    idp = partner_idp_by_key(provider.key)
    return idp is not None and idp.enabled and idp.partner.is_approved


def _problem(provider: ProviderConfig, reason: str, *, detail: str = "", purpose: str = PURPOSE_SIGN_IN,
             audited: bool = False):
    """The clear page every failed flow ends on; each failure is audited and logged."""
    db.session.rollback()
    if not audited:
        refuse(provider, None, reason)
    db.session.commit()
    current_app.logger.warning("oidc sign-in refused", extra={"provider": provider.key, "reason": reason,
                                                              "detail": detail[:300]})
    forget_flows()
    retry = url_for(".settings") if purpose == PURPOSE_TEST else url_for("auth.login")
    status = 503 if reason == "unavailable" else 403 if reason in ("wrong_audience", "disabled") else 400
    return render_template("federation/problem.html", message=_messages(provider.label)[reason],
                           retry_url=retry, provider=provider,
                           show_password_option=purpose != PURPOSE_TEST and reason != "state"), status


def _start(provider: ProviderConfig, flow: dict, login_hint: str | None = None):
    session[FLOW_KEY] = {"key": provider.key, **flow}
    try:
        return redirect_to_provider(provider, absolute_url("federation.callback", name=provider.key),
                                    login_hint=login_hint)
    except FlowError as error:
        return _problem(provider, error.reason, detail=error.detail, purpose=flow["purpose"])


@bp.route("/auth/oidc/<name>/login")
def login(name: str):
    provider = _provider(name)
    if provider is None:
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    if not _partner_idp_usable(provider):
        return _problem(provider, "not_enabled")
    hint = (request.args.get("login_hint") or "")[:320] or None
    return _start(provider, {"purpose": PURPOSE_SIGN_IN, "next": safe_next(request.args.get("next"))}, hint)


@bp.route("/auth/oidc/<name>/callback")
def callback(name: str):
    provider = _provider(name)
    if provider is None:
        abort(404)
    flow = session.pop(FLOW_KEY, None)
    if not isinstance(flow, dict) or flow.get("key") != name:
        return _problem(provider, "state")
    try:
        claims = finish_flow(provider)
    except FlowError as error:
        return _problem(provider, error.reason, detail=error.detail, purpose=flow.get("purpose"))
    assertion = Assertion.from_claims(provider, claims)
    if flow.get("purpose") == PURPOSE_TEST:
        return _finish_test_sign_in(provider, assertion)
    if not _partner_idp_usable(provider):
        return _problem(provider, "not_enabled")
    outcome = resolve_sign_in(provider, assertion)
    if outcome.refusal:
        db.session.commit()
        return _problem(provider, outcome.refusal, audited=True)
    if outcome.confirm_user is not None:
        session[LINK_KEY] = {"key": provider.key, "issuer": assertion.issuer, "subject": assertion.subject,
                             "email": assertion.email, "user": outcome.confirm_user.id,
                             "next": flow.get("next"), "since": int(time.time())}
        return redirect(url_for(".confirm_link"))
    return start_session(outcome.user, remember=False, next_url=flow.get("next"), method="oidc")


def _finish_test_sign_in(provider: ProviderConfig, assertion: Assertion):
    idp = partner_idp_by_key(provider.key)
    if idp is None or not current_user.is_authenticated or current_user.partner_id != idp.partner_id \
            or current_user.role is not Role.PARTNER_OWNER:
        abort(404)
    idps.record_test_sign_in(current_partner_user(), idp, assertion.email)
    db.session.commit()
    flash(_("The test sign-in worked: %(provider)s says you are %(email)s. You can switch it on now.",
            provider=idp.issuer, email=assertion.email or assertion.subject), "success")
    return redirect(url_for(".settings"))


def _pending_link() -> tuple[dict, User, ProviderConfig] | None:
    pending = session.get(LINK_KEY)
    if not isinstance(pending, dict):
        return None
    user = db.session.get(User, pending.get("user")) if isinstance(pending.get("user"), int) else None
    provider = _provider(str(pending.get("key")))
    fresh = time.time() - pending.get("since", 0) < current_app.config["OIDC_FLOW_SECONDS"]
    if user is None or provider is None or not fresh or not user.is_active or not may_use(provider, user):
        session.pop(LINK_KEY, None)
        return None
    return pending, user, provider


@bp.route("/auth/oidc/confirm", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_FAILURES_PER_IP"], methods=["POST"],
               deduct_when=lambda response: response.status_code == 401, scope="oidc-confirm-ip")
def confirm_link():
    """Linking a new identity to an account that has a password needs that password (and the
    second factor when the account has one): the IdP's word on the e-mail is not enough."""
    found = _pending_link()
    if found is None:
        return render_template("federation/problem.html", message=_messages("")["link_expired"],
                               retry_url=url_for("auth.login"), provider=None), 400
    pending, user, provider = found
    form = ConfirmLinkForm()
    failed = False
    if form.validate_on_submit():
        if verify_password(user.password_hash, form.password.data) and \
                (not user.two_factor_enabled or two_factor.verify_second_factor(user, form.code.data or "")):
            session.pop(LINK_KEY, None)
            assertion = Assertion(pending["issuer"], pending["subject"], pending["email"], True)
            link_identity(user, provider, assertion, how="password_confirmed")
            return start_session(user, remember=False, next_url=pending.get("next"), method="oidc")
        refuse(provider, Assertion(pending["issuer"], pending["subject"], pending["email"], True),
               "link_confirmation_failed")
        db.session.commit()
        failed = True
    return render_template("federation/confirm.html", form=form, failed=failed, email=user.email,
                           provider=provider, needs_code=user.two_factor_enabled), (401 if failed else 200)


def _render_settings(idp_form: IdentityProviderForm | None = None, domain_form: DomainForm | None = None,
                     email_form: DomainEmailForm | None = None, email_form_for: int | None = None,
                     errors: dict | None = None, status: int = 200):
    partner = current_partner_user().partner
    idp = idps.idp_of(partner.id)
    if idp_form is None:
        idp_form = IdentityProviderForm(formdata=None, obj=idp)
        idp_form.jit_role.data = idp.jit_role.value if idp and idp.jit_role else ""
    return render_template(
        "federation/settings.html", partner=partner, idp=idp, idp_form=idp_form,
        domain_form=domain_form or DomainForm(formdata=None), email_form=email_form,
        email_form_for=email_form_for, new_email_form=lambda: DomainEmailForm(formdata=None),
        action_form=ActionForm(), domains=domains.domains_of(partner.id), errors=errors or {},
        redirect_uri=absolute_url("federation.callback", name=idp.key) if idp else None), status


@bp.route("/company/sign-in")
@owner_required
def settings():
    return _render_settings()


@bp.route("/company/sign-in/provider", methods=["POST"])
@owner_required
def save_provider():
    form = IdentityProviderForm()
    if not form.validate_on_submit():
        return _render_settings(idp_form=form, status=400)
    try:
        idps.save_idp(current_partner_user(), issuer=form.issuer.data, client_id=form.client_id.data,
                      client_secret=form.client_secret.data or None,
                      jit_role=Role(form.jit_role.data) if form.jit_role.data else None)
    except IdpError as error:
        db.session.rollback()
        return _render_settings(idp_form=form, errors={"idp": str(error)}, status=400)
    db.session.commit()
    flash(_("Saved. Run a test sign-in to check the settings."), "success")
    return redirect(url_for(".settings"))


@bp.route("/company/sign-in/test", methods=["POST"])
@owner_required
def test_sign_in():
    idp = idps.idp_of(current_user.partner_id)
    if idp is None or not ActionForm().validate_on_submit():
        return redirect(url_for(".settings"))
    return _start(partner_provider(idp), {"purpose": PURPOSE_TEST})


@bp.route("/company/sign-in/<any(enable, disable):action>", methods=["POST"])
@owner_required
def switch_provider(action: str):
    idp = idps.idp_of(current_user.partner_id)
    if idp is None or not ActionForm().validate_on_submit():
        return redirect(url_for(".settings"))
    try:
        idps.set_enabled(current_partner_user(), idp, action == "enable")
    except IdpError as error:
        db.session.rollback()
        return _render_settings(errors={"idp": str(error)}, status=400)
    db.session.commit()
    flash(_("Your company's sign-in is on.") if action == "enable" else _("Your company's sign-in is off."),
          "success")
    return redirect(url_for(".settings"))


@bp.route("/company/sign-in/domains", methods=["POST"])
@owner_required
def add_domain():
    form = DomainForm()
    if not form.validate_on_submit():
        return _render_settings(domain_form=form, status=400)
    try:
        row = domains.add_domain(current_partner_user(), form.domain.data)
    except DomainError as error:
        db.session.rollback()
        form.domain.errors.append(str(error))
        return _render_settings(domain_form=form, status=400)
    db.session.commit()
    flash(_("%(domain)s added. Prove it is yours with a DNS record or an e-mail link.", domain=row.domain),
          "success")
    return redirect(url_for(".settings"))


def _own_domain(domain_id: int):
    row = domains.domain_of(current_user.partner_id, domain_id)
    if row is None:
        abort(404)
    return row


@bp.route("/company/sign-in/domains/<id:domain_id>/dns", methods=["POST"])
@owner_required
def check_domain_dns(domain_id: int):
    row = _own_domain(domain_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for(".settings"))
    try:
        domains.check_dns(current_partner_user(), row)
    except DomainError as error:
        db.session.rollback()
        return _render_settings(errors={f"domain-{domain_id}": str(error)}, status=400)
    db.session.commit()
    flash(_("%(domain)s is verified.", domain=row.domain), "success")
    return redirect(url_for(".settings"))


@bp.route("/company/sign-in/domains/<id:domain_id>/email", methods=["POST"])
@owner_required
def email_domain_link(domain_id: int):
    row = _own_domain(domain_id)
    form = DomainEmailForm()
    if not form.validate_on_submit():
        return _render_settings(email_form=form, email_form_for=domain_id, status=400)
    try:
        domains.send_verification_email(current_partner_user(), row, form.address.data)
    except DomainError as error:
        db.session.rollback()
        form.address.errors.append(str(error))
        return _render_settings(email_form=form, email_form_for=domain_id, status=400)
    db.session.commit()
    flash(_("We sent a confirmation link to %(address)s.", address=row.email_sent_to), "success")
    return redirect(url_for(".settings"))


@bp.route("/company/sign-in/domains/<id:domain_id>/remove", methods=["POST"])
@owner_required
def remove_domain(domain_id: int):
    row = _own_domain(domain_id)
    if ActionForm().validate_on_submit():
        domains.remove_domain(current_partner_user(), row)
        db.session.commit()
        flash(_("Domain removed."), "success")
    return redirect(url_for(".settings"))


@bp.route("/domains/verify/<token>")
def verify_domain_link(token: str):
    """Opened by whoever reads mail at the domain; the link alone proves it, no sign-in needed."""
    try:
        row = domains.verify_by_link(token)
    except DomainError as error:
        db.session.rollback()
        return render_template("federation/domain_link.html", error=str(error)), 400
    db.session.commit()
    return render_template("federation/domain_link.html", domain=row.domain, company=row.partner.name)
