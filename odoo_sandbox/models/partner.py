"""Vendor master data: bank accounts (res.partner.bank), banks, countries and states."""
from __future__ import annotations

import re
from typing import Any

from .. import fields as F
from ..errors import ValidationError
from ..orm import BaseModel


def sanitize_account_number(acc_number: Any) -> str | bool:
    """Odoo's ``sanitize_account_number``: word characters only, upper case."""
    if not acc_number:
        return False
    return re.sub(r"\W+", "", str(acc_number)).upper()


class ResPartnerBank(BaseModel):
    _name = "res.partner.bank"
    _description = "Bank Accounts"
    _order = "sequence, id"
    _rec_name = "acc_number"
    _company_scoped = True

    @classmethod
    def _declare_fields(cls, flavour: str) -> dict[str, F.Field]:
        return {
            "active": F.boolean("Active"),
            "acc_number": F.char("Account Number", required=True),
            "sanitized_acc_number": F.char("Sanitized Account Number", compute="_compute_sanitized",
                                           readonly=True),
            "acc_holder_name": F.char("Account Holder Name"),
            "partner_id": F.many2one("res.partner", "Account Holder", required=True, ondelete="cascade"),
            "allow_out_payment": F.boolean("Send Money"),
            "bank_id": F.many2one("res.bank", "Bank"),
            "sequence": F.integer("Sequence"),
            "currency_id": F.many2one("res.currency", "Currency"),
            "company_id": F.many2one("res.company", "Company", related=("partner_id", "company_id"),
                                     readonly=True),
        }

    def _default_values(self) -> dict[str, Any]:
        return {"active": True, "allow_out_payment": False, "sequence": 10}

    def _compute_sanitized(self, record: dict[str, Any]) -> Any:
        return sanitize_account_number(record.get("acc_number"))

    def _after_create(self, record: dict[str, Any], vals: dict[str, Any]) -> None:
        self._check_unique_number(record)

    def _after_write(self, ids: list[int], vals: dict[str, Any]) -> None:
        for rid in ids:
            self._check_unique_number(self._record(rid))

    def _check_unique_number(self, record: dict[str, Any]) -> None:
        """SQL constraint unique(sanitized_acc_number, partner_id), archived rows included;
        Odoo turns the IntegrityError into this ValidationError."""
        key = (self._compute_sanitized(record), record.get("partner_id"))
        for other in self._all_records():
            if other["id"] != record["id"] and (self._compute_sanitized(other), other.get("partner_id")) == key:
                raise ValidationError("The operation cannot be completed: "
                                      "The combination Account Number/Partner must be unique.")


class ResBank(BaseModel):
    _name = "res.bank"
    _description = "Bank"
    _order = "name, id"

    @classmethod
    def _declare_fields(cls, flavour: str) -> dict[str, F.Field]:
        return {
            "name": F.char("Name", required=True),
            "bic": F.char("Bank Identifier Code"),
            "country": F.many2one("res.country", "Country"),
            "active": F.boolean("Active"),
        }

    def _default_values(self) -> dict[str, Any]:
        return {"active": True}


class ResCountry(BaseModel):
    _name = "res.country"
    _description = "Country"
    _order = "name, id"

    @classmethod
    def _declare_fields(cls, flavour: str) -> dict[str, F.Field]:
        return {
            "name": F.char("Country Name", required=True),
            "code": F.char("Country Code"),
            "state_ids": F.one2many("res.country.state", "country_id", "States"),
        }


class ResCountryState(BaseModel):
    _name = "res.country.state"
    _description = "Country state"
    _order = "code, id"

    @classmethod
    def _declare_fields(cls, flavour: str) -> dict[str, F.Field]:
        return {
            "country_id": F.many2one("res.country", "Country", required=True),
            "name": F.char("State Name", required=True),
            "code": F.char("State Code", required=True),
        }

    def _display_name(self, record: dict[str, Any] | None) -> str:
        if record is None:
            return ""
        country = self.env["res.country"]._record(record.get("country_id")) or {}
        return f"{record.get('name')} ({country.get('code') or ''})"
