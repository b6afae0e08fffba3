"""Exporter: an approved portal partner becomes exactly one vendor in Odoo, with its bank account.

The natural key is the VAT: a run first looks for a top-level Odoo partner with the same
(normalised) VAT and links it; only when there is none does it create one. A run killed after
the create, or an ambiguous timeout, therefore finds the vendor on the next run instead of
making a second one. The bank account is keyed by (partner, sanitized number), which is also
Odoo's own unique constraint.

Decisions:
- Archived Odoo partners count: linking one would leave the vendor hidden, creating a new one
  would duplicate it, so an archived match stops the event for staff (unarchive it in Odoo, retry).
- Two top-level active partners with the same VAT: Odoo already holds a duplicate; staff pick.
- An Odoo vendor already bound to another portal company is never bound again (unique column).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.odoo.bills import ExportConflict
from app.odoo.client import OdooClient
from app.partners.models import Partner, PartnerBankAccount

log = logging.getLogger("rebar.odoo.vendors")

PARTNER = "res.partner"
BANK = "res.partner.bank"
RES_BANK = "res.bank"
COUNTRY = "res.country"
STATE = "res.country.state"
SUPPLIER_CONTEXT = {"res_partner_search_mode": "supplier"}
ANY_ACTIVE = ("active", "in", [True, False])


class VendorConflict(ExportConflict):
    """Odoo's or the portal's data stop the vendor from being linked safely; staff must act."""


@dataclass(frozen=True)
class VendorLink:
    odoo_id: int
    created: bool


def normalize_vat(vat: str | None) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", vat or "").upper()


def vat_matches(odoo_vat: Any, tax_id: str | None, country_code: str | None) -> bool:
    """Same VAT, with or without the ISO country prefix Odoo stores for EU numbers."""
    theirs, ours = normalize_vat(odoo_vat or ""), normalize_vat(tax_id)
    prefix = (country_code or "").upper()
    if not ours or not theirs:
        return False
    return theirs == ours or theirs == prefix + ours or prefix + theirs == ours


def sanitize_account_number(number: str) -> str:
    """Odoo's res.partner.bank sanitized_acc_number."""
    return re.sub(r"\W+", "", number or "").upper()


def vendor_values(partner: Partner, country_id: int | None, state_id: int | None) -> dict[str, Any]:
    """Odoo res.partner values for a portal partner (a shared, company-less vendor)."""
    return {
        "name": partner.name,
        "is_company": True,
        "vat": (partner.tax_id or "").strip(),
        "street": partner.street or False,
        "street2": partner.street2 or False,
        "city": partner.city or False,
        "zip": partner.zip_code or False,
        "country_id": country_id or False,
        "state_id": state_id or False,
        "email": partner.contact_email or False,
        "phone": partner.contact_phone or False,
        "company_id": False,
    }


def bank_values(account: PartnerBankAccount, odoo_partner_id: int, bank_id: int | None = None) -> dict[str, Any]:
    """allow_out_payment stays False: Odoo's 'trusted account' switch is AP's own control."""
    values = {"acc_number": account.account_number, "partner_id": odoo_partner_id,
              "acc_holder_name": account.account_holder}
    return {**values, "bank_id": bank_id} if bank_id else values


def ensure_vendor(client: OdooClient, partner: Partner) -> VendorLink:
    """The Odoo vendor of `partner`: the bound one, the one with its VAT, or a new one.
    The caller binds the result at once (before any other call to Odoo)."""
    if partner.odoo_partner_id:
        return VendorLink(partner.odoo_partner_id, created=False)
    if not normalize_vat(partner.tax_id):
        raise VendorConflict(f"{partner.name} has no tax ID: the vendor cannot be matched in Odoo "
                             "safely. Add the tax ID to the company, then retry.")
    existing = _vendor_with_vat(client, partner)
    if existing is not None:
        _check_not_bound_elsewhere(partner, existing)
        log.info("linking portal partner %s to existing Odoo vendor %s", partner.id, existing["id"])
        return VendorLink(existing["id"], created=False)
    country_id, state_id = _country_and_state(client, partner)
    odoo_id = client.create(PARTNER, vendor_values(partner, country_id, state_id),
                            context=SUPPLIER_CONTEXT)
    log.info("created Odoo vendor %s for portal partner %s", odoo_id, partner.id)
    return VendorLink(odoo_id, created=True)


