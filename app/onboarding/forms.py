from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (BooleanField, DateField, EmailField, PasswordField, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from app.forms import PortalForm
from app.onboarding.models import DocumentKind
from app.onboarding.validation import (COUNTRIES, FieldInvalid, check_account_number, check_routing_number,
                                       normalize_tax_id)

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def country_choices() -> list[tuple[str, str]]:
    return [("", _l("Choose a country"))] + sorted(COUNTRIES.items(), key=lambda item: item[1])


def trade_labels() -> dict[str, str]:
    return {"concrete": _l("Concrete"), "electrical": _l("Electrical"), "plumbing": _l("Plumbing"),
            "hvac": _l("Heating, ventilation and air conditioning"), "carpentry": _l("Carpentry"),
            "roofing": _l("Roofing"), "steel": _l("Structural steel"), "masonry": _l("Masonry"),
            "painting": _l("Painting and finishes"), "earthworks": _l("Earthworks"),
            "landscaping": _l("Landscaping"), "materials_supply": _l("Materials supply")}


def document_labels() -> dict[str, str]:
    return {DocumentKind.TAX_FORM.value: _l("Tax form (W-9, W-8 or equivalent)"),
            DocumentKind.INSURANCE.value: _l("Insurance certificate"),
            DocumentKind.LICENCE.value: _l("Trade licence (optional)")}


class RegisterForm(PortalForm):
    company_name = StringField(_l("Company legal name"),
                               validators=[DataRequired(_l("Enter your company's legal name.")), Length(max=200)])
    email = EmailField(_l("Your work e-mail address"),
                       validators=[DataRequired(_l("Enter your e-mail address.")),
                                   Regexp(EMAIL_PATTERN, message=_l("Enter a valid e-mail address.")), Length(max=320)],
                       render_kw={"autocomplete": "email", "spellcheck": "false"})
    password = PasswordField(_l("Choose a password"),
                             validators=[DataRequired(_l("Enter a password.")), Length(max=MAX_PASSWORD_LENGTH)],
                             render_kw={"autocomplete": "new-password"},
                             description=_l("At least %(count)d characters.", count=MIN_PASSWORD_LENGTH))


class CompanyForm(PortalForm):
    name = StringField(_l("Company legal name"), validators=[DataRequired(_l("Enter your company's legal name.")),
                                                              Length(max=200)])
    country_code = SelectField(_l("Country of registration"), choices=country_choices(),
                               validators=[DataRequired(_l("Choose the country."))])
    tax_id = StringField(_l("Tax id"), validators=[DataRequired(_l("Enter your company's tax id.")), Length(max=50)],
                         description=_l("US: EIN (12-3456789). EU: VAT number. UK: VAT number. Canada: business number."))
    street = StringField(_l("Street address"), validators=[DataRequired(_l("Enter the street address.")),
                                                            Length(max=200)])
    street2 = StringField(_l("Address line 2 (optional)"), validators=[Optional(), Length(max=200)])
    city = StringField(_l("City"), validators=[DataRequired(_l("Enter the city.")), Length(max=100)])
    state_region = StringField(_l("State or region"), validators=[Optional(), Length(max=100)])
    zip_code = StringField(_l("ZIP or postal code"), validators=[DataRequired(_l("Enter the postal code.")),
                                                                  Length(max=20)])
    trades = SelectMultipleField(_l("Trades"), choices=list(trade_labels().items()),
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
                                 validators=[DataRequired(_l("Choose at least one trade."))])
    ap_name = StringField(_l("Accounts-payable contact name"),
                          validators=[DataRequired(_l("Enter the accounts-payable contact's name.")), Length(max=200)])
    ap_email = EmailField(_l("Accounts-payable e-mail"),
                          validators=[DataRequired(_l("Enter the accounts-payable e-mail address.")),
                                      Regexp(EMAIL_PATTERN, message=_l("Enter a valid e-mail address.")), Length(max=320)])
    ap_phone = StringField(_l("Accounts-payable phone (optional)"), validators=[Optional(), Length(max=50)])
    site_name = StringField(_l("Site or project contact name (optional)"), validators=[Optional(), Length(max=200)])
    site_email = EmailField(_l("Site contact e-mail (optional)"),
                            validators=[Optional(), Regexp(EMAIL_PATTERN, message=_l("Enter a valid e-mail address.")), Length(max=320)])

    def validate_tax_id(self, field) -> None:
        """Checked with the other fields, so every problem shows in one round."""
        if self.country_code.data and field.data:
            _check(normalize_tax_id, self.country_code.data, field.data)


def _check(rule, *args) -> None:
    try:
        rule(*args)
    except FieldInvalid as invalid:
        raise ValidationError(str(invalid)) from None


class BankForm(PortalForm):
    account_holder = StringField(_l("Account holder"), validators=[DataRequired(_l("Enter the account holder.")),
                                                                    Length(max=200)])
    bank_name = StringField(_l("Bank name (optional)"), validators=[Optional(), Length(max=200)])
    country_code = SelectField(_l("Bank country"), choices=country_choices(),
                               validators=[DataRequired(_l("Choose the bank's country."))])
    routing_number = StringField(_l("ABA routing number (US banks)"), validators=[Length(max=20)],
                                 render_kw={"autocomplete": "off", "inputmode": "numeric"})
    account_number = StringField(_l("Account number or IBAN"),
                                 validators=[DataRequired(_l("Enter the account number or IBAN.")), Length(max=40)],
                                 render_kw={"autocomplete": "off", "spellcheck": "false"},
                                 description=_l("US: the account number. Elsewhere: the IBAN."))

    def validate_routing_number(self, field) -> None:
        if self.country_code.data:
            _check(check_routing_number, self.country_code.data, field.data)

    def validate_account_number(self, field) -> None:
        if self.country_code.data and field.data:
            _check(check_account_number, self.country_code.data, field.data)


class BankChangeForm(BankForm):
    password = PasswordField(_l("Your password"), validators=[Optional(), Length(max=MAX_PASSWORD_LENGTH)],
                             render_kw={"autocomplete": "current-password"},
                             description=_l("Confirm it is you before changing where payments go."))


class DocumentForm(PortalForm):
    kind = SelectField(_l("Document"), choices=list(document_labels().items()),
                       validators=[DataRequired(_l("Choose the kind of document."))])
    expires_on = DateField(_l("Expiry date (insurance certificates)"), validators=[Optional()])
    file = FileField(_l("File (PDF, JPEG or PNG)"), render_kw={"accept": "application/pdf,image/jpeg,image/png"})


class SubmitForm(PortalForm):
    accept_terms = BooleanField(_l("I accept the partner terms and confirm the information is correct."))


class MessageForm(PortalForm):
    message = TextAreaField(_l("Message"), validators=[Optional(), Length(max=4000)])


class ActionForm(PortalForm):
    """CSRF only."""
