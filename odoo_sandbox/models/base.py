"""Reference data models: partners, companies, currencies, users, products, taxes..."""
from __future__ import annotations

from typing import Any

from .. import fields as F
from ..orm import BaseModel, public

PARTNER_TYPES = (("contact", "Contact"), ("invoice", "Invoice Address"),
                 ("delivery", "Delivery Address"), ("other", "Other Address"))
PRODUCT_TYPES_17 = (("consu", "Consumable"), ("service", "Service"), ("product", "Storable Product"))
PRODUCT_TYPES_19 = (("consu", "Goods"), ("service", "Service"), ("combo", "Combo"))
PURCHASE_METHODS = (("purchase", "On ordered quantities"), ("receive", "On received quantities"))
TAX_USES = (("sale", "Sales"), ("purchase", "Purchases"), ("none", "None"))
TAX_AMOUNT_TYPES = (("group", "Group of Taxes"), ("fixed", "Fixed"),
                    ("percent", "Percentage"), ("division", "Percentage Tax Included"))
JOURNAL_TYPES = (("sale", "Sales"), ("purchase", "Purchase"), ("cash", "Cash"),
                 ("bank", "Bank"), ("credit", "Credit Card"), ("general", "Miscellaneous"))
ACCOUNT_TYPES = (("asset_receivable", "Receivable"), ("liability_payable", "Payable"),
                 ("income", "Income"), ("expense", "Expenses"))


class ResPartner(BaseModel):
    _name = "res.partner"
    _description = "Contact"
    _order = "name, id desc"
    _company_scoped = True

    @classmethod
    def _declare_fields(cls, flavour: str) -> dict[str, F.Field]:
        return {
            "name": F.char("Name", required=True),
            "is_company": F.boolean("Is a Company"),
            "type": F.selection("Address Type", PARTNER_TYPES),
            "parent_id": F.many2one("res.partner", "Related Company"),
            "child_ids": F.one2many("res.partner", "parent_id", "Contact"),
            "commercial_partner_id": F.many2one("res.partner", "Commercial Entity",
                                                compute="_compute_commercial_partner", readonly=True),
            "company_id": F.many2one("res.company", "Company"),
            "email": F.char("Email"),
            "phone": F.char("Phone"),
            "vat": F.char("Tax ID"),
            "ref": F.char("Reference"),
            "street": F.char("Street"),
            "street2": F.char("Street2"),
            "city": F.char("City"),
            "zip": F.char("Zip"),
            "state_id": F.many2one("res.country.state", "State"),
            "country_id": F.many2one("res.country", "Country"),
            "bank_ids": F.one2many("res.partner.bank", "partner_id", "Banks"),
            "supplier_rank": F.integer("Supplier Rank"),
            "customer_rank": F.integer("Customer Rank"),
            "active": F.boolean("Active"),
        }

    def _default_values(self) -> dict[str, Any]:
        return {"active": True, "type": "contact", **self._rank_from_search_mode()}

    def _rank_from_search_mode(self) -> dict[str, int]:
        """account's create(): context res_partner_search_mode gives the new partner rank 1
        (values sent explicitly win, as they override defaults)."""
        mode = self.env.context.get("res_partner_search_mode")
        return {f"{mode}_rank": 1} if mode in ("supplier", "customer") else {}

    def _compute_commercial_partner(self, record: dict[str, Any]) -> int:
        while record.get("parent_id") and not record.get("is_company"):
            parent = self._record(record["parent_id"])
            if parent is None:
                break
            record = parent
        return record["id"]

    def _display_name(self, record: dict[str, Any] | None) -> str:
        if record is None:
            return ""
        parent = self._record(record.get("parent_id")) if record.get("parent_id") else None
        if parent is not None and not record.get("is_company"):
            return f"{self._display_name(parent)}, {record.get('name') or ''}"
        return str(record.get("name") or "")


class ResCompany(BaseModel):
    _name = "res.company"
    _description = "Companies"
    _order = "sequence, name"

    @classmethod
    def _declare_fields(cls, flavour: str) -> dict[str, F.Field]:
        return {
            "name": F.char("Company Name", required=True),
            "sequence": F.integer("Sequence"),
            "currency_id": F.many2one("res.currency", "Currency", required=True),
            "partner_id": F.many2one("res.partner", "Partner", required=True),
            "vat": F.char("Tax ID"),
            "email": F.char("Email"),
        }


