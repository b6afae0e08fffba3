"""Purchase orders and their lines, with Odoo's billing computations.

``qty_invoiced`` sums the quantities of bill lines pointing at a PO line through
``purchase_line_id`` whose bill is not cancelled (drafts count); refunds subtract.
"""
from __future__ import annotations

from typing import Any

from .. import fields as F
from ..errors import UserError, ValidationError
from ..orm import BaseModel, public
from .mail import MailThread

PO_STATES_17 = (("draft", "RFQ"), ("sent", "RFQ Sent"), ("to approve", "To Approve"),
                ("purchase", "Purchase Order"), ("done", "Locked"), ("cancel", "Cancelled"))
PO_STATES_19 = (("draft", "RFQ"), ("sent", "RFQ Sent"), ("to approve", "To Approve"),
                ("purchase", "Purchase Order"), ("cancel", "Cancelled"))
CONFIRMED_STATES = ("purchase", "done")
INVOICE_STATUSES = (("no", "Nothing to Bill"), ("to invoice", "Waiting Bills"),
                    ("invoiced", "Fully Billed"))
RECEIPT_STATUSES = (("pending", "Not Received"), ("partial", "Partially Received"),
                    ("full", "Fully Received"))
LINE_DISPLAY_TYPES_17 = (("line_section", "Section"), ("line_note", "Note"))
LINE_DISPLAY_TYPES_19 = (("line_section", "Section"), ("line_subsection", "Subsection"),
                         ("line_note", "Note"))
GOODS_TYPES = ("consu", "product")


def line_field_names(flavour: str) -> tuple[str, str]:
    """The (taxes, unit of measure) field names of a PO line: renamed in Odoo 19."""
    return ("tax_ids", "product_uom_id") if flavour == "19" else ("taxes_id", "product_uom")


