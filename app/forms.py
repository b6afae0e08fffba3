"""The portal's base form: what every form checks beyond its own fields."""
from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField

ONE_LINE_MESSAGE = _l("Use one line of plain text: no line breaks, tabs or other control characters.")
_TEXT_AREA_ALLOWED = frozenset("\n\r\t")


def has_control_characters(text: str, allowed: frozenset[str] = frozenset()) -> bool:
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)


class PortalForm(FlaskForm):
    """One-line text fields refuse control characters (line breaks, tabs, NUL…): names and
    numbers travel into e-mail subjects, file names, Odoo and PDFs. Text areas keep line
    breaks and tabs; passwords are left alone."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if not isinstance(field, StringField) or isinstance(field, PasswordField) \
                    or not isinstance(field.data, str):
                continue
            allowed = _TEXT_AREA_ALLOWED if isinstance(field, TextAreaField) else frozenset()
            if has_control_characters(field.data, allowed):
                field.errors = [*field.errors, str(ONE_LINE_MESSAGE)]
                valid = False
        return valid
