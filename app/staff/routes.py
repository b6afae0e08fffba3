from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.auth.access import staff_required
from app.extensions import db
from app.integration.breaker import OdooCircuitBreaker
from app.integration.models import DeliveryState, OutboxEvent
from app.invoices.models import Invoice
from app.invoices.presenters import delivery_for
from app.partners.models import Partner
from app.staff import services
from app.staff.forms import CancelDeliveryForm

bp = Blueprint("staff", __name__, url_prefix="/staff")


def _load_event(event_id: int) -> OutboxEvent:
    outbox_event = db.session.get(OutboxEvent, event_id)
    if outbox_event is None:
        abort(404)
    return outbox_event


@bp.route("/invoices")
@staff_required
def invoices():
    rows = db.session.scalars(select(Invoice).order_by(Invoice.created_at.desc()).limit(500)).all()
    return render_template("staff/invoices.html", invoices=rows,
                           deliveries={i.id: delivery_for(i) for i in rows},
                           odoo=OdooCircuitBreaker().state(), stats=services.sync_stats())


@bp.route("/sync")
@staff_required
def sync_console():
    filters = services.SyncFilters.from_args(request.args)
    return render_template("staff/sync.html", events=services.list_events(filters), filters=filters,
                           stats=services.sync_stats(), odoo=OdooCircuitBreaker().state(),
                           states=list(DeliveryState), projects=services.project_names(),
                           partners=db.session.scalars(select(Partner).order_by(Partner.name)).all())


@bp.route("/outbox/<id:event_id>")
@staff_required
def show_event(event_id: int):
    outbox_event = _load_event(event_id)
    return render_template("staff/outbox.html", event=outbox_event, form=CancelDeliveryForm(),
                           invoice=services.subject_invoice(outbox_event))


@bp.route("/outbox/<id:event_id>/retry", methods=["POST"])
@staff_required
def retry_event(event_id: int):
    outbox_event = _load_event(event_id)
    if outbox_event.state is not DeliveryState.FAILED:
        flash(_("Only failed deliveries can be sent again."), "warning")
    else:
        services.retry(outbox_event, current_user._get_current_object())
        db.session.commit()
        flash(_("Sent again."), "success")
    return redirect(url_for("staff.show_event", event_id=event_id))


@bp.route("/sync/retry-failed", methods=["POST"])
@staff_required
def retry_all_failed():
    count = services.retry_all_failed(current_user._get_current_object())
    db.session.commit()
    flash(_("%(n)s failed deliveries sent again.", n=count), "success")
    return redirect(url_for("staff.sync_console"))


@bp.route("/outbox/<id:event_id>/cancel", methods=["POST"])
@staff_required
def cancel_event(event_id: int):
    outbox_event = _load_event(event_id)
    form = CancelDeliveryForm()
    if not outbox_event.state.is_open and outbox_event.state is not DeliveryState.FAILED:
        flash(_("This delivery is already finished."), "warning")
        return redirect(url_for("staff.show_event", event_id=event_id))
    if not form.validate_on_submit():
        return render_template("staff/outbox.html", event=outbox_event, form=form,
                               invoice=services.subject_invoice(outbox_event)), 422
    services.cancel(outbox_event, form.reason.data.strip(), current_user._get_current_object())
    db.session.commit()
    flash(_("Delivery cancelled; the partner sees your reason."), "success")
    return redirect(url_for("staff.show_event", event_id=event_id))
