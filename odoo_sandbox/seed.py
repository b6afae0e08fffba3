"""Deterministic seed data mirroring the recorded Odoo databases (see docs/odoo-sandbox.md).

Ids, names and amounts of partner 45, product 57, tax 2, currency 1, journal 2 and
PO 13 with lines 27/28 are those of the Odoo 19 recordings; the rest (a second
buyer company, more POs, a second vendor) exists for the portal's demo and tests.
"""
from __future__ import annotations

from typing import Any

from .models.purchase import line_field_names
from .orm import Database

SEED_TIME = "2026-12-03 15:58:46"
ADMIN_PARTNER_ID = 3
COMPANY_MAIN, COMPANY_CIVIL = 1, 2
VENDOR_ACME, VENDOR_BRIGHTLINE = 45, 46
VENDOR_GRANITE, VENDOR_ARCHIVED = 48, 49  # in Odoo, not yet in the portal (linked by VAT)
COUNTRY_US, COUNTRY_DE = 233, 57
STATE_CO = 13
USD, EUR = 1, 2
SALE_TAX_MAIN, PURCHASE_TAX_MAIN, SALE_TAX_CIVIL, PURCHASE_TAX_CIVIL = 1, 2, 3, 4
UOM_UNITS, UOM_HOURS, UOM_M3, UOM_TON = 1, 4, 11, 12
FIRST_GENERATED_IDS = {"account.move": 101, "account.move.line": 201, "ir.attachment": 901,
                       "mail.message": 601, "purchase.order": 21, "purchase.order.line": 41,
                       "res.partner": 61, "res.partner.bank": 11}


def seed_database(db: Database) -> None:
    """Fill an empty database; ids are fixed so a restart or reset gives the same data."""
    stamp = min(SEED_TIME, db.now())
    for model, rows in _seed_rows(db.flavour).items():
        table = db.table(model)
        for row in rows:
            table[row["id"]] = {"create_date": stamp, "write_date": stamp,
                                "create_uid": 2, "write_uid": 2, **row}
    db.next_ids.update(FIRST_GENERATED_IDS)


def _seed_rows(flavour: str) -> dict[str, list[dict[str, Any]]]:
    return {
        "res.currency": _currencies(),
        "res.company": _companies(),
        "res.country": _countries(),
        "res.country.state": [
            {"id": STATE_CO, "country_id": COUNTRY_US, "name": "Colorado", "code": "CO"},
            {"id": 44, "country_id": COUNTRY_US, "name": "Texas", "code": "TX"},
        ],
        "res.partner": _partners(),
        "res.bank": [{"id": 1, "name": "First Western Trust", "bic": False, "country": COUNTRY_US,
                      "active": True}],
        "res.partner.bank": [
            {"id": 1, "acc_number": "4471 0023 9910", "acc_holder_name": "Acme Concrete LLC",
             "partner_id": VENDOR_ACME, "bank_id": 1, "allow_out_payment": True, "sequence": 10,
             "currency_id": False, "active": True},
        ],
        "res.users": _users(),
        "uom.uom": _uoms(),
        "project.project": [
            {"id": 1, "name": "Tower A", "company_id": COMPANY_MAIN, "active": True},
            {"id": 2, "name": "Bridge B2", "company_id": COMPANY_CIVIL, "active": True},
        ],
        "account.tax": _taxes(),
        "account.account": _accounts(flavour),
        "account.journal": _journals(flavour),
        "product.product": _products(flavour),
        "mail.message.subtype": [
            {"id": 1, "name": "Discussions", "sequence": 0, "internal": False},
            {"id": 2, "name": "Note", "sequence": 100, "internal": True},
        ],
        "purchase.order": _purchase_orders(flavour),
        "purchase.order.line": _purchase_order_lines(flavour),
    }


def _currencies() -> list[dict[str, Any]]:
    return [
        {"id": USD, "name": "USD", "full_name": "United States dollar", "symbol": "$",
         "rounding": 0.01, "position": "before", "active": True},
        {"id": EUR, "name": "EUR", "full_name": "Euro", "symbol": "€",
         "rounding": 0.01, "position": "after", "active": False},
    ]


def _companies() -> list[dict[str, Any]]:
    return [
        {"id": COMPANY_MAIN, "name": "Summit Builders Inc.", "sequence": 10, "currency_id": USD,
         "partner_id": 1, "email": "ap@summit-builders.example"},
        {"id": COMPANY_CIVIL, "name": "Summit Builders Civil LLC", "sequence": 20, "currency_id": USD,
         "partner_id": 8, "email": "ap@summit-civil.example"},
    ]


def _countries() -> list[dict[str, Any]]:
    return [
        {"id": 21, "name": "Belgium", "code": "BE"},
        {"id": 38, "name": "Canada", "code": "CA"},
        {"id": COUNTRY_DE, "name": "Germany", "code": "DE"},
        {"id": 75, "name": "France", "code": "FR"},
        {"id": 156, "name": "Mexico", "code": "MX"},
        {"id": 165, "name": "Netherlands", "code": "NL"},
        {"id": 231, "name": "United Kingdom", "code": "GB"},
        {"id": COUNTRY_US, "name": "United States", "code": "US"},
    ]


