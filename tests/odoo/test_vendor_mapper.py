"""The pure part of the vendor exporter: VAT matching, bank number sanitising, Odoo values."""
import pytest

from app.odoo.vendors import sanitize_account_number, vat_matches, vendor_values
from app.partners.models import Partner


@pytest.mark.parametrize("odoo_vat, tax_id, country, expected", [
    ("US-84-5550123", "84-5550123", "US", True),
    ("US-84-5550123", " us 84 555 0123 ", "US", True),
    ("DE811907980", "811907980", "DE", True),
    ("811907980", "DE 811 907 980", "DE", True),
    ("DE811907980", "811907980", "FR", False),
    ("US-84-5550123", "84-5550124", "US", False),
    (False, "84-5550123", "US", False),
    ("US-84-5550123", "", "US", False),
    ("US-84-5550123", None, None, False),
])
def test_vat_matching_ignores_separators_case_and_the_country_prefix(odoo_vat, tax_id, country, expected):
    assert vat_matches(odoo_vat, tax_id, country) is expected


def test_account_numbers_are_sanitised_like_odoo():
    assert sanitize_account_number("de89 3704-0044.0532 013000") == "DE89370400440532013000"
    assert sanitize_account_number("") == ""


def test_vendor_values_are_a_shared_company_with_false_for_blanks():
    partner = Partner(name="Cobalt <Steel>", tax_id=" 84-9990001 ", country_code="US", street="1 Main",
                      street2=None, city="Denver", zip_code="80216", contact_email=None, contact_phone="")
    assert vendor_values(partner, 233, None) == {
        "name": "Cobalt <Steel>", "is_company": True, "vat": "84-9990001", "street": "1 Main",
        "street2": False, "city": "Denver", "zip": "80216", "country_id": 233, "state_id": False,
        "email": False, "phone": False, "company_id": False}
