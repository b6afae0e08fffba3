from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from io import BytesIO

from app.auth.access import invoice_submitter_required, partner_required
from app.database import utcnow
from app.extensions import db
from app.invoices.forms import InvoiceForm, to_invoice_request
from app.invoices.presenters import delivery_for, partner_timeline
from app.invoices.services import (InvoiceNotFound, InvoiceRejected, get_partner_invoice,
                                   partner_invoices, submit_invoice)
from app.purchasing.services import (PurchaseOrderNotFound, get_partner_purchase_order,
                                     line_balances, partner_purchase_orders)

bp = Blueprint("invoices", __name__)
_LINE_ERROR_RE = re.compile(r"^lines\[(\d+)\]\.(\w+)$")


@bp.route("/invoices")
@partner_required
def list_invoices():
    invoices = partner_invoices(current_user.partner_id)
    return render_template("invoices/list.html", invoices=invoices,
                           deliveries={i.id: delivery_for(i) for i in invoices})


@bp.route("/invoices/<id:invoice_id>")
@partner_required
def show_invoice(invoice_id: int):
    invoice = _load_invoice(invoice_id)
    return render_template("invoices/show.html", invoice=invoice, delivery=delivery_for(invoice),
                           timeline=partner_timeline(invoice))


@bp.route("/invoices/<id:invoice_id>/files/<id:file_id>")
@partner_required
def download_file(invoice_id: int, file_id: int):
    invoice = _load_invoice(invoice_id)
    invoice_file = next((f for f in invoice.files if f.id == file_id), None)
    if invoice_file is None:
        abort(404)
    return send_file(BytesIO(invoice_file.content), mimetype=invoice_file.content_type,
                     as_attachment=True, download_name=invoice_file.filename)


@bp.route("/invoices/new", methods=["GET", "POST"])
@invoice_submitter_required
def new_invoice():
    purchase_order_id = request.args.get("purchase_order", type=int)
    if purchase_order_id is None:
        orders = [o for o in partner_purchase_orders(current_user.partner_id) if o.is_confirmed]
        return render_template("invoices/choose_po.html", orders=orders)
    try:
        order = get_partner_purchase_order(current_user.partner_id, purchase_order_id)
    except PurchaseOrderNotFound:
        abort(404)
    balances = line_balances(order)
    form = InvoiceForm()
    if request.method == "GET":
        form.invoice_date.data = utcnow().date().isoformat()
        for balance in balances:
            form.lines.append_entry({"purchase_order_line_id": balance.line.id, "quantity": ""})
    errors: dict[str, str] = {}
    if request.method == "POST" and not form.validate():
        errors = {"form": _("Your session expired or the form was sent from another page. "
                            "Check the details and submit again.")}
    elif request.method == "POST":
        invoice_request, row_of_line = to_invoice_request(form, order.id)
        try:
            invoice = submit_invoice(current_user.partner_id, invoice_request,
                                     actor=current_user._get_current_object(), today=utcnow().date())
            db.session.commit()
            flash(_("Invoice %(number)s was submitted.", number=invoice.number), "success")
            return redirect(url_for("invoices.show_invoice", invoice_id=invoice.id))
        except InvoiceRejected as rejected:
            db.session.rollback()
            errors = _form_errors(rejected.errors, row_of_line, form)
    status = 422 if errors else 200
    return render_template("invoices/new.html", order=order, form=form, errors=errors,
                           rows=list(zip(balances, form.lines.entries))), status


def _form_errors(service_errors: dict[str, str], row_of_line: list[int], form: InvoiceForm) -> dict[str, str]:
    """Service field paths → the ids of the inputs on this page."""
    errors: dict[str, str] = {}
    for path, message in service_errors.items():
        match = _LINE_ERROR_RE.match(path)
        if match:
            errors[f"lines-{row_of_line[int(match.group(1))]}-quantity"] = message
        elif path.startswith("support_files"):
            errors["support_files"] = "; ".join(filter(None, [errors.get("support_files"), message]))
        elif path == "purchase_order_id":
            errors["form"] = message
        else:
            errors[path] = message
    if form.invoice_pdf.data or form.support_files.data:
        errors.setdefault("files_cleared", _("For your security, files are not kept after an error: "
                                             "choose the invoice PDF and any supporting files again."))
    return errors


def _load_invoice(invoice_id: int):
    try:
        return get_partner_invoice(current_user.partner_id, invoice_id)
    except InvoiceNotFound:
        abort(404)
