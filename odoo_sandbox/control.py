"""Sandbox-only endpoints under /sandbox/ and the read-only HTML overview at /.

These are not part of any Odoo protocol: they let tests and demos inspect the
state and play the AP clerk (post, pay, cancel a bill) without an Odoo UI.
"""
from __future__ import annotations

import html
import json
from typing import Any

from werkzeug.wrappers import Request, Response

from .errors import exception_message, qualified_name
from .faults import FaultInjector, FaultPlan
from .orm import Database, Env
from .protocols.common import json_response

PO_FIELDS = ["name", "state", "partner_id", "partner_ref", "company_id", "currency_id", "date_order",
             "amount_untaxed", "amount_tax", "amount_total", "invoice_status", "receipt_status",
             "invoice_ids", "write_date"]
PO_LINE_FIELDS = ["name", "product_id", "product_qty", "qty_received", "qty_invoiced", "price_unit",
                  "price_subtotal"]
BILL_FIELDS = ["name", "move_type", "state", "payment_state", "partner_id", "ref", "invoice_date",
               "invoice_date_due", "company_id", "currency_id", "amount_untaxed", "amount_tax",
               "amount_total", "duplicated_ref_ids", "invoice_origin", "create_date", "write_date"]
BILL_LINE_FIELDS = ["name", "product_id", "quantity", "price_unit", "price_subtotal", "price_total",
                    "tax_ids", "purchase_line_id"]
ATTACHMENT_FIELDS = ["name", "res_model", "res_id", "mimetype", "file_size", "checksum", "create_date"]
MESSAGE_FIELDS = ["model", "res_id", "body", "message_type", "subtype_id", "attachment_ids", "date"]
VENDOR_FIELDS = ["name", "is_company", "vat", "street", "street2", "city", "zip", "state_id",
                 "country_id", "email", "phone", "supplier_rank", "company_id", "bank_ids", "active"]
PARTNER_BANK_FIELDS = ["acc_number", "sanitized_acc_number", "acc_holder_name", "partner_id",
                       "bank_id", "allow_out_payment", "active"]
BILL_ACTIONS = ("post", "pay", "cancel")


def state_snapshot(db: Database, faults: FaultInjector) -> dict[str, Any]:
    """Bills, attachments, messages and POs as Odoo would read them (for tests and humans)."""
    with db.lock:
        env = db.superuser_env()
        return {
            "flavour": db.flavour,
            "db": db.config.db,
            "purchase_orders": _with_lines(env, "purchase.order", PO_FIELDS, "order_line",
                                           "purchase.order.line", PO_LINE_FIELDS),
            "bills": _with_lines(env, "account.move", BILL_FIELDS, "invoice_line_ids",
                                 "account.move.line", BILL_LINE_FIELDS),
            "attachments": _read_all(env, "ir.attachment", ATTACHMENT_FIELDS),
            "messages": _read_all(env, "mail.message", MESSAGE_FIELDS),
            "vendors": _read_all(env.with_context(active_test=False), "res.partner", VENDOR_FIELDS,
                                 [("is_company", "=", True)]),
            "partner_banks": _read_all(env.with_context(active_test=False), "res.partner.bank",
                                       PARTNER_BANK_FIELDS),
            "faults": faults.describe(),
        }


def _read_all(env: Env, model_name: str, fields: list[str],
              domain: list | None = None) -> list[dict[str, Any]]:
    model = env[model_name]
    return model.read(model.search(domain or [], order="id"), fields)


def _with_lines(env: Env, model_name: str, fields: list[str], lines_field: str,
                line_model: str, line_fields: list[str]) -> list[dict[str, Any]]:
    rows = _read_all(env, model_name, fields + [lines_field])
    for row in rows:
        row["lines"] = env[line_model].read(row.pop(lines_field), line_fields)
    return rows


def bill_action(db: Database, bill_id: int, action: str) -> Response:
    """Post, pay or cancel a bill as an AP clerk would in Odoo."""
    with db.lock:
        env = db.superuser_env()
        moves = env["account.move"]
        record = moves._record(bill_id)
        if record is None:
            return json_response({"error": "not_found", "message": f"no bill with id {bill_id}"}, 404)
        try:
            with db.transaction():
                _apply_bill_action(moves, record, action)
        except Exception as exc:  # noqa: BLE001 - Odoo's refusal is reported to the caller
            return json_response({"error": qualified_name(exc), "message": exception_message(exc)}, 409)
        return json_response(moves.read([bill_id], BILL_FIELDS)[0])


