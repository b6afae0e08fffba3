import pytest

from app.config import UnsafeProductionConfig, check_production_safety, load_config


def test_production_refuses_development_defaults():
    with pytest.raises(UnsafeProductionConfig) as info:
        check_production_safety(load_config({"REBAR_ENV": "production"}))
    message = str(info.value)
    for problem in ("SECRET_KEY", "API_KEY_PEPPER", "sandbox", "SESSION_COOKIE_SECURE",
                    "DATA_ENCRYPTION_KEYS", "PUBLIC_BASE_URL"):
        assert problem in message


def test_production_starts_when_configured():
    config = load_config({"REBAR_ENV": "production", "SECRET_KEY": "s" * 40, "API_KEY_PEPPER": "p" * 40,
                          "ODOO_URL": "https://erp.example.com", "SESSION_COOKIE_SECURE": "1",
                          "DATA_ENCRYPTION_KEYS": "k" * 43 + "=", "PUBLIC_BASE_URL": "https://portal.example.com"})
    check_production_safety(config)
    assert config["RQ_QUEUE"] == "rebar" and config["REMEMBER_COOKIE_SECURE"] is True
