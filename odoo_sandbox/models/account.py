"""Vendor bills (account.move) and their lines, with the rules that differ 17 vs 19.

- Naming: 19 leaves a draft's ``name`` False and numbers it at posting; 17 numbers the
  first draft of a journal period at creation and shows '/' for later drafts.
- Posted bills: 19 refuses writes to lines, dates, partner, currency...; 17 accepts
  them (the totals follow).
- Duplicate vendor reference: 17 refuses to post with a RedirectWarning when another
  posted bill has the same partner, ref and invoice date; 19 only lists it in
  ``duplicated_ref_ids``.
"""
from __future__ import annotations

from typing import Any

from .. import fields as F
from ..errors import RedirectWarning, UserError
from ..orm import BaseModel, public
from .mail import MailThread

MOVE_TYPES = (("entry", "Journal Entry"), ("out_invoice", "Customer Invoice"),
              ("out_refund", "Customer Credit Note"), ("in_invoice", "Vendor Bill"),
              ("in_refund", "Vendor Credit Note"), ("out_receipt", "Sales Receipt"),
              ("in_receipt", "Purchase Receipt"))
PURCHASE_TYPES = ("in_invoice", "in_refund", "in_receipt")
INVOICE_TYPES = ("out_invoice", "out_refund", "in_invoice", "in_refund", "out_receipt", "in_receipt")
JOURNAL_TYPE_FOR = {"in": "purchase", "out": "sale", "entry": "general"}
MOVE_STATES = (("draft", "Draft"), ("posted", "Posted"), ("cancel", "Cancelled"))
PAYMENT_STATES_17 = (("not_paid", "Not Paid"), ("in_payment", "In Payment"), ("paid", "Paid"),
                     ("partial", "Partially Paid"), ("reversed", "Reversed"),
                     ("invoicing_legacy", "Invoicing App Legacy"))
PAYMENT_STATES_19 = PAYMENT_STATES_17[:5] + (("blocked", "Blocked"),) + PAYMENT_STATES_17[5:]
SETTLED_PAYMENT_STATES = ("paid", "in_payment", "reversed")
READONLY_WHEN_POSTED_19 = ("invoice_line_ids", "line_ids", "invoice_date", "date", "partner_id",
                           "invoice_payment_term_id", "currency_id", "fiscal_position_id",
                           "invoice_cash_rounding_id")
WORKFLOW_FIELDS = ("state", "payment_state", "posted_before")
LINE_DISPLAY_TYPES_17 = (("product", "Product"), ("cogs", "Cost of Goods Sold"), ("tax", "Tax"),
                         ("discount", "Discount"), ("rounding", "Rounding"),
                         ("payment_term", "Payment Term"), ("line_section", "Section"),
                         ("line_note", "Note"), ("epd", "Early Payment Discount"))
LINE_DISPLAY_TYPES_19 = LINE_DISPLAY_TYPES_17 + (
    ("line_subsection", "Subsection"), ("non_deductible_product", "Non Deductible Products"),
    ("non_deductible_product_total", "Non Deductible Products Total"),
    ("non_deductible_tax", "Non Deductible Tax"))
TEXT_LINE_TYPES = ("line_section", "line_note", "line_subsection")
DUPLICATE_REF_MESSAGE = ("Duplicated vendor reference detected. You probably encoded twice the "
                         "same vendor bill/credit note.")


