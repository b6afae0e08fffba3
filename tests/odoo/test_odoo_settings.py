from __future__ import annotations

import pytest

from app.odoo.settings import OdooSettings

API_KEY = "b17792e6a7014c460d71f40f03958b746945df13"
MAPPING = {
    "ODOO_URL": "https://odoo.example.test/",
    "ODOO_DB": "portal_test",
    "ODOO_LOGIN": "bot@example.test",
    "ODOO_API_KEY": API_KEY,
    "ODOO_PROTOCOL": "JSON2",
    "ODOO_TIMEOUT": "2.5",
}


def test_from_mapping_reads_and_normalises_every_key() -> None:
    settings = OdooSettings.from_mapping(MAPPING)

    assert settings == OdooSettings(
        url="https://odoo.example.test",
        db="portal_test",
        login="bot@example.test",
        api_key=API_KEY,
        protocol="json2",
        timeout=2.5,
    )


def test_protocol_and_timeout_have_defaults() -> None:
    mapping = {key: value for key, value in MAPPING.items() if key not in ("ODOO_PROTOCOL", "ODOO_TIMEOUT")}

    settings = OdooSettings.from_mapping(mapping)

    assert (settings.protocol, settings.timeout) == ("auto", 15.0)


def test_missing_keys_are_named_without_showing_values() -> None:
    with pytest.raises(ValueError) as raised:
        OdooSettings.from_mapping({"ODOO_URL": "http://x", "ODOO_API_KEY": API_KEY})

    assert "ODOO_DB" in str(raised.value) and "ODOO_LOGIN" in str(raised.value)
    assert API_KEY not in str(raised.value)


@pytest.mark.parametrize(("key", "value"), [("ODOO_PROTOCOL", "jsonrpc"), ("ODOO_TIMEOUT", "0")])
def test_invalid_values_are_refused(key, value) -> None:
    with pytest.raises(ValueError):
        OdooSettings.from_mapping({**MAPPING, key: value})


def test_repr_and_str_never_show_the_api_key() -> None:
    settings = OdooSettings.from_mapping(MAPPING)

    for text in (repr(settings), str(settings), f"{settings}", f"{settings!r}"):
        assert API_KEY not in text
        assert "portal_test" in text