class ResCurrency(BaseModel):
    _name = "res.currency"
    _description = "Currency"
    _order = "active desc, name"

    @classmethod
    def _declare_fields(cls, flavour: str) -> dict[str, F.Field]:
        return {
            "name": F.char("Currency", required=True),
            "full_name": F.char("Name"),
            "symbol": F.char("Symbol", required=True),
            "rounding": F.float_("Rounding Factor"),
            "decimal_places": F.integer("Decimal Places", compute="_compute_decimal_places",
                                        stored=False, readonly=True),
            "position": F.selection("Symbol Position", (("after", "After Amount"),
                                                        ("before", "Before Amount"))),
            "active": F.boolean("Active"),
        }

    def _default_values(self) -> dict[str, Any]:
        return {"rounding": 0.01, "position": "after", "active": True}

    def _compute_decimal_places(self, record: dict[str, Any]) -> int:
        rounding = record.get("rounding") or 0.01
        return max(0, len(f"{rounding:.10f}".rstrip("0").split(".")[1]))


class ResUsers(BaseModel):
    _name = "res.users"
    _description = "User"
    _order = "name, login"

    @classmethod
    def _declare_fields(cls, flavour: str) -> dict[str, F.Field]:
        return {
            "name": F.char("Name", related=("partner_id", "name"), readonly=True),
            "login": F.char("Login", required=True),
            "partner_id": F.many2one("res.partner", "Related Partner", required=True),
            "company_id": F.many2one("res.company", "Company", required=True),
            "company_ids": F.many2many("res.company", "Companies"),
            "lang": F.selection("Language", (("en_US", "English (US)"),)),
            "tz": F.char("Timezone"),
            "active": F.boolean("Active"),
        }

    def _display_name(self, record: dict[str, Any] | None) -> str:
        if record is None:
            return ""
        partners = self.env["res.partner"]
        return partners._display_name(partners._record(record.get("partner_id")))

    @public(api_model=True, readonly=True)
    def context_get(self) -> dict[str, Any]:
        """The caller's context; JSON-2 clients use it to learn their uid."""
        user = self.env.user()
        return {"lang": user.get("lang") or "en_US", "tz": user.get("tz") or False,
                "uid": self.env.uid}


class ProjectProject(BaseModel):
    """Projects (module `project`); a PO points at one through `project_id` from 18.0."""

    _name = "project.project"
    _description = "Project"
    _order = "name"
    _company_scoped = True

    @classmethod
    def _declare_fields(cls, flavour: str) -> dict[str, F.Field]:
        return {
            "name": F.char("Name", required=True),
            "company_id": F.many2one("res.company", "Company"),
            "active": F.boolean("Active"),
        }


class UomUom(BaseModel):
    _name = "uom.uom"
    _description = "Product Unit of Measure"
    _order = "name"

    @classmethod
    def _declare_fields(cls, flavour: str) -> dict[str, F.Field]:
        return {
            "name": F.char("Unit", required=True),
            "rounding": F.float_("Rounding Precision"),
            "active": F.boolean("Active"),
        }


class ProductProduct(BaseModel):
    _name = "product.product"
    _description = "Product Variant"
    _order = "default_code, name, id"
    _company_scoped = True

    @classmethod
    def _declare_fields(cls, flavour: str) -> dict[str, F.Field]:
        declared = {
            "name": F.char("Name", required=True),
            "default_code": F.char("Internal Reference"),
            "type": F.selection("Product Type", PRODUCT_TYPES_19 if flavour == "19" else PRODUCT_TYPES_17),
            "purchase_method": F.selection("Control Policy", PURCHASE_METHODS),
            "uom_id": F.many2one("uom.uom", "Unit" if flavour == "19" else "Unit of Measure"),
            "standard_price": F.float_("Cost"),
            "list_price": F.float_("Sales Price"),
            "supplier_taxes_id": F.many2many("account.tax", "Purchase Taxes"),
            "taxes_id": F.many2many("account.tax", "Sales Taxes"),
            "description_purchase": F.text("Purchase Description"),
            "company_id": F.many2one("res.company", "Company"),
            "active": F.boolean("Active"),
        }
        if flavour == "17":
            declared["uom_po_id"] = F.many2one("uom.uom", "Purchase UoM")
        return declared

    def _default_values(self) -> dict[str, Any]:
        return {"type": "consu", "purchase_method": "receive", "active": True, "uom_id": 1}

    def _display_name(self, record: dict[str, Any] | None) -> str:
        if record is None:
            return ""
        code = record.get("default_code")
        return f"[{code}] {record.get('name')}" if code else str(record.get("name") or "")

    def _purchase_uom(self, record: dict[str, Any]) -> Any:
        return record.get("uom_po_id") or record.get("uom_id") or False

    def _purchase_taxes(self, record: dict[str, Any] | None, company_id: int) -> list[int]:
        if record is None:
            return []
        taxes = self.env["account.tax"]
        return [t for t in record.get("supplier_taxes_id") or []
                if taxes._record(t) and taxes._record(t).get("company_id") == company_id]


