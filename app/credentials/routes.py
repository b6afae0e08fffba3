"""API keys: owners manage their company's keys (/api-keys), staff see and revoke all
(/staff/api-keys). A new or rotated secret is shown once, in the POST's own response."""
from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import current_partner_user, owner_required, staff_required
from app.credentials import self_service
from app.credentials.forms import (SCOPE_LABELS, ActionForm, CreateKeyForm, RotateKeyForm,
                                   StaffKeyFilterForm)
from app.credentials.models import ApiKey
from app.credentials.policy import key_status
from app.credentials.services import CredentialError, key_prefix, scopes_for_role
from app.database import utcnow
from app.extensions import db
from app.partners.models import Partner
from app.oauth.services import client_id_of
from app.credentials.sandbox import test_mode_problem

bp = Blueprint("credentials", __name__)


@bp.app_template_global()
def api_key_prefix(key: ApiKey) -> str:
    if key.kind == "oauth_client":
        return client_id_of(key)
    return f"{key_prefix(key.partner)}{key.public_id}_…"


def _list_context(keys: list[ApiKey]) -> dict:
    now = utcnow()
    return {"keys": keys, "creators": self_service.creators_of(keys),
            "statuses": {k.id: key_status(k, now) for k in keys}, "scope_labels": SCOPE_LABELS,
            "action_form": ActionForm()}


@bp.route("/api-keys")
@owner_required
def list_keys():
    return render_template("credentials/list.html",
                           **_list_context(self_service.company_keys(current_user.partner_id)))


def _create_form() -> CreateKeyForm:
    partner_id = current_user.partner_id
    form = CreateKeyForm()
    allowed = scopes_for_role(current_user.role)
    form.scopes.choices = [(s, f"{s} — {label}") for s, label in SCOPE_LABELS.items() if s in allowed]
    form.purchase_orders.choices = [
        (o.id, f"{o.number}" + (f" ({o.project_name})" if o.project_name else ""))
        for o in self_service.company_purchase_orders(partner_id)]
    form.projects.choices = [(p, p) for p in self_service.company_projects(partner_id)]
    return form


@bp.route("/api-keys/new", methods=["GET", "POST"])
@owner_required
def new_key():
    form = _create_form()
    if not form.validate_on_submit():
        return render_template("credentials/new.html", form=form,
                               max_days=self_service.max_expiry_days(), test_mode_available=test_mode_problem() is None), 400 if form.is_submitted() else 200
    key_request = self_service.KeyRequest(
        name=form.name.data, scopes=form.scopes.data, expires_on=form.expires_on.data,
        networks=getattr(form, "networks", []), purchase_order_ids=form.purchase_orders.data or [],
        projects=form.projects.data or [], test_mode=bool(form.test_mode.data))
    try:
        key, secret = self_service.issue_api_key(current_partner_user(), key_request, today=utcnow().date())
    except CredentialError as error:
        db.session.rollback()
        form.name.errors = list(form.name.errors) + [str(error)]
        return render_template("credentials/new.html", form=form,
                               max_days=self_service.max_expiry_days(), test_mode_available=test_mode_problem() is None), 400
    db.session.commit()
    return _secret_page(key, secret, rotated=False)


def _secret_page(key: ApiKey, secret: str, *, rotated: bool):
    """The only time the secret is ever sent: never cached, never stored, never logged."""
    response = make_response(render_template("credentials/secret.html", key=key, secret=secret,
                                             rotated=rotated))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def _own_key(key_id: int) -> ApiKey:
    key = self_service.key_of(current_user.partner_id, key_id)
    if key is None:
        abort(404)
    return key


@bp.route("/api-keys/<id:key_id>")
@owner_required
def show_key(key_id: int):
    key = _own_key(key_id)
    creators = self_service.creators_of([key])
    orders = {o.id: o for o in self_service.company_purchase_orders(key.partner_id)}
    return render_template("credentials/show.html", key=key, status=key_status(key),
                           creator=creators.get(key.created_by_user_id), orders=orders,
                           scope_labels=SCOPE_LABELS, rotate_form=RotateKeyForm(),
                           action_form=ActionForm())


@bp.route("/api-keys/<id:key_id>/rotate", methods=["POST"])
@owner_required
def rotate_key(key_id: int):
    key = _own_key(key_id)
    form = RotateKeyForm()
    if not form.validate_on_submit():
        flash(_("Choose how long the old secret keeps working."), "danger")
        return redirect(url_for("credentials.show_key", key_id=key.id))
    try:
        secret = self_service.rotate_api_key(key, self_service.GRACE_PERIODS[form.grace.data],
                                             actor=current_partner_user())
    except CredentialError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return redirect(url_for("credentials.show_key", key_id=key.id))
    db.session.commit()
    return _secret_page(key, secret, rotated=True)


@bp.route("/api-keys/<id:key_id>/revoke", methods=["POST"])
@owner_required
def revoke_key(key_id: int):
    key = _own_key(key_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    self_service.revoke_key(key, actor=current_partner_user())
    db.session.commit()
    flash(_("The key “%(name)s” is revoked: it stopped working now.", name=key.name or key.public_id),
          "success")
    return redirect(url_for("credentials.list_keys"))


# Staff ---------------------------------------------------------------------------------------

@bp.route("/staff/api-keys")
@staff_required
def staff_keys():
    form = StaffKeyFilterForm(request.args)
    partners = list(db.session.scalars(db.select(Partner).order_by(Partner.name)))
    form.company.choices = [("", _("All companies"))] + [(str(p.id), p.name) for p in partners]
    partner_id = status = None
    if form.validate():
        partner_id = int(form.company.data) if form.company.data else None
        status = form.status.data or None
    keys = self_service.all_keys(partner_id=partner_id, status=status)
    return render_template("credentials/staff_list.html", filter_form=form,
                           partner_names={p.id: p.name for p in partners}, **_list_context(keys))


@bp.route("/staff/api-keys/<id:key_id>/revoke", methods=["POST"])
@staff_required
def staff_revoke_key(key_id: int):
    key = self_service.any_key(key_id)
    if key is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    self_service.revoke_key(key, actor=current_user._get_current_object())
    db.session.commit()
    flash(_("The key “%(name)s” of %(company)s is revoked.", name=key.name or key.public_id,
            company=key.partner.name), "success")
    return redirect(url_for("credentials.staff_keys"))