def _apply_bill_action(moves: Any, record: dict[str, Any], action: str) -> None:
    if action == "post":
        moves.action_post([record["id"]])
    elif action == "pay":
        moves._register_payment(record)
    else:
        moves.button_cancel([record["id"]])


def configure_faults(request: Request, faults: FaultInjector) -> Response:
    if request.method == "DELETE":
        faults.clear()
        return json_response(faults.describe())
    if request.method == "GET":
        return json_response(faults.describe())
    try:
        faults.configure(FaultPlan.from_json(json.loads(request.get_data() or b"{}")))
    except ValueError as exc:
        return json_response({"error": "bad_request", "message": str(exc)}, 400)
    return json_response(faults.describe())


def overview_page(db: Database, faults: FaultInjector) -> Response:
    """A read-only HTML page listing POs and bills with their lines and attachments."""
    state = state_snapshot(db, faults)
    attachments_by_bill: dict[int, list[dict[str, Any]]] = {}
    for attachment in state["attachments"]:
        if attachment["res_model"] == "account.move":
            attachments_by_bill.setdefault(attachment["res_id"], []).append(attachment)
    parts = [_page_header(db)]
    parts.append("<h2>Purchase orders</h2>")
    parts.extend(_po_section(po) for po in state["purchase_orders"])
    parts.append("<h2>Vendor bills</h2>")
    if not state["bills"]:
        parts.append("<p>No bills yet.</p>")
    parts.extend(_bill_section(bill, attachments_by_bill.get(bill["id"], [])) for bill in state["bills"])
    parts.append("</body></html>")
    return Response("\n".join(parts), content_type="text/html; charset=utf-8")


def _e(value: Any) -> str:
    if isinstance(value, list) and len(value) == 2 and isinstance(value[1], str):
        value = value[1]
    if value is False or value is None:
        return ""
    return html.escape(str(value))


def _page_header(db: Database) -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>Odoo sandbox ({_e(db.flavour)})</title>"
        "<style>body{font-family:sans-serif;margin:2rem}table{border-collapse:collapse;margin:.5rem 0 1.5rem}"
        "td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}</style></head><body>"
        f"<h1>Odoo {_e(db.flavour)} sandbox &mdash; database {_e(db.config.db)}</h1>"
        "<p>Read-only overview. JSON: <a href=\"/sandbox/state\">/sandbox/state</a></p>"
    )


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _po_section(po: dict[str, Any]) -> str:
    title = (f"<h3>{_e(po['name'])} &middot; {_e(po['partner_id'])} &middot; {_e(po['company_id'])} "
             f"&middot; {_e(po['state'])} &middot; billing: {_e(po['invoice_status'])} "
             f"&middot; total {_e(po['amount_total'])} {_e(po['currency_id'])}</h3>")
    rows = [[line["id"], line["name"], line["product_id"], line["product_qty"], line["qty_received"],
             line["qty_invoiced"], line["price_unit"], line["price_subtotal"]] for line in po["lines"]]
    return title + _table(["Line", "Description", "Product", "Ordered", "Received", "Billed",
                           "Unit price", "Subtotal"], rows)


def _bill_section(bill: dict[str, Any], attachments: list[dict[str, Any]]) -> str:
    title = (f"<h3>Bill {_e(bill['id'])} {_e(bill['name'] or '(draft)')} &middot; ref {_e(bill['ref'])} "
             f"&middot; {_e(bill['partner_id'])} &middot; {_e(bill['company_id'])} &middot; "
             f"{_e(bill['state'])} / {_e(bill['payment_state'])} &middot; total {_e(bill['amount_total'])}</h3>")
    rows = [[line["id"], line["name"], line["product_id"], line["quantity"], line["price_unit"],
             line["price_subtotal"], line["purchase_line_id"]] for line in bill["lines"]]
    lines = _table(["Line", "Label", "Product", "Quantity", "Unit price", "Subtotal", "PO line"], rows)
    files = _table(["Attachment", "Name", "Type", "Size", "SHA1"],
                   [[a["id"], a["name"], a["mimetype"], a["file_size"], a["checksum"]] for a in attachments])
    return title + lines + (files if attachments else "")