def _vendor_with_vat(client: OdooClient, partner: Partner) -> dict | None:
    """Odoo cannot search a normalised VAT, so every top-level partner with a VAT is read
    (a few fields, once per onboarding) and compared here."""
    rows = client.search_read(PARTNER, [("parent_id", "=", False), ("vat", "!=", False), ANY_ACTIVE],
                              ["name", "vat", "active"], order="id asc")
    matches = [r for r in rows if vat_matches(r["vat"], partner.tax_id, partner.country_code)]
    active = [r for r in matches if r["active"]]
    if len(active) > 1:
        listed = ", ".join(f"'{r['name']}' (id {r['id']})" for r in active)
        raise VendorConflict(f"Odoo has several vendors with tax ID {partner.tax_id}: {listed}. "
                             "Merge or archive the duplicates in Odoo, then retry.")
    if active:
        return active[0]
    if matches:
        archived = matches[0]
        raise VendorConflict(f"Odoo's vendor '{archived['name']}' (id {archived['id']}) has tax ID "
                             f"{partner.tax_id} but is archived. Unarchive it in Odoo, then retry.")
    return None


def _check_not_bound_elsewhere(partner: Partner, vendor: dict) -> None:
    other = db.session.scalar(select(Partner).where(Partner.odoo_partner_id == vendor["id"],
                                                    Partner.is_sandbox.is_(partner.is_sandbox),
                                                    Partner.id != partner.id))
    if other is not None:
        raise VendorConflict(
            f"Tax ID {partner.tax_id} belongs to Odoo vendor '{vendor['name']}' (id {vendor['id']}), "
            f"which is already linked to the portal company '{other.name}' (#{other.id}). Two portal "
            "companies cannot share one Odoo vendor: check which registration is genuine.")


def _country_and_state(client: OdooClient, partner: Partner) -> tuple[int | None, int | None]:
    if not partner.country_code:
        return None, None
    countries = client.search(COUNTRY, [("code", "=", partner.country_code.upper())], limit=1)
    if not countries:
        raise VendorConflict(f"Odoo has no country with code {partner.country_code}.")
    if not partner.state_region:
        return countries[0], None
    region = partner.state_region.strip()
    states = client.search(STATE, [("country_id", "=", countries[0]), "|", ("code", "=ilike", region),
                                   ("name", "=ilike", region)], limit=2)
    return countries[0], states[0] if len(states) == 1 else None


def ensure_bank_account(client: OdooClient, account: PartnerBankAccount, odoo_partner_id: int) -> int:
    """The res.partner.bank of `account` on the vendor: found by (partner, sanitized number),
    reactivated if archived (Odoo's unique constraint counts archived rows), else created."""
    if account.odoo_bank_id:
        return account.odoo_bank_id
    domain = [("partner_id", "=", odoo_partner_id),
              ("sanitized_acc_number", "=", sanitize_account_number(account.account_number)), ANY_ACTIVE]
    existing = client.search_read(BANK, domain, ["active"], order="id asc", limit=1)
    if existing:
        bank_id = existing[0]["id"]
        if not existing[0]["active"]:
            client.write(BANK, [bank_id], {"active": True})
    else:
        bank_id = client.create(BANK, bank_values(account, odoo_partner_id, _res_bank(client, account)))
    log.info("portal bank account %s is Odoo res.partner.bank %s", account.id, bank_id)
    return bank_id


def _res_bank(client: OdooClient, account: PartnerBankAccount) -> int | None:
    """The res.bank the applicant named (found by name and country, else created), so AP sees
    which bank the money goes to."""
    name = (account.bank_name or "").strip()
    if not name:
        return None
    countries = client.search(COUNTRY, [("code", "=", account.country_code.upper())], limit=1)
    where = [("country", "=", countries[0])] if countries else []
    found = client.search(RES_BANK, [("name", "=ilike", name), *where], limit=1)
    if found:
        return found[0]
    return client.create(RES_BANK, {"name": name, **({"country": countries[0]} if countries else {})})