class AccountMove(MailThread, BaseModel):
    _name = "account.move"
    _description = "Journal Entry"
    _order = "date desc, name desc, id desc"
    _company_scoped = True
    _check_company_fields = ("journal_id", "partner_id")

    @classmethod
    def _declare_fields(cls, flavour: str) -> dict[str, F.Field]:
        declared = {
            "name": F.char("Number"),
            "ref": F.char("Reference"),
            "payment_reference": F.char("Payment Reference"),
            "move_type": F.selection("Type", MOVE_TYPES, required=True, readonly=True),
            "state": F.selection("Status", MOVE_STATES, required=True, readonly=True),
            "date": F.date("Date", required=True),
            "invoice_date": F.date("Invoice/Bill Date"),
            "invoice_date_due": F.date("Due Date"),
            "partner_id": F.many2one("res.partner", "Partner"),
            "commercial_partner_id": F.many2one("res.partner", "Commercial Entity",
                                                compute="_compute_commercial_partner", readonly=True),
            "journal_id": F.many2one("account.journal", "Journal", required=True),
            "company_id": F.many2one("res.company", "Company", required=True, readonly=True),
            "currency_id": F.many2one("res.currency", "Currency", required=True),
            "company_currency_id": F.many2one("res.currency", "Company Currency",
                                              related=("company_id", "currency_id"), readonly=True),
            "invoice_line_ids": F.one2many("account.move.line", "move_id", "Invoice lines"),
            "line_ids": F.one2many("account.move.line", "move_id", "Journal Items"),
            "amount_untaxed": F.monetary("Untaxed Amount", compute="_compute_amount_untaxed", readonly=True),
            "amount_tax": F.monetary("Tax", compute="_compute_amount_tax", readonly=True),
            "amount_total": F.monetary("Total", compute="_compute_amount_total", readonly=True),
            "amount_residual": F.monetary("Amount Due", compute="_compute_amount_residual", readonly=True),
            "amount_untaxed_signed": F.monetary("Untaxed Amount Signed",
                                                compute="_compute_amount_untaxed_signed", readonly=True),
            "amount_total_signed": F.monetary("Total Signed", compute="_compute_amount_total_signed",
                                              readonly=True),
            "payment_state": F.selection("Payment Status", PAYMENT_STATES_19 if flavour == "19"
                                         else PAYMENT_STATES_17, readonly=True),
            "invoice_origin": F.char("Origin", readonly=True),
            "narration": F.html("Terms and Conditions"),
            "posted_before": F.boolean("Posted Before", readonly=True),
            "duplicated_ref_ids": F.many2many("account.move", "Duplicated Ref",
                                              compute="_compute_duplicated_ref_ids", stored=False,
                                              readonly=True),
            "purchase_id": F.many2one("purchase.order", "Purchase Order", compute="_compute_purchase_id",
                                      stored=False, help="Auto-complete from a past purchase order."),
            "message_ids": F.one2many("mail.message", "res_id", "Messages",
                                      compute="_compute_message_ids", readonly=True),
            "attachment_ids": F.one2many("ir.attachment", "res_id", "Attachments",
                                         compute="_compute_attachment_ids", readonly=True),
        }
        if flavour == "19":
            declared["is_draft_duplicated_ref_ids"] = F.boolean(
                "Is Draft Duplicated Ref Ids", compute="_compute_is_draft_duplicated", stored=False,
                readonly=True)
        return declared

    # ----------------------------------------------------------- creation
    def _default_values(self) -> dict[str, Any]:
        return {"move_type": "entry", "state": "draft", "payment_state": "not_paid",
                "posted_before": False}

    def _complete_values(self, values: dict[str, Any], vals: dict[str, Any]) -> None:
        journals = self.env["account.journal"]
        journal = journals._record(values.get("journal_id"))
        if journal is None:
            journal = self._default_journal(values["move_type"], values.get("company_id") or self.env.company_id)
            values["journal_id"] = journal["id"] if journal else False
        if journal is not None:
            self._check_journal_type(values["move_type"], journal)
            values["company_id"] = journal["company_id"]
            company = self.env["res.company"]._record(journal["company_id"])
            values.setdefault("currency_id", journal.get("currency_id") or company["currency_id"])
        today = self.env.today()
        if not values.get("date"):
            values["date"] = values.get("invoice_date") or today
        if values["move_type"] in INVOICE_TYPES and not values.get("invoice_date_due"):
            values["invoice_date_due"] = max(values.get("invoice_date") or today, today)
        values["name"] = values.get("name") or self._name_at_creation(values)

    def _default_journal(self, move_type: str, company_id: int) -> dict[str, Any] | None:
        wanted = JOURNAL_TYPE_FOR["entry" if move_type == "entry" else move_type[:move_type.index("_")]]
        journals = self.env["account.journal"]
        candidates = [j for j in journals._all_records()
                      if j.get("type") == wanted and j.get("company_id") == company_id]
        ordered = journals._sorted(candidates, journals._order)
        return ordered[0] if ordered else None

    def _check_journal_type(self, move_type: str, journal: dict[str, Any]) -> None:
        if move_type in PURCHASE_TYPES and journal.get("type") != "purchase":
            raise UserError("Cannot create a purchase document in a non purchase journal")
        if move_type.startswith("out_") and journal.get("type") != "sale":
            raise UserError("Cannot create a sale document in a non sale journal")

    def _name_at_creation(self, values: dict[str, Any]) -> Any:
        """17 numbers the first draft of a period at once; 19 waits for posting."""
        if self.env.flavour == "19":
            return False
        prefix = self._sequence_prefix(values)
        if prefix and not self._names_with_prefix(values.get("journal_id"), prefix):
            return f"{prefix}0001"
        return "/"

    def _sequence_prefix(self, values: dict[str, Any]) -> str | None:
        journal = self.env["account.journal"]._record(values.get("journal_id"))
        if journal is None or not values.get("date"):
            return None
        year, month = values["date"][:4], values["date"][5:7]
        return f"{journal['code']}/{year}/{month}/"

    def _names_with_prefix(self, journal_id: Any, prefix: str) -> list[str]:
        return [str(m["name"]) for m in self._all_records()
                if m.get("journal_id") == journal_id and str(m.get("name") or "").startswith(prefix)]

    def _next_sequence_name(self, record: dict[str, Any]) -> str:
        prefix = self._sequence_prefix(record) or "MISC/"
        numbers = [int(name[len(prefix):]) for name in self._names_with_prefix(record["journal_id"], prefix)
                   if name[len(prefix):].isdigit()]
        return f"{prefix}{max(numbers, default=0) + 1:04d}"

    # ----------------------------------------------------------- display & computes
    def _display_name(self, record: dict[str, Any] | None) -> str:
        if record is None:
            return ""
        name = record.get("name")
        if record.get("state") == "draft" and record.get("move_type") in INVOICE_TYPES:
            label = dict(MOVE_TYPES)[record["move_type"]].replace("Vendor ", "").replace("Customer ", "")
            number = name if name and name != "/" else f"(* {record['id']})"
            return f"Draft {label} {number}"
        return str(name or "/")

    def _lines(self, record: dict[str, Any]) -> list[dict[str, Any]]:
        lines = self.env["account.move.line"]
        return [lines._record(i) for i in self.env.db.children_ids(lines._name, "move_id", record["id"])]

    def _compute_commercial_partner(self, record: dict[str, Any]) -> Any:
        partners = self.env["res.partner"]
        partner = partners._record(record.get("partner_id"))
        return partners._compute_commercial_partner(partner) if partner else False

    def _compute_amount_untaxed(self, record: dict[str, Any]) -> float:
        lines = self.env["account.move.line"]
        return round(sum(lines._compute_price_subtotal(line) for line in self._lines(record)), 2)

    def _compute_amount_tax(self, record: dict[str, Any]) -> float:
        lines = self.env["account.move.line"]
        return round(sum(lines._line_tax(line) for line in self._lines(record)), 2)

    def _compute_amount_total(self, record: dict[str, Any]) -> float:
        return round(self._compute_amount_untaxed(record) + self._compute_amount_tax(record), 2)

    def _compute_amount_residual(self, record: dict[str, Any]) -> float:
        if record.get("payment_state") in SETTLED_PAYMENT_STATES:
            return 0.0
        return self._compute_amount_total(record)

    def _sign(self, record: dict[str, Any]) -> float:
        """Signed amounts are in company currency and negative for vendor bills."""
        return -1.0 if record.get("move_type") in ("in_invoice", "out_refund", "in_receipt") else 1.0

    def _compute_amount_untaxed_signed(self, record: dict[str, Any]) -> float:
        return self._sign(record) * self._compute_amount_untaxed(record)

    def _compute_amount_total_signed(self, record: dict[str, Any]) -> float:
        return self._sign(record) * self._compute_amount_total(record)

    def _compute_purchase_id(self, record: dict[str, Any]) -> bool:
        """Odoo's non-stored onchange helper: always empty when read over RPC."""
        return False

    def _compute_message_ids(self, record: dict[str, Any]) -> list[int]:
        messages = self.env["mail.message"]
        found = [m for m in messages._all_records()
                 if m.get("model") == self._name and m.get("res_id") == record["id"]]
        return [m["id"] for m in messages._sorted(found, messages._order)]

    def _compute_attachment_ids(self, record: dict[str, Any]) -> list[int]:
        attachments = self.env["ir.attachment"]
        return [a["id"] for a in attachments._all_records()
                if a.get("res_model") == self._name and a.get("res_id") == record["id"]]

    def _compute_duplicated_ref_ids(self, record: dict[str, Any]) -> list[int]:
        if record.get("move_type") not in ("in_invoice", "in_refund") or not record.get("ref"):
            return []
        found = [other["id"] for other in self._all_records()
                 if other["id"] != record["id"] and self._same_vendor_ref(record, other)]
        return sorted(found, reverse=True)

    def _same_vendor_ref(self, record: dict[str, Any], other: dict[str, Any]) -> bool:
        if other.get("state") not in ("draft", "posted"):
            return False
        same = all(other.get(k) == record.get(k) for k in ("company_id", "move_type", "ref"))
        same = same and self._compute_commercial_partner(other) == self._compute_commercial_partner(record)
        if not same or self.env.flavour == "17":
            return same
        mine, theirs = record.get("invoice_date"), other.get("invoice_date")
        return not mine or not theirs or mine[:4] == theirs[:4]

    def _compute_is_draft_duplicated(self, record: dict[str, Any]) -> bool:
        return any(self._record(i).get("state") == "draft" for i in self._compute_duplicated_ref_ids(record))

    # ----------------------------------------------------------- writes
    def _check_write(self, ids: list[int], vals: dict[str, Any]) -> None:
        workflow = [name for name in WORKFLOW_FIELDS if name in vals]
        if workflow:
            raise UserError(
                f"Odoo sandbox: writing {', '.join(workflow)} directly is not emulated; use "
                "action_post, button_draft or button_cancel (or the /sandbox/bills endpoints)."
            )
        for rid in ids:
            record = self._record(rid)
            self._check_posted_readonly(record, vals)
            self._check_journal_change(record, vals)

    def _check_posted_readonly(self, record: dict[str, Any], vals: dict[str, Any]) -> None:
        if self.env.flavour != "19" or record.get("state") != "posted":
            return
        if self.env.context.get("skip_readonly_check"):
            return
        readonly = [name for name in vals if name in READONLY_WHEN_POSTED_19]
        if readonly:
            raise UserError(
                "You cannot modify the following readonly fields on a posted move: "
                + ", ".join(readonly)
            )

    def _check_journal_change(self, record: dict[str, Any], vals: dict[str, Any]) -> None:
        if "journal_id" not in vals or vals["journal_id"] == record.get("journal_id"):
            return
        if record.get("posted_before") or record.get("name") not in (False, "/", None):
            raise UserError(
                "You cannot edit the journal of an account move if it has been posted once, unless "
                'the name is removed or set to "/". This might create a gap in the sequence.'
            )

    def _after_write(self, ids: list[int], vals: dict[str, Any]) -> None:
        for rid in ids:
            record = self._record(rid)
            journal = self.env["account.journal"]._record(record.get("journal_id"))
            if "journal_id" in vals and journal is not None:
                record["company_id"] = journal["company_id"]
            if "invoice_date" in vals and "date" not in vals and record.get("invoice_date"):
                record["date"] = record["invoice_date"]

    def _check_unlink(self, ids: list[int]) -> None:
        for rid in ids:
            record = self._record(rid)
            if record.get("state") == "posted" or record.get("posted_before"):
                raise UserError("You cannot delete an entry which has been posted once.")

    # ----------------------------------------------------------- workflow
    @public()
    def action_post(self, ids: Any) -> bool:
        """Post drafts; returns False like Odoo when no wizard is needed."""
        ids = self._existing_ids(ids)
        self._check_access(ids)
        for rid in ids:
            self._check_postable(self._record(rid))
        for rid in ids:
            self._post(self._record(rid))
        return False

    def _check_postable(self, record: dict[str, Any]) -> None:
        if record["state"] == "posted":
            raise UserError(f"The entry {record.get('name')} (id {record['id']}) is already posted.")
        if record["state"] != "draft":
            raise UserError("Only draft journal entries can be posted.")
        if record["move_type"] in INVOICE_TYPES:
            self._check_invoice_postable(record)
        if not [line for line in self._lines(record) if line.get("display_type") not in TEXT_LINE_TYPES]:
            raise UserError("You need to add a line before posting.")
        if self.env.flavour == "17":
            self._check_duplicate_supplier_reference(record)

    def _check_invoice_postable(self, record: dict[str, Any]) -> None:
        purchase = record["move_type"] in PURCHASE_TYPES
        if not record.get("partner_id"):
            label = "Vendor" if purchase else "Customer"
            document = "Vendor Bill" if purchase else "Customer Invoice"
            raise UserError(f"The field '{label}' is required, please complete it to validate the {document}.")
        if purchase and not record.get("invoice_date"):
            raise UserError("The Bill/Refund date is required to validate this document.")
        currency = self.env["res.currency"]._record(record.get("currency_id"))
        if currency is not None and not currency.get("active", True):
            raise UserError(f"You cannot validate a document with an inactive currency: {currency['name']}")
        if self._compute_amount_total(record) < 0:
            raise UserError(
                "You cannot validate an invoice with a negative total amount. You should create a "
                "credit note instead. Use the action menu to transform it into a credit note or refund."
            )

    def _check_duplicate_supplier_reference(self, record: dict[str, Any]) -> None:
        """Odoo 16/17's blocking check: same vendor, ref and bill date already posted."""
        if record["move_type"] not in ("in_invoice", "in_refund") or not record.get("ref"):
            return
        keys = ("company_id", "move_type", "ref", "invoice_date")
        duplicates = [other["id"] for other in self._all_records()
                      if other["id"] != record["id"] and other.get("state") == "posted"
                      and all(other.get(k) == record.get(k) for k in keys)
                      and self._compute_commercial_partner(other) == self._compute_commercial_partner(record)]
        if duplicates:
            raise RedirectWarning(DUPLICATE_REF_MESSAGE, _duplicates_action(sorted(duplicates + [record["id"]])),
                                  "Open list", None)

    def _post(self, record: dict[str, Any]) -> None:
        if record.get("name") in (False, None, "/"):
            record["name"] = self._next_sequence_name(record)
        record.update(state="posted", posted_before=True, write_date=self.env.now(),
                      write_uid=self.env.uid)
        partners = self.env["res.partner"]
        for partner_id in {record.get("partner_id"), self._compute_commercial_partner(record)} - {False, None}:
            partner = partners._record(partner_id)
            if partner is not None and record["move_type"] in PURCHASE_TYPES:
                partner["supplier_rank"] = int(partner.get("supplier_rank") or 0) + 1
                partner["write_date"] = self.env.now()

    @public()
    def button_draft(self, ids: Any) -> None:
        """Reset to draft; returns None (XML-RPC answers 'cannot marshal None')."""
        ids = self._existing_ids(ids)
        self._check_access(ids)
        if any(self._record(rid)["state"] not in ("posted", "cancel") for rid in ids):
            raise UserError("Only posted/cancelled journal entries can be reset to draft.")
        for rid in ids:
            self._set_state(self._record(rid), "draft")

    @public()
    def button_cancel(self, ids: Any) -> None:
        """Cancel (posted bills go through draft first); returns None like Odoo."""
        ids = self._existing_ids(ids)
        self._check_access(ids)
        for rid in ids:
            if self._record(rid)["state"] == "posted":
                self._set_state(self._record(rid), "draft")
        if any(self._record(rid)["state"] != "draft" for rid in ids):
            raise UserError("Only draft journal entries can be cancelled.")
        for rid in ids:
            self._set_state(self._record(rid), "cancel")

    def _set_state(self, record: dict[str, Any], state: str) -> None:
        record.update(state=state, write_date=self.env.now(), write_uid=self.env.uid)
        if state == "draft":
            record["payment_state"] = "not_paid"

    def _register_payment(self, record: dict[str, Any]) -> None:
        """What an AP clerk's full payment does to the bill (sandbox control only)."""
        if record["state"] != "posted":
            raise UserError("You can only register payment for posted journal entries.")
        record.update(payment_state="paid", write_date=self.env.now(), write_uid=self.env.uid)


