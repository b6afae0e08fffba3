"""Locale choice and locale-aware formatting of money, quantities and dates."""
from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_currency, format_decimal, get_currency_precision
from flask import Flask, has_request_context, request
from flask_babel import Babel, format_date, format_datetime, get_locale

SUPPORTED_LOCALES = ("en", "es")


def select_locale() -> str:
    if not has_request_context():
        return "en"
    return request.accept_languages.best_match(SUPPORTED_LOCALES) or "en"


def currency_precision(currency_code: str) -> int:
    try:
        return get_currency_precision(currency_code)
    except Exception:
        return 2


def round_money(amount: Decimal, currency_code: str) -> Decimal:
    """Round to the currency's minor unit, half up, as accounting does."""
    exponent = Decimal(1).scaleb(-currency_precision(currency_code))
    return amount.quantize(exponent, rounding=ROUND_HALF_UP)


def money(amount: Decimal | None, currency_code: str) -> str:
    if amount is None:
        return ""
    return format_currency(amount, currency_code, locale=str(get_locale()))


def quantity(value: Decimal | None) -> str:
    if value is None:
        return ""
    return format_decimal(value.normalize() if value == value.to_integral() else value,
                          format="#,##0.####", locale=str(get_locale()))


def human_date(value: date | None) -> str:
    return format_date(value, "d MMM y") if value else ""


def human_datetime(value: datetime | None) -> str:
    return format_datetime(value, "d MMM y, HH:mm zzz") if value else ""


def possessive(name: str) -> str:
    """English possessive of a company name: "Acme's", "Summit Builders'"."""
    return f"{name}'" if name.endswith(("s", "S")) else f"{name}'s"


def init_i18n(app: Flask, babel: Babel) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters.update(
        money=money, quantity=quantity, human_date=human_date, human_datetime=human_datetime,
        possessive=possessive)
