from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.audit import services as audit
from app.auth.access import staff_required
from app.extensions import db
from app.integration.models import DeliveryState, OutboxEvent
from app.invoices.models import Invoice
from app.invoices.presenters import delivery_for

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.route("/invoices")
@staff_required
def invoices():
    from app.integration.breaker import OdooCircuitBreaker
    from app.integration.outbox import waiting_count

    rows = db.session.scalars(select(Invoice).order_by(Invoice.created_at.desc()).limit(500)).all()
    return render_template("staff/invoices.html", invoices=rows,
                           deliveries={i.id: delivery_for(i) for i in rows},
                           odoo=OdooCircuitBreaker().state(), waiting=waiting_count())


@bp.route("/outbox/<id:event_id>/retry", methods=["POST"])
@staff_required
def retry_event(event_id: int):
    from app.integration import outbox

    outbox_event = db.session.get(OutboxEvent, event_id)
    if outbox_event is None:
        abort(404)
    if outbox_event.state is not DeliveryState.FAILED:
        flash(_("Only failed deliveries can be retried."), "warning")
        return redirect(url_for("staff.invoices"))
    outbox.requeue(outbox_event)
    audit.record("outbox.retried", actor=current_user._get_current_object(),
                 partner_id=outbox_event.partner_id, subject=outbox_event)
    db.session.commit()
    flash(_("Sent again."), "success")
    return redirect(url_for("staff.invoices"))
