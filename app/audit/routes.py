from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from app.audit.presenters import AREAS, action_label, readable_details
from app.audit.queries import AuditFilters, list_entries
from app.auth.access import partner_required, staff_required
from app.auth.models import Role
from app.extensions import db
from app.partners.models import Partner

bp = Blueprint("audit", __name__)


@bp.context_processor
def _log_helpers() -> dict:
    return {"areas": AREAS, "action_label": action_label, "readable_details": readable_details}


@bp.route("/staff/audit")
@staff_required
def staff_log():
    filters = AuditFilters.from_args(request.args)
    entries, next_before = list_entries(filters)
    partners = db.session.scalars(select(Partner).order_by(Partner.name)).all()
    return render_template("audit/log.html", entries=entries, next_before=next_before,
                           filters=filters, partners=partners,
                           partner_names={p.id: p.name for p in partners})


@bp.route("/activity")
@partner_required
def company_log():
    """A company's owners see its own trail: sign-ins, role changes, bank changes, approvals."""
    if current_user.role is not Role.PARTNER_OWNER:
        abort(403)
    filters = AuditFilters.from_args(request.args).for_partner(current_user.partner_id)
    entries, next_before = list_entries(filters)
    return render_template("audit/log.html", entries=entries, next_before=next_before,
                           filters=filters, partners=None, partner_names={})
