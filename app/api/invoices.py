from __future__ import annotations

import base64
import binascii
from typing import Any

from flask import jsonify, request, url_for

from app.api import bp
from app.api.auth import current_api_key, require_scope
from app.api.errors import problem
from app.api.idempotency import idempotent
from app.api.listing import INVOICE_STATUSES, invoice_page
from app.api.pagination import list_request, page_body
from app.api.schemas import invoice_detail, invoice_timeline
from app.credentials.policy import allowed_invoice_filter, allows_purchase_order, allows_purchase_order_id
from app.database import utcnow
from app.extensions import db
from app.invoices.cancellation import InvoiceNotCancellable, cancel_unsent_invoice
from app.invoices.models import Invoice
from app.invoices.presenters import delivery_for, partner_timeline
from app.invoices.services import (InvoiceNotFound, InvoiceRejected, InvoiceRequest, LineRequest,
                                   get_partner_invoice, submit_invoice)
from app.uploads import Upload


def _parse_body(body: Any) -> InvoiceRequest:
    """JSON → the service's request; structural problems become field errors."""
    if not isinstance(body, dict):
        raise InvoiceRejected({"body": "Send a JSON object."})
    errors: dict[str, str] = _scalar_problems(body)
    raw_lines = body.get("lines")
    if not isinstance(raw_lines, list):
        errors["lines"] = "Send lines as a list of {purchase_order_line_id, quantity}."
        raw_lines = []
    lines = []
    for index, raw in enumerate(raw_lines):
        if not isinstance(raw, dict):
            errors[f"lines[{index}]"] = "Each line must be an object."
            continue
        quantity = raw.get("quantity")
        if isinstance(quantity, float):
            quantity = repr(quantity)
        lines.append(LineRequest(raw.get("purchase_order_line_id"), quantity))
    uploads = _attachments(body.get("attachments"), errors)
    if errors:
        raise InvoiceRejected(errors)
    return InvoiceRequest(purchase_order_id=body.get("purchase_order_id"),
                          invoice_number=body.get("invoice_number"),
                          invoice_date=body.get("invoice_date"), lines=lines,
                          invoice_pdf=uploads[0] if uploads else None, support_files=uploads[1:])


def _scalar_problems(body: dict) -> dict[str, str]:
    """Missing or mistyped top-level fields, reported together with the other structural
    problems so that a client fixes everything in one round."""
    errors = {}
    order_id = body.get("purchase_order_id")
    if not isinstance(order_id, int) or isinstance(order_id, bool):
        errors["purchase_order_id"] = "Send the purchase order's id as a whole number (see GET /purchase-orders)."
    if not isinstance(body.get("invoice_number"), str) or not body["invoice_number"].strip():
        errors["invoice_number"] = "Send your invoice number as text."
    if not isinstance(body.get("invoice_date"), str):
        errors["invoice_date"] = "Send the invoice date as text, YYYY-MM-DD."
    return errors


def _attachments(raw: Any, errors: dict[str, str]) -> list[Upload]:
    """attachments[0] is the invoice PDF; any others are supporting files."""
    if not isinstance(raw, list) or not raw:
        errors["attachments"] = "Attach the invoice PDF as attachments[0] {filename, content_base64}."
        return []
    uploads = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("content_base64"), str):
            errors[f"attachments[{index}]"] = "Each attachment needs filename and content_base64."
            continue
        try:
            content = base64.b64decode(item["content_base64"], validate=True)
        except (binascii.Error, ValueError):
            errors[f"attachments[{index}].content_base64"] = "This is not valid base64."
            continue
        uploads.append(Upload(filename=str(item.get("filename") or ""), content=content))
    return uploads


def _json_body() -> Any:
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


_FIELD_NAMES = {"invoice_pdf": "attachments[0]"}


def _api_field(path: str) -> str:
    if path.startswith("support_files["):
        index = int(path[len("support_files["):].split("]")[0])
        return f"attachments[{index + 1}]"
    return _FIELD_NAMES.get(path, path)


def _is_json_request() -> bool:
    return request.mimetype == "application/json" or request.mimetype.endswith("+json")


def _invoice_body(invoice: Invoice, *, with_timeline: bool = False) -> dict[str, Any]:
    body = invoice_detail(invoice, delivery_for(invoice))
    if with_timeline:
        body["timeline"] = invoice_timeline(partner_timeline(invoice))
    return body


@bp.post("/invoices")
@require_scope("invoices:write")
@idempotent
def create_invoice():
    if not _is_json_request():
        return problem(415, "Unsupported Media Type", "Send the invoice as JSON with "
                       "'Content-Type: application/json'.")
    key = current_api_key()
    try:
        invoice_request = _parse_body(_json_body())
        if not allows_purchase_order_id(key, invoice_request.purchase_order_id):
            raise InvoiceRejected({"purchase_order_id": "This API key is limited to some purchase "
                                   "orders or projects, and this order is not one of them."})
        invoice = submit_invoice(key.partner_id, invoice_request, actor=key, today=utcnow().date())
    except InvoiceRejected as rejected:
        db.session.rollback()
        return problem(422, "Unprocessable Content", "The invoice was not accepted; see errors.",
                       errors={_api_field(k): v for k, v in rejected.errors.items()},
                       kind="validation")
    db.session.commit()
    response = jsonify(_invoice_body(invoice, with_timeline=True))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_invoice", invoice_id=invoice.id)
    return response


@bp.get("/invoices")
@require_scope("invoices:read")
def list_invoices():
    query, key = list_request("invoices", INVOICE_STATUSES), current_api_key()
    rows = invoice_page(key.partner_id, after_id=query.page.after_id, limit=query.page.limit,
                        status=query.status, updated_since=query.updated_since, only=allowed_invoice_filter(key))
    return jsonify(page_body("invoices", [_invoice_body(i) for i in rows[:query.page.limit]],
                             rows, query.page.limit))


def _load_invoice(invoice_id: int) -> Invoice | None:
    try:
        invoice = get_partner_invoice(current_api_key().partner_id, invoice_id)
    except InvoiceNotFound:
        return None
    return invoice if allows_purchase_order(current_api_key(), invoice.purchase_order) else None


@bp.get("/invoices/<id:invoice_id>")
@require_scope("invoices:read")
def get_invoice(invoice_id: int):
    invoice = _load_invoice(invoice_id)
    if invoice is None:
        return problem(404, "Not Found", "No invoice with this id.")
    return jsonify(_invoice_body(invoice, with_timeline=True))


@bp.post("/invoices/<id:invoice_id>/cancel")
@require_scope("invoices:write")
@idempotent
def cancel_invoice(invoice_id: int):
    invoice = _load_invoice(invoice_id)
    if invoice is None:
        return problem(404, "Not Found", "No invoice with this id.")
    try:
        cancel_unsent_invoice(invoice, actor=current_api_key())
    except InvoiceNotCancellable:
        db.session.rollback()
        return problem(409, "Conflict", "This invoice can no longer be cancelled here: it is "
                       "already on its way to (or in) the buyer's accounting system. Contact "
                       "their accounts payable team.", kind="invoice-not-cancellable")
    db.session.commit()
    return jsonify(_invoice_body(invoice, with_timeline=True))
