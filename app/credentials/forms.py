from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.credentials.policy import NetworkListError, parse_networks
from app.credentials.self_service import expiry_problem
from app.database import utcnow
from app.forms import PortalForm

SCOPE_LABELS = {
    "purchase_orders:read": _l("Read purchase orders"),
    "invoices:read": _l("Read invoices"),
    "invoices:write": _l("Submit and cancel invoices"),
    "documents:write": _l("Upload documents"),
    "webhooks:manage": _l("Manage webhooks"),
    "profile:read": _l("Read the company profile"),
}
GRACE_LABELS = [("none", _l("None: the old secret stops now")), ("1h", _l("1 hour")),
                ("24h", _l("24 hours")), ("7d", _l("7 days"))]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:
        """Unknown values are an error message, never a 500."""
        known = {str(value) for value, _label in (self.choices or [])}
        if any(str(value) not in known for value in self.data or []):
            raise ValidationError(_l("Choose from the list."))


class CreateKeyForm(PortalForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Give the key a name.")), Length(max=200)],
                       description=_l("What uses the key, e.g. “ERP invoice export”."),
                       render_kw={"autocomplete": "off"})
    scopes = CheckboxesField(_l("Scopes"), choices=[])
    test_mode = BooleanField(_l("Test key (rbr_test_…)"),
                             description=_l("Works only with test data in the Odoo sandbox: sample purchase "
                                            "orders, and invoices that never reach the real books."))
    purchase_orders = CheckboxesField(_l("Purchase orders"), choices=[], coerce=int)
    projects = CheckboxesField(_l("Projects"), choices=[])
    expires_on = DateField(_l("Expires on"),
                           validators=[InputRequired(_l("Choose the date the key stops working."))],
                           description=_l("Required. The key stops working at the end of this day (UTC)."))
    allowed_networks = TextAreaField(_l("Allowed IP addresses (optional)"),
                                     validators=[Length(max=5000)],
                                     description=_l("One IP address or CIDR range per line, e.g. 203.0.113.7 "
                                                    "or 203.0.113.0/24. Leave empty to allow any address."),
                                     render_kw={"rows": 4, "spellcheck": "false"})

    def validate_scopes(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Choose at least one scope."))

    def validate_expires_on(self, field) -> None:
        if field.process_errors:  # not a date: WTForms already said so
            return
        problem = expiry_problem(field.data, utcnow().date())
        if problem:
            raise ValidationError(problem)

    def validate_allowed_networks(self, field) -> None:
        try:
            self.networks = parse_networks(field.data or "")
        except NetworkListError as error:
            raise ValidationError(str(error)) from None


class RotateKeyForm(PortalForm):
    grace = SelectField(_l("The old secret keeps working for"), choices=GRACE_LABELS, default="24h",
                        validators=[DataRequired()])


class StaffKeyFilterForm(PortalForm):
    class Meta:
        csrf = False

    company = SelectField(_l("Company"), choices=[], validators=[Optional()])
    status = SelectField(_l("Status"), choices=[("", _l("Any")), ("active", _l("Active")),
                                                ("expiring", _l("Expiring soon")), ("rotating", _l("Rotating")),
                                                ("expired", _l("Expired")), ("revoked", _l("Revoked"))],
                         validators=[Optional()])


class ActionForm(PortalForm):
    """CSRF only."""