def _partner(rid: int, name: str, **values: Any) -> dict[str, Any]:
    base = {"id": rid, "name": name, "is_company": True, "type": "contact", "parent_id": False,
            "company_id": False, "email": False, "phone": False, "vat": False, "ref": False,
            "street": False, "street2": False, "city": False, "zip": False, "state_id": False,
            "country_id": COUNTRY_US, "supplier_rank": 0, "customer_rank": 0, "active": True}
    return {**base, **values}


def _partners() -> list[dict[str, Any]]:
    return [
        _partner(1, "Summit Builders Inc.", company_id=COMPANY_MAIN, city="Denver"),
        _partner(ADMIN_PARTNER_ID, "Mitchell Admin", is_company=False, email="admin@summit-builders.example"),
        _partner(8, "Summit Builders Civil LLC", company_id=COMPANY_CIVIL, city="Boulder"),
        _partner(VENDOR_ACME, "Acme Concrete LLC", supplier_rank=1, email="billing@acme-concrete.example",
                 vat="US-84-1234567", street="1200 Quarry Rd", city="Golden", zip="80401"),
        _partner(VENDOR_BRIGHTLINE, "Brightline Electrical Inc.", supplier_rank=1,
                 email="ar@brightline-electric.example", vat="US-84-7654321", city="Aurora"),
        _partner(47, "Dana Ortiz", is_company=False, parent_id=VENDOR_ACME,
                 email="dana.ortiz@acme-concrete.example"),
        _partner(VENDOR_GRANITE, "Granite Ridge Masonry Inc.", supplier_rank=3, vat="US-84-5550123",
                 email="office@graniteridge.example", street="77 Mesa Dr", city="Boulder",
                 zip="80302", state_id=STATE_CO),
        _partner(VENDOR_ARCHIVED, "Old Mill Lumber Co.", supplier_rank=1, vat="DE811907980",
                 country_id=COUNTRY_DE, city="Hamburg", active=False),
    ]


def _users() -> list[dict[str, Any]]:
    return [{"id": 2, "login": "admin", "partner_id": ADMIN_PARTNER_ID, "company_id": COMPANY_MAIN,
             "company_ids": [COMPANY_MAIN, COMPANY_CIVIL], "lang": "en_US", "tz": "UTC", "active": True}]


def _uoms() -> list[dict[str, Any]]:
    return [
        {"id": UOM_UNITS, "name": "Units", "rounding": 0.01, "active": True},
        {"id": UOM_HOURS, "name": "Hours", "rounding": 0.01, "active": True},
        {"id": UOM_M3, "name": "m³", "rounding": 0.01, "active": True},
        {"id": UOM_TON, "name": "t", "rounding": 0.001, "active": True},
    ]


def _taxes() -> list[dict[str, Any]]:
    def tax(rid: int, use: str, company: int) -> dict[str, Any]:
        return {"id": rid, "name": "15%", "sequence": 1, "amount": 15.0, "amount_type": "percent",
                "type_tax_use": use, "price_include": False, "company_id": company, "active": True}

    return [tax(SALE_TAX_MAIN, "sale", COMPANY_MAIN), tax(PURCHASE_TAX_MAIN, "purchase", COMPANY_MAIN),
            tax(SALE_TAX_CIVIL, "sale", COMPANY_CIVIL), tax(PURCHASE_TAX_CIVIL, "purchase", COMPANY_CIVIL)]


def _accounts(flavour: str) -> list[dict[str, Any]]:
    def account(rid: int, code: str, name: str, kind: str, company: int, taxes: list[int]) -> dict[str, Any]:
        owner = {"company_ids": [company]} if flavour == "19" else {"company_id": company}
        return {"id": rid, "code": code, "name": name, "account_type": kind, "tax_ids": taxes,
                "active": True, **owner}

    return [
        account(21, "600000", "Expenses", "expense", COMPANY_MAIN, [PURCHASE_TAX_MAIN]),
        account(22, "211000", "Account Payable", "liability_payable", COMPANY_MAIN, []),
        account(23, "600000", "Expenses", "expense", COMPANY_CIVIL, [PURCHASE_TAX_CIVIL]),
        account(24, "211000", "Account Payable", "liability_payable", COMPANY_CIVIL, []),
    ]


def _journals(flavour: str) -> list[dict[str, Any]]:
    purchases = "Purchases" if flavour == "19" else "Vendor Bills"

    def journal(rid: int, name: str, code: str, kind: str, company: int, account: Any) -> dict[str, Any]:
        return {"id": rid, "name": name, "code": code, "type": kind, "sequence": rid,
                "company_id": company, "currency_id": False, "default_account_id": account,
                "active": True}

    return [
        journal(1, "Customer Invoices", "INV", "sale", COMPANY_MAIN, False),
        journal(2, purchases, "BILL", "purchase", COMPANY_MAIN, 21),
        journal(3, "Miscellaneous Operations", "MISC", "general", COMPANY_MAIN, False),
        journal(4, "Customer Invoices", "INV", "sale", COMPANY_CIVIL, False),
        journal(5, purchases, "BILL", "purchase", COMPANY_CIVIL, 23),
        journal(6, "Miscellaneous Operations", "MISC", "general", COMPANY_CIVIL, False),
    ]