class PurchaseOrder(MailThread, BaseModel):
    _name = "purchase.order"
    _description = "Purchase Order"
    _order = "priority desc, id desc"
    _company_scoped = True
    _check_company_fields = ("partner_id",)
    _tracked_computed = ("invoice_status", "invoice_ids", "invoice_count", "receipt_status",
                         "amount_untaxed", "amount_total")

    @classmethod
    def _declare_fields(cls, flavour: str) -> dict[str, F.Field]:
        declared = {
            "name": F.char("Order Reference", required=True),
            "priority": F.selection("Priority", (("0", "Normal"), ("1", "Urgent"))),
            "origin": F.char("Source" if flavour == "19" else "Source Document"),
            "partner_ref": F.char("Vendor Reference"),
            "date_order": F.datetime("Order Deadline", required=True),
            "date_approve": F.datetime("Confirmation Date", readonly=True),
            "date_planned": F.datetime("Expected Arrival", compute="_compute_date_planned"),
            "partner_id": F.many2one("res.partner", "Vendor", required=True),
            "currency_id": F.many2one("res.currency", "Currency", required=True),
            "state": F.selection("Status", PO_STATES_19 if flavour == "19" else PO_STATES_17, readonly=True),
            "order_line": F.one2many("purchase.order.line", "order_id", "Order Lines"),
            "notes": F.html("Terms and Conditions"),
            "invoice_count": F.integer("Bill Count", compute="_compute_invoice_count",
                                       stored=False, readonly=True),
            "invoice_ids": F.many2many("account.move", "Bills", compute="_compute_invoice_ids", readonly=True),
            "invoice_status": F.selection("Billing Status", INVOICE_STATUSES,
                                          compute="_compute_invoice_status", readonly=True),
            "receipt_status": F.selection("Receipt Status", RECEIPT_STATUSES,
                                          compute="_compute_receipt_status", readonly=True),
            "amount_untaxed": F.monetary("Untaxed Amount", compute="_compute_amount_untaxed", readonly=True),
            "amount_tax": F.monetary("Taxes", compute="_compute_amount_tax", readonly=True),
            "amount_total": F.monetary("Total", compute="_compute_amount_total", readonly=True),
            "user_id": F.many2one("res.users", "Buyer"),
            "company_id": F.many2one("res.company", "Company", required=True),
        }
        if flavour == "19":
            declared["locked"] = F.boolean("Locked", readonly=True)
            declared["project_id"] = F.many2one("project.project", "Project")  # 18.0+
        return declared

    def _default_values(self) -> dict[str, Any]:
        company = self.env["res.company"]._record(self.env.company_id)
        return {
            "name": "New", "priority": "0", "state": "draft", "date_order": self.env.now(),
            "user_id": self.env.uid, "company_id": self.env.company_id,
            "currency_id": company["currency_id"] if company else False,
        }

    def _complete_values(self, values: dict[str, Any], vals: dict[str, Any]) -> None:
        if values.get("name") in ("New", "/", False):
            values["name"] = self._next_name()

    def _next_name(self) -> str:
        numbers = [int(r["name"][1:]) for r in self._all_records()
                   if str(r.get("name", "")).startswith("P") and str(r["name"])[1:].isdigit()]
        return f"P{max(numbers, default=0) + 1:05d}"

    def _display_name(self, record: dict[str, Any] | None) -> str:
        if record is None:
            return ""
        ref = record.get("partner_ref")
        return f"{record.get('name')} ({ref})" if ref else str(record.get("name") or "")

    def _lines(self, record: dict[str, Any]) -> list[dict[str, Any]]:
        lines = self.env["purchase.order.line"]
        return [lines._record(i) for i in self._value(record, "order_line")]

    def _tracked_values(self, record: dict[str, Any]) -> tuple[Any, ...]:
        """A PO's write_date also moves when its lines' billed quantities change."""
        lines = self.env["purchase.order.line"]
        line_values = tuple(lines._tracked_values(line) for line in self._lines(record))
        return super()._tracked_values(record) + (line_values,)

    def _compute_date_planned(self, record: dict[str, Any]) -> Any:
        dates = [line.get("date_planned") for line in self._lines(record) if line.get("date_planned")]
        return min(dates) if dates else False

    def _compute_invoice_ids(self, record: dict[str, Any]) -> list[int]:
        lines = self.env["purchase.order.line"]
        moves = []
        for line in self._lines(record):
            for move_id in lines._bill_move_ids(line):
                if move_id not in moves:
                    moves.append(move_id)
        return sorted(moves)

    def _compute_invoice_count(self, record: dict[str, Any]) -> int:
        return len(self._compute_invoice_ids(record))

    def _compute_invoice_status(self, record: dict[str, Any]) -> str:
        if record.get("state") not in CONFIRMED_STATES:
            return "no"
        lines = self.env["purchase.order.line"]
        billable = [line for line in self._lines(record) if not line.get("display_type")]
        to_invoice = [lines._compute_qty_to_invoice(line) for line in billable]
        if any(abs(qty) > 1e-9 for qty in to_invoice):
            return "to invoice"
        if self._compute_invoice_ids(record):
            return "invoiced"
        return "no"

    def _compute_receipt_status(self, record: dict[str, Any]) -> Any:
        if record.get("state") not in CONFIRMED_STATES:
            return False
        lines = self.env["purchase.order.line"]
        goods = [line for line in self._lines(record)
                 if lines._compute_qty_received_method(line) == "stock_moves"]
        if not goods:
            return False
        if all(line.get("qty_received", 0.0) >= line.get("product_qty", 0.0) for line in goods):
            return "full"
        if any(line.get("qty_received", 0.0) > 0 for line in goods):
            return "partial"
        return "pending"

    def _compute_amount_untaxed(self, record: dict[str, Any]) -> float:
        lines = self.env["purchase.order.line"]
        return round(sum(lines._compute_price_subtotal(line) for line in self._lines(record)), 2)

    def _compute_amount_tax(self, record: dict[str, Any]) -> float:
        lines = self.env["purchase.order.line"]
        return round(sum(lines._compute_price_tax(line) for line in self._lines(record)), 2)

    def _compute_amount_total(self, record: dict[str, Any]) -> float:
        return round(self._compute_amount_untaxed(record) + self._compute_amount_tax(record), 2)

    @public()
    def button_confirm(self, ids: Any) -> bool:
        ids = self._existing_ids(ids)
        self._check_access(ids)
        for rid in ids:
            record = self._record(rid)
            if record["state"] in ("draft", "sent"):
                record.update(state="purchase", date_approve=self.env.now())
                record["write_date"] = self.env.now()
        return True

    @public()
    def button_cancel(self, ids: Any) -> None:
        """Returns None like Odoo (so XML-RPC answers 'cannot marshal None')."""
        ids = self._existing_ids(ids)
        self._check_access(ids)
        moves = self.env["account.move"]
        for rid in ids:
            record = self._record(rid)
            if record.get("locked"):
                raise UserError("Unable to cancel purchase order(s): %s. You must first unlock them."
                                % record["name"])
            if any(moves._record(m)["state"] not in ("draft", "cancel")
                   for m in self._compute_invoice_ids(record)):
                raise UserError("Unable to cancel this purchase order. You must first cancel the "
                                "related vendor bills.")
        self.write(ids, {"state": "cancel"})

    @public()
    def button_draft(self, ids: Any) -> dict[str, Any]:
        self.write(ids, {"state": "draft"})
        return {}


