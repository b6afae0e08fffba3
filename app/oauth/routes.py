"""Owners register, list and revoke their company's OAuth clients (/oauth-clients)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import current_partner_user, owner_required
from app.credentials.services import CredentialError, effective_scopes, scopes_for_role
from app.extensions import db
from app.oauth import services
from app.oauth.forms import ActionForm, OAuthClientForm

bp = Blueprint("oauth", __name__, url_prefix="/oauth-clients")


def _client_form() -> OAuthClientForm:
    form = OAuthClientForm()
    form.scopes.choices = [(scope, scope) for scope in sorted(scopes_for_role(current_user.role))]
    return form


def _render_clients(form: OAuthClientForm, status: int = 200):
    return render_template("oauth/clients.html", clients=services.clients_of(current_user.partner_id),
                           form=form, action_form=ActionForm(), client_id_of=services.client_id_of,
                           effective_scopes=effective_scopes, is_usable=services.client_is_usable,
                           token_seconds=services.token_lifetime_seconds()), status


@bp.get("")
@owner_required
def list_clients():
    return _render_clients(_client_form())


@bp.post("")
@owner_required
def register_client():
    form = _client_form()
    if not form.validate_on_submit():
        return _render_clients(form, 400)
    try:
        client, secret = services.create_oauth_client(current_partner_user(), form.name.data.strip(),
                                                      form.scopes.data)
    except CredentialError as error:
        db.session.rollback()
        form.scopes.errors.append(str(error))
        return _render_clients(form, 400)
    db.session.commit()
    # Rendered, not redirected: the secret must never sit in the session or a URL.
    return render_template("oauth/created.html", client=client, client_id=services.client_id_of(client),
                           secret=secret, token_seconds=services.token_lifetime_seconds())


@bp.post("/<id:client_pk>/revoke")
@owner_required
def revoke_client(client_pk: int):
    client = services.client_of(current_user.partner_id, client_pk)
    if client is None:
        abort(404)
    services.revoke_oauth_client(client, actor=current_partner_user())
    db.session.commit()
    flash(_("Client %(name)s revoked; its access tokens stopped working.", name=client.name), "success")
    return redirect(url_for("oauth.list_clients"))