class AccountTax(BaseModel):
    _name = "account.tax"
    _description = "Tax"
    _order = "sequence, id"
    _company_scoped = True

    @classmethod
    def _declare_fields(cls, flavour: str) -> dict[str, F.Field]:
        return {
            "name": F.char("Tax Name", required=True),
            "sequence": F.integer("Sequence"),
            "amount": F.float_("Amount"),
            "amount_type": F.selection("Tax Computation", TAX_AMOUNT_TYPES, required=True),
            "type_tax_use": F.selection("Tax Type", TAX_USES, required=True),
            "price_include": F.boolean("Included in Price"),
            "company_id": F.many2one("res.company", "Company", required=True),
            "active": F.boolean("Active"),
        }

    def _default_values(self) -> dict[str, Any]:
        return {"amount_type": "percent", "type_tax_use": "sale", "active": True,
                "sequence": 1, "company_id": self.env.company_id}

    def _tax_amount(self, tax_id: int, base: float) -> float:
        tax = self._record(tax_id)
        if tax is None:
            return 0.0
        if tax.get("amount_type") == "fixed":
            return float(tax.get("amount") or 0.0)
        return base * float(tax.get("amount") or 0.0) / 100.0


class AccountAccount(BaseModel):
    _name = "account.account"
    _description = "Account"
    _order = "code, id"
    _company_scoped = True

    @classmethod
    def _declare_fields(cls, flavour: str) -> dict[str, F.Field]:
        declared = {
            "name": F.char("Account Name", required=True),
            "code": F.char("Code", required=True),
            "account_type": F.selection("Type", ACCOUNT_TYPES, required=True),
            "tax_ids": F.many2many("account.tax", "Default Taxes"),
            "active": F.boolean("Active"),
        }
        if flavour == "19":
            declared["company_ids"] = F.many2many("res.company", "Companies")
        else:
            declared["company_id"] = F.many2one("res.company", "Company", required=True)
        return declared

    def _visible(self, record: dict[str, Any]) -> bool:
        return any(c in self.env.companies for c in self._companies(record)) or not self._companies(record)

    def _company_of(self, record: dict[str, Any]) -> Any:
        companies = self._companies(record)
        return companies[0] if len(companies) == 1 else False

    def _companies(self, record: dict[str, Any]) -> list[int]:
        if "company_ids" in self._fields:
            return list(record.get("company_ids") or [])
        return [record["company_id"]] if record.get("company_id") else []

    def _display_name(self, record: dict[str, Any] | None) -> str:
        if record is None:
            return ""
        return f"{record.get('code')} {record.get('name')}"


class AccountJournal(BaseModel):
    _name = "account.journal"
    _description = "Journal"
    _order = "sequence, type, code"
    _company_scoped = True

    @classmethod
    def _declare_fields(cls, flavour: str) -> dict[str, F.Field]:
        return {
            "name": F.char("Journal Name", required=True),
            "code": F.char("Short Code", required=True),
            "type": F.selection("Type", JOURNAL_TYPES, required=True),
            "sequence": F.integer("Sequence"),
            "company_id": F.many2one("res.company", "Company", required=True),
            "currency_id": F.many2one("res.currency", "Currency"),
            "default_account_id": F.many2one("account.account", "Default Account"),
            "active": F.boolean("Active"),
        }

    def _purchase_journal(self, company_id: int) -> dict[str, Any] | None:
        candidates = [j for j in self._all_records()
                      if j.get("type") == "purchase" and j.get("company_id") == company_id
                      and j.get("active", True)]
        ordered = self._sorted(candidates, self._order)
        return ordered[0] if ordered else None


class MailMessageSubtype(BaseModel):
    _name = "mail.message.subtype"
    _description = "Message subtypes"
    _order = "sequence, id"

    @classmethod
    def _declare_fields(cls, flavour: str) -> dict[str, F.Field]:
        return {
            "name": F.char("Message Type", required=True),
            "sequence": F.integer("Sequence"),
            "internal": F.boolean("Internal Only"),
        }