class PurchaseOrderLine(BaseModel):
    _name = "purchase.order.line"
    _description = "Purchase Order Line"
    _order = "order_id, sequence, id"
    _company_scoped = True
    _tracked_computed = ("qty_invoiced", "qty_to_invoice")

    @classmethod
    def _declare_fields(cls, flavour: str) -> dict[str, F.Field]:
        taxes_field, uom_field = line_field_names(flavour)
        return {
            "order_id": F.many2one("purchase.order", "Order Reference", required=True, ondelete="cascade"),
            "sequence": F.integer("Sequence"),
            "name": F.text("Description", required=True),
            "display_type": F.selection("Display Type", LINE_DISPLAY_TYPES_19 if flavour == "19"
                                        else LINE_DISPLAY_TYPES_17),
            "product_id": F.many2one("product.product", "Product"),
            "product_qty": F.float_("Quantity", required=True),
            "product_uom_qty": F.float_("Total Quantity", compute="_compute_product_uom_qty", readonly=True),
            uom_field: F.many2one("uom.uom", "Unit" if flavour == "19" else "Unit of Measure"),
            "price_unit": F.float_("Unit Price", required=True),
            "discount": F.float_("Discount (%)"),
            taxes_field: F.many2many("account.tax", "Taxes"),
            "price_subtotal": F.monetary("Subtotal", compute="_compute_price_subtotal", readonly=True),
            "price_tax": F.float_("Tax", compute="_compute_price_tax", readonly=True),
            "price_total": F.monetary("Total", compute="_compute_price_total", readonly=True),
            "qty_received_method": F.selection("Received Qty Method",
                                               (("manual", "Manual"), ("stock_moves", "Stock Moves")),
                                               compute="_compute_qty_received_method", readonly=True),
            "qty_received": F.float_("Received Qty"),
            "qty_invoiced": F.float_("Billed Qty", compute="_compute_qty_invoiced", readonly=True),
            "qty_to_invoice": F.float_("To Invoice Quantity", compute="_compute_qty_to_invoice", readonly=True),
            "invoice_lines": F.one2many("account.move.line", "purchase_line_id", "Bill Lines", readonly=True),
            "date_planned": F.datetime("Expected Arrival"),
            "analytic_distribution": F.json_("Analytic Distribution"),
            "company_id": F.many2one("res.company", "Company", related=("order_id", "company_id"), readonly=True),
            "currency_id": F.many2one("res.currency", "Currency", related=("order_id", "currency_id"), readonly=True),
            "partner_id": F.many2one("res.partner", "Partner", related=("order_id", "partner_id"), readonly=True),
            "state": F.selection("Status", PO_STATES_19 if flavour == "19" else PO_STATES_17,
                                 related=("order_id", "state"), readonly=True),
        }

    @property
    def _taxes_field(self) -> str:
        return line_field_names(self.env.flavour)[0]

    @property
    def _uom_field(self) -> str:
        return line_field_names(self.env.flavour)[1]

    @property
    def _check_company_fields(self) -> tuple[str, ...]:  # type: ignore[override]
        return (self._taxes_field, "product_id")

    def _default_values(self) -> dict[str, Any]:
        return {"sequence": 10, "product_qty": 1.0, "qty_received": 0.0}

    def _complete_values(self, values: dict[str, Any], vals: dict[str, Any]) -> None:
        products = self.env["product.product"]
        product = products._record(values.get("product_id"))
        order = self.env["purchase.order"]._record(values.get("order_id"))
        if product is not None:
            values.setdefault("name", _purchase_description(products, product))
            values.setdefault(self._uom_field, products._purchase_uom(product))
            values.setdefault("price_unit", float(product.get("standard_price") or 0.0))
            if self._taxes_field not in vals and order is not None:
                values[self._taxes_field] = products._purchase_taxes(product, order["company_id"])
        if order is not None and not values.get("date_planned"):
            values["date_planned"] = order.get("date_order")
        if values.get("display_type"):
            values.setdefault("price_unit", 0.0)
            values["product_qty"] = 0.0

    def _after_create(self, record: dict[str, Any], vals: dict[str, Any]) -> None:
        if not record.get("display_type") and not record.get("product_id"):
            raise ValidationError("Missing required fields on accountable purchase order line.")

    @public()
    def write(self, ids: Any, vals: dict[str, Any]) -> bool:
        """``qty_received`` is only written on manually received lines, as in Odoo."""
        ids = self._existing_ids(ids)
        for rid in ids:
            record_vals = dict(vals)
            if "qty_received" in vals and self._compute_qty_received_method(self._record(rid)) != "manual":
                record_vals.pop("qty_received")
            super().write([rid], record_vals)
        return True

    def _product(self, record: dict[str, Any]) -> dict[str, Any] | None:
        return self.env["product.product"]._record(record.get("product_id"))

    def _compute_product_uom_qty(self, record: dict[str, Any]) -> float:
        return float(record.get("product_qty") or 0.0)

    def _compute_qty_received_method(self, record: dict[str, Any]) -> Any:
        product = self._product(record)
        if record.get("display_type") or product is None:
            return False
        return "stock_moves" if product.get("type") in GOODS_TYPES else "manual"

    def _compute_price_subtotal(self, record: dict[str, Any]) -> float:
        discount = float(record.get("discount") or 0.0)
        base = float(record.get("product_qty") or 0.0) * float(record.get("price_unit") or 0.0)
        return round(base * (1 - discount / 100.0), 2)

    def _compute_price_tax(self, record: dict[str, Any]) -> float:
        taxes = self.env["account.tax"]
        subtotal = self._compute_price_subtotal(record)
        return round(sum(taxes._tax_amount(t, subtotal) for t in self._value(record, self._taxes_field)), 2)

    def _compute_price_total(self, record: dict[str, Any]) -> float:
        return round(self._compute_price_subtotal(record) + self._compute_price_tax(record), 2)

    def _bill_lines(self, record: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """(bill line, bill) pairs linked to this PO line."""
        lines, moves = self.env["account.move.line"], self.env["account.move"]
        pairs = []
        for line_id in self.env.db.children_ids(lines._name, "purchase_line_id", record["id"]):
            line = lines._record(line_id)
            move = moves._record(line.get("move_id"))
            if move is not None:
                pairs.append((line, move))
        return pairs

    def _bill_move_ids(self, record: dict[str, Any]) -> list[int]:
        return [move["id"] for _line, move in self._bill_lines(record)]

    def _compute_qty_invoiced(self, record: dict[str, Any]) -> float:
        total = 0.0
        for line, move in self._bill_lines(record):
            if move.get("state") == "cancel":
                continue
            sign = -1.0 if move.get("move_type") == "in_refund" else 1.0
            total += sign * float(line.get("quantity") or 0.0)
        return total

    def _compute_qty_to_invoice(self, record: dict[str, Any]) -> float:
        order = self.env["purchase.order"]._record(record.get("order_id"))
        if order is None or order.get("state") not in CONFIRMED_STATES or record.get("display_type"):
            return 0.0
        product = self._product(record)
        ordered_based = product is not None and product.get("purchase_method") == "purchase"
        reference = record.get("product_qty") if ordered_based else record.get("qty_received")
        return float(reference or 0.0) - self._compute_qty_invoiced(record)


def _purchase_description(products: BaseModel, product: dict[str, Any]) -> str:
    name = products._display_name(product)
    extra = product.get("description_purchase")
    return f"{name}\n{extra}" if extra else name
