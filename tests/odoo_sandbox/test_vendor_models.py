"""res.partner as a vendor, res.partner.bank, res.country: what the sandbox accepts and refuses
(Odoo source: base/models/res_partner.py, res_bank.py, res_country.py; account/models/partner.py)."""
from __future__ import annotations

import xmlrpc.client

import pytest

SUPPLIER = {"context": {"res_partner_search_mode": "supplier"}}
UNIQUE_MESSAGE = "The operation cannot be completed: The combination Account Number/Partner must be unique."


def fault_of(call, *args, **kwargs) -> xmlrpc.client.Fault:
    with pytest.raises(xmlrpc.client.Fault) as caught:
        call(*args, **kwargs)
    return caught.value


def last_line(fault: xmlrpc.client.Fault) -> str:
    return [line for line in fault.faultString.splitlines() if line.strip()][-1]


def vendor(odoo, **values) -> int:
    return odoo.execute("res.partner", "create", {"name": "Cobalt Steel", "is_company": True,
                                                  "vat": "US-84-9990001", **values}, **SUPPLIER)


@pytest.mark.parametrize("flavour", ["19", "17"])
def test_supplier_search_mode_gives_rank_one_unless_a_rank_is_sent(start_sandbox, flavour):
    odoo = start_sandbox(flavour)
    created = vendor(odoo)
    plain = odoo.execute("res.partner", "create", {"name": "Walk-in customer"})
    explicit = vendor(odoo, name="Ranked", supplier_rank=4)
    ranks = {r["id"]: r["supplier_rank"] for r in odoo.execute(
        "res.partner", "read", [created, plain, explicit], fields=["supplier_rank"])}
    assert ranks == {created: 1, plain: 0, explicit: 4}


@pytest.mark.parametrize("flavour", ["19", "17"])
def test_vendor_address_country_state_and_banks_read_like_odoo(start_sandbox, flavour):
    odoo = start_sandbox(flavour)
    [us] = odoo.execute("res.country", "search", [["code", "=", "US"]])
    [colorado] = odoo.execute("res.country.state", "search", [["country_id", "=", us], ["code", "=ilike", "co"]])
    partner_id = vendor(odoo, street="1 Main St", street2="Unit 4", city="Denver", zip="80216",
                        country_id=us, state_id=colorado, company_id=False)
    bank_id = odoo.execute("res.partner.bank", "create",
                           {"acc_number": "de89 3704-0044 0532", "partner_id": partner_id})
    [row] = odoo.execute("res.partner", "read", [partner_id],
                         fields=["country_id", "state_id", "street2", "bank_ids", "commercial_partner_id",
                                 "company_id", "email"])
    assert row["country_id"] == [us, "United States"] and row["state_id"] == [colorado, "Colorado (US)"]
    assert row["bank_ids"] == [bank_id] and row["commercial_partner_id"][0] == partner_id
    assert (row["street2"], row["company_id"], row["email"]) == ("Unit 4", False, False)
    [bank] = odoo.execute("res.partner.bank", "search_read", [["sanitized_acc_number", "=", "DE89370400440532"]],
                          fields=["acc_number", "partner_id", "allow_out_payment", "active", "company_id"])
    assert bank["acc_number"] == "de89 3704-0044 0532" and bank["partner_id"][0] == partner_id
    assert (bank["allow_out_payment"], bank["active"], bank["company_id"]) == (False, True, False)


@pytest.mark.parametrize("flavour", ["19", "17"])
def test_same_sanitized_number_twice_on_one_partner_is_refused_even_if_archived(start_sandbox, flavour):
    odoo = start_sandbox(flavour)
    partner_id, other_id = vendor(odoo), vendor(odoo, name="Other", vat="US-84-9990002")
    first = odoo.execute("res.partner.bank", "create", {"acc_number": "US11 2222", "partner_id": partner_id})
    fault = fault_of(odoo.execute, "res.partner.bank", "create", {"acc_number": "us112222", "partner_id": partner_id})
    assert (fault.faultCode, fault.faultString) == (2, UNIQUE_MESSAGE)
    odoo.execute("res.partner.bank", "write", [first], {"active": False})
    fault = fault_of(odoo.execute, "res.partner.bank", "create", {"acc_number": "US112222", "partner_id": partner_id})
    assert fault.faultCode == 2
    odoo.execute("res.partner.bank", "create", {"acc_number": "US112222", "partner_id": other_id})
    assert len([b for b in odoo.state()["partner_banks"] if b["sanitized_acc_number"] == "US112222"]) == 2


def test_unique_bank_number_over_json2_and_jsonrpc(odoo19):
    odoo19.execute("res.partner.bank", "create", {"acc_number": "4471 0023 9910 X", "partner_id": 45})
    answer = odoo19.json2("res.partner.bank", "create",
                          {"vals_list": [{"acc_number": "447100239910X", "partner_id": 45}]})
    assert (answer.status, answer.json()["name"], answer.json()["message"]) == (
        422, "odoo.exceptions.ValidationError", UNIQUE_MESSAGE)
    error = odoo19.jsonrpc("res.partner.bank", "create", [{"acc_number": "447100239910", "partner_id": 45}])["error"]
    assert error["data"]["name"] == "odoo.exceptions.ValidationError"


@pytest.mark.parametrize("flavour", ["19", "17"])
def test_bank_required_fields_types_and_unknown_fields_are_refused(start_sandbox, flavour):
    odoo = start_sandbox(flavour)
    banks_before = odoo.state()["partner_banks"]
    fault = fault_of(odoo.execute, "res.partner.bank", "create", {"partner_id": 45})
    assert fault.faultCode == 2 and "(acc_number)" in fault.faultString
    fault = fault_of(odoo.execute, "res.partner.bank", "create", {"acc_number": "123"})
    assert fault.faultCode == 2 and "(partner_id)" in fault.faultString
    fault = fault_of(odoo.execute, "res.partner.bank", "create", {"acc_number": "123", "partner_id": "Acme"})
    assert fault.faultCode == 1 and "Wrong value for res.partner.bank.partner_id" in last_line(fault)
    fault = fault_of(odoo.execute, "res.partner.bank", "create", {"acc_number": "123", "partner_id": 9999})
    assert fault.faultCode == 2 and "Record does not exist" in fault.faultString
    fault = fault_of(odoo.execute, "res.partner.bank", "create",
                     {"acc_number": "123", "partner_id": 45, "routing_number": "102000021"})
    assert last_line(fault) == "ValueError: Invalid field 'routing_number' on model 'res.partner.bank'"
    fault = fault_of(odoo.execute, "res.partner", "create", {"name": "X", "country_id": "US"})
    assert fault.faultCode == 1
    fault = fault_of(odoo.execute, "res.partner", "create", {"is_company": True})
    assert fault.faultCode == 2 and "(name)" in fault.faultString
    assert odoo.state()["partner_banks"] == banks_before


def test_seed_has_a_vendor_to_link_by_vat_and_an_archived_one(odoo19):
    vendors = {v["id"]: v for v in odoo19.state()["vendors"]}
    assert vendors[48]["vat"] == "US-84-5550123" and vendors[48]["active"] is True
    assert vendors[49]["active"] is False
    assert odoo19.execute("res.partner", "search", [["vat", "=", "DE811907980"]]) == []
    assert odoo19.execute("res.partner", "search", [["vat", "=", "DE811907980"], ["active", "in", [True, False]]]) == [49]
