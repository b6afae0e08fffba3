"""Format checks for tax ids and bank details, by country (python-stdnum)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from stdnum import iban
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError
from stdnum.us import ein, rtn

EU_COUNTRIES = {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
                "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"}
COUNTRIES = {"US": "United States", "CA": "Canada", "GB": "United Kingdom", "AT": "Austria",
             "BE": "Belgium", "DE": "Germany", "DK": "Denmark", "ES": "Spain", "FI": "Finland",
             "FR": "France", "IE": "Ireland", "IT": "Italy", "LU": "Luxembourg", "NL": "Netherlands",
             "PL": "Poland", "PT": "Portugal", "SE": "Sweden", "CH": "Switzerland", "MX": "Mexico"}


class FieldInvalid(ValueError):
    """`field` names the form field; the message is for the applicant."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def normalize_tax_id(country: str, value: str) -> str:
    value = (value or "").strip().upper()
    if not value:
        raise FieldInvalid("tax_id", _("Enter your company's tax id."))
    try:
        if country == "US":
            return ein.format(ein.validate(value))
        if country in EU_COUNTRIES:
            prefixed = value if value[:2].isalpha() else ("EL" if country == "GR" else country) + value
            return eu_vat.compact(eu_vat.validate(prefixed))
        if country == "GB":
            from stdnum.gb import vat as gb_vat
            return gb_vat.compact(gb_vat.validate(value))
        if country == "CA":
            from stdnum.ca import bn
            return bn.compact(bn.validate(value))
    except ValidationError:
        raise FieldInvalid("tax_id", _tax_id_message(country)) from None
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9 .\-/]{3,48}", value):
        raise FieldInvalid("tax_id", _("Enter the tax id with letters and digits only."))
    return value


def _tax_id_message(country: str) -> str:
    if country == "US":
        return _("This is not a valid US EIN. It has 9 digits, like 12-3456789.")
    if country in EU_COUNTRIES:
        return _("This is not a valid EU VAT number for %(country)s (for example %(example)s).",
                 country=COUNTRIES.get(country, country), example=f"{country}123456789")
    if country == "GB":
        return _("This is not a valid UK VAT number (for example GB980780684).")
    if country == "CA":
        return _("This is not a valid Canadian business number (9 digits).")
    return _("This tax id is not valid.")


@dataclass(frozen=True)
class BankDetails:
    account_holder: str
    bank_name: str | None
    country_code: str
    account_number: str
    routing_number: str | None

    @property
    def last4(self) -> str:
        return self.account_number[-4:]


def check_bank_details(country: str, holder: str, bank_name: str | None, account_number: str,
                       routing_number: str | None) -> BankDetails:
    holder = (holder or "").strip()
    if not holder:
        raise FieldInvalid("account_holder", _("Enter the name the account is held in."))
    routing = check_routing_number(country, routing_number)
    compact_number = check_account_number(country, account_number)
    return BankDetails(holder, bank_name or None, country, compact_number, routing)


def check_routing_number(country: str, routing_number: str | None) -> str | None:
    """The compact ABA routing number for a US bank; None elsewhere (IBANs carry the bank)."""
    if country != "US":
        return None
    routing = re.sub(r"[\s\-]", "", routing_number or "")
    if not rtn.is_valid(routing):
        raise FieldInvalid("routing_number", _("This is not a valid ABA routing number "
                                               "(9 digits, printed at the bottom left of a cheque)."))
    return routing


def check_account_number(country: str, account_number: str | None) -> str:
    """The compact account number: 4 to 17 digits for a US bank, a valid IBAN elsewhere."""
    compact_number = re.sub(r"[\s\-]", "", account_number or "").upper()
    if country == "US":
        if not re.fullmatch(r"\d{4,17}", compact_number):
            raise FieldInvalid("account_number", _("A US account number has 4 to 17 digits."))
        return compact_number
    try:
        return iban.validate(compact_number)
    except ValidationError:
        raise FieldInvalid("account_number", _("This is not a valid IBAN. Check the letters and "
                                               "digits against your bank statement.")) from None
