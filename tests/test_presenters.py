import pytest

from app.i18n import possessive


@pytest.mark.parametrize("name, expected", [("Acme", "Acme's"), ("Summit Builders", "Summit Builders'"),
                                            ("Summit Builders Inc.", "Summit Builders Inc.'s"),
                                            ("HOLLIS", "HOLLIS'")])
def test_possessive_of_company_names(name, expected):
    assert possessive(name) == expected