def _duplicates_action(ids: list[int]) -> dict[str, Any]:
    """The window action Odoo 17 attaches to the duplicate-reference RedirectWarning."""
    return {
        "id": 252, "name": "Entries", "type": "ir.actions.act_window",
        "xml_id": "account.action_move_line_form",
        "help": "<p class='o_view_nocontent_smiling_face'>Create new document</p>",
        "binding_model_id": False, "binding_type": "action", "binding_view_types": "list,form",
        "display_name": "Entries", "view_id": (659, "account.move.tree"),
        "domain": [("id", "in", ids)], "context": "{}", "res_id": 0, "res_model": "account.move",
        "target": "current", "view_mode": "tree,form", "mobile_view_mode": "kanban",
        "views": [(659, "list"), (False, "form")], "limit": 80, "groups_id": [],
        "search_view_id": (670, "account.move.select"), "filter": False,
    }


class AccountMoveLine(BaseModel):
    _name = "account.move.line"
    _description = "Journal Item"
    _order = "date desc, move_name desc, sequence, id"
    _company_scoped = True
    _check_company_fields = ("tax_ids", "account_id", "product_id")

    @classmethod
    def _declare_fields(cls, flavour: str) -> dict[str, F.Field]:
        return {
            "move_id": F.many2one("account.move", "Journal Entry", required=True, ondelete="cascade"),
            "move_name": F.char("Number", related=("move_id", "name"), readonly=True),
            "date": F.date("Date", related=("move_id", "date"), readonly=True),
            "parent_state": F.selection("Status", MOVE_STATES, related=("move_id", "state"), readonly=True),
            "journal_id": F.many2one("account.journal", "Journal", related=("move_id", "journal_id"),
                                     readonly=True),
            "company_id": F.many2one("res.company", "Company", related=("move_id", "company_id"), readonly=True),
            "currency_id": F.many2one("res.currency", "Currency", related=("move_id", "currency_id"),
                                      readonly=True),
            "partner_id": F.many2one("res.partner", "Partner", related=("move_id", "partner_id"), readonly=True),
            "sequence": F.integer("Sequence"),
            "name": F.char("Label"),
            "display_type": F.selection("Display Type", LINE_DISPLAY_TYPES_19 if flavour == "19"
                                        else LINE_DISPLAY_TYPES_17, required=True),
            "product_id": F.many2one("product.product", "Product"),
            "product_uom_id": F.many2one("uom.uom", "Unit" if flavour == "19" else "Unit of Measure"),
            "quantity": F.float_("Quantity"),
            "price_unit": F.float_("Unit Price"),
            "discount": F.float_("Discount (%)"),
            "tax_ids": F.many2many("account.tax", "Taxes"),
            "account_id": F.many2one("account.account", "Account"),
            "price_subtotal": F.monetary("Subtotal", compute="_compute_price_subtotal", readonly=True),
            "price_total": F.monetary("Total", compute="_compute_price_total", readonly=True),
            "balance": F.monetary("Balance", compute="_compute_balance", readonly=True),
            "debit": F.monetary("Debit", compute="_compute_debit", readonly=True),
            "credit": F.monetary("Credit", compute="_compute_credit", readonly=True),
            "purchase_line_id": F.many2one("purchase.order.line", "Purchase Order Line"),
            "purchase_order_id": F.many2one("purchase.order", "Purchase Order",
                                            related=("purchase_line_id", "order_id"), readonly=True),
            "analytic_distribution": F.json_("Analytic Distribution"),
        }

    def _move(self, record: dict[str, Any]) -> dict[str, Any] | None:
        return self.env["account.move"]._record(record.get("move_id"))

    def _display_name(self, record: dict[str, Any] | None) -> str:
        if record is None:
            return ""
        move = self._move(record)
        move_name = self.env["account.move"]._display_name(move)
        return f"{move_name} {record.get('name') or ''}".strip()

    def _default_values(self) -> dict[str, Any]:
        return {"display_type": "product", "quantity": 1.0, "sequence": 10}

    def _complete_values(self, values: dict[str, Any], vals: dict[str, Any]) -> None:
        move = self._move(values)
        if values.get("display_type") in TEXT_LINE_TYPES:
            values.update(quantity=0.0, price_unit=0.0, tax_ids=[], account_id=False)
            return
        products = self.env["product.product"]
        product = products._record(values.get("product_id"))
        company_id = move["company_id"] if move else self.env.company_id
        if product is not None:
            values.setdefault("name", products._display_name(product))
            values.setdefault("product_uom_id", products._purchase_uom(product))
            values.setdefault("price_unit", float(product.get("standard_price") or 0.0))
        values.setdefault("price_unit", 0.0)
        values.setdefault("account_id", self._default_account(move))
        if "tax_ids" not in vals:
            values["tax_ids"] = (products._purchase_taxes(product, company_id) if product is not None
                                 else self._account_taxes(values.get("account_id"), company_id))

    def _default_account(self, move: dict[str, Any] | None) -> Any:
        journal = self.env["account.journal"]._record(move.get("journal_id")) if move else None
        return journal.get("default_account_id") or False if journal else False

    def _account_taxes(self, account_id: Any, company_id: int) -> list[int]:
        account = self.env["account.account"]._record(account_id)
        taxes = self.env["account.tax"]
        return [t for t in (account or {}).get("tax_ids") or []
                if taxes._record(t) and taxes._record(t).get("company_id") == company_id]

    def _after_create(self, record: dict[str, Any], vals: dict[str, Any]) -> None:
        self._check_move_editable([record["id"]])
        self._touch_moves([record["id"]])

    def _check_write(self, ids: list[int], vals: dict[str, Any]) -> None:
        self._check_move_editable(ids)

    def _after_write(self, ids: list[int], vals: dict[str, Any]) -> None:
        self._touch_moves(ids)

    def _check_unlink(self, ids: list[int]) -> None:
        self._check_move_editable(ids)

    def _touch_moves(self, ids: list[int]) -> None:
        """Odoo stores a bill's amounts: changing its lines bumps the bill's write_date."""
        for rid in ids:
            move = self._move(self._record(rid))
            if move is not None:
                move.update(write_date=self.env.now(), write_uid=self.env.uid)

    def _check_move_editable(self, ids: list[int]) -> None:
        """19 protects the lines of posted bills; 17 lets them change (totals follow)."""
        if self.env.flavour != "19" or self.env.context.get("skip_readonly_check"):
            return
        for rid in ids:
            move = self._move(self._record(rid))
            if move is not None and move.get("state") == "posted":
                raise UserError(
                    "You cannot modify the following readonly fields on a posted move: line_ids"
                )

    def _delete(self, rid: int) -> None:
        if self._record(rid) is not None:
            self._check_move_editable([rid])
            self._touch_moves([rid])
        super()._delete(rid)

    def _compute_price_subtotal(self, record: dict[str, Any]) -> float:
        if record.get("display_type") in TEXT_LINE_TYPES:
            return 0.0
        discount = float(record.get("discount") or 0.0)
        base = float(record.get("quantity") or 0.0) * float(record.get("price_unit") or 0.0)
        return round(base * (1 - discount / 100.0), 2)

    def _line_tax(self, record: dict[str, Any]) -> float:
        taxes = self.env["account.tax"]
        subtotal = self._compute_price_subtotal(record)
        return round(sum(taxes._tax_amount(t, subtotal) for t in self._value(record, "tax_ids")), 2)

    def _compute_price_total(self, record: dict[str, Any]) -> float:
        return round(self._compute_price_subtotal(record) + self._line_tax(record), 2)

    def _compute_balance(self, record: dict[str, Any]) -> float:
        move = self._move(record) or {}
        sign = 1.0 if move.get("move_type") in ("in_invoice", "out_refund", "in_receipt") else -1.0
        return sign * self._compute_price_subtotal(record)

    def _compute_debit(self, record: dict[str, Any]) -> float:
        return max(self._compute_balance(record), 0.0)

    def _compute_credit(self, record: dict[str, Any]) -> float:
        return max(-self._compute_balance(record), 0.0)