def _products(flavour: str) -> list[dict[str, Any]]:
    def product(rid: int, code: str, name: str, kind: str, method: str, uom: int,
                cost: float) -> dict[str, Any]:
        row = {"id": rid, "default_code": code, "name": name, "type": kind, "purchase_method": method,
               "uom_id": uom, "standard_price": cost, "list_price": 0.0,
               "supplier_taxes_id": [PURCHASE_TAX_MAIN, PURCHASE_TAX_CIVIL],
               "taxes_id": [SALE_TAX_MAIN, SALE_TAX_CIVIL], "description_purchase": False,
               "company_id": False, "active": True}
        if flavour == "17":
            row["uom_po_id"] = uom
        return row

    return [
        product(57, "CONC-M3", "Concrete pour (m3)", "consu", "receive", UOM_M3, 135.0),
        product(58, "REBAR-5", "Rebar #5 (ton)", "consu", "receive", UOM_TON, 1250.0),
        product(59, "SVC-PUMP", "Concrete pump truck (hour)", "service", "purchase", UOM_HOURS, 180.0),
        product(60, "ELEC-RI", "Electrical rough-in (lot)", "service", "purchase", UOM_UNITS, 18500.0),
        product(61, "ELEC-PNL", "Distribution panel 400A", "consu", "receive", UOM_UNITS, 2400.0),
    ]


def _order(rid: int, partner: int, company: int, state: str, ref: Any, date_order: str) -> dict[str, Any]:
    return {"id": rid, "name": f"P{rid:05d}", "priority": "0", "origin": False, "partner_ref": ref,
            "date_order": date_order, "date_approve": date_order if state == "purchase" else False,
            "partner_id": partner, "currency_id": USD, "state": state, "notes": False,
            "user_id": 2, "company_id": company, "locked": False}


def _purchase_orders(flavour: str) -> list[dict[str, Any]]:
    orders = [
        _order(13, VENDOR_ACME, COMPANY_MAIN, "purchase", "ACME-Q-2026-001", "2026-12-03 15:58:46"),
        _order(10, VENDOR_BRIGHTLINE, COMPANY_MAIN, "purchase", "BL-2026-117", "2026-11-18 16:00:00"),
        _order(11, VENDOR_ACME, COMPANY_CIVIL, "purchase", "ACME-Q-2026-011", "2026-11-20 14:30:00"),
        _order(12, VENDOR_ACME, COMPANY_MAIN, "draft", False, "2026-12-01 09:00:00"),
    ]
    if flavour == "19":
        for order, project in zip(orders, (1, 1, 2, False)):
            order["project_id"] = project
    return orders


def _purchase_order_lines(flavour: str) -> list[dict[str, Any]]:
    taxes_field, uom_field = line_field_names(flavour)

    def line(rid: int, order: int, seq: int, name: str, product: int, qty: float, uom: int,
             price: float, received: float, tax: int, planned: str) -> dict[str, Any]:
        return {"id": rid, "order_id": order, "sequence": seq, "name": name, "display_type": False,
                "product_id": product, "product_qty": qty, uom_field: uom, "price_unit": price,
                "discount": 0.0, taxes_field: [tax], "qty_received": received,
                "date_planned": planned, "analytic_distribution": False}

    return [
        line(27, 13, 10, "Concrete pour (m3) - Tower A, level 1 slab", 57, 40.0, UOM_M3, 135.0, 40.0,
             PURCHASE_TAX_MAIN, "2026-12-03 15:58:46"),
        line(28, 13, 11, "Concrete pour (m3) - Tower A, level 2 slab", 57, 25.0, UOM_M3, 140.0, 0.0,
             PURCHASE_TAX_MAIN, "2026-12-03 15:58:46"),
        line(23, 11, 10, "Concrete pour (m3) - Bridge deck B2", 57, 60.0, UOM_M3, 150.0, 30.0,
             PURCHASE_TAX_CIVIL, "2026-11-27 07:00:00"),
        line(24, 11, 11, "Concrete pump truck (hour) - deck pours", 59, 12.0, UOM_HOURS, 180.0, 0.0,
             PURCHASE_TAX_CIVIL, "2026-11-27 07:00:00"),
        line(25, 12, 10, "Rebar #5 (ton) - Tower B footings", 58, 8.0, UOM_TON, 1250.0, 0.0,
             PURCHASE_TAX_MAIN, "2026-12-15 07:00:00"),
        line(21, 10, 10, "Electrical rough-in - Tower A, levels 1-3", 60, 1.0, UOM_UNITS, 18500.0, 0.0,
             PURCHASE_TAX_MAIN, "2026-12-05 07:00:00"),
        line(22, 10, 11, "Distribution panel 400A", 61, 3.0, UOM_UNITS, 2400.0, 3.0,
             PURCHASE_TAX_MAIN, "2026-12-05 07:00:00"),
    ]
