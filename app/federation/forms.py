from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from app.auth.models import Role
from app.forms import PortalForm


class ConfirmLinkForm(PortalForm):
    password = PasswordField(_l("Your Rebar password"), validators=[DataRequired(_l("Enter your password."))],
                             render_kw={"autocomplete": "current-password"})
    code = StringField(_l("Code from your authenticator app"), validators=[Optional(), Length(max=20)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})
    submit = SubmitField(_l("Link and sign in"))


class IdentityProviderForm(PortalForm):
    issuer = StringField(_l("Issuer URL"), validators=[DataRequired(_l("Enter the issuer URL.")), Length(max=500)],
                      description=_l("The address your provider publishes "
                                     "/.well-known/openid-configuration under, e.g. https://login.example.com"),
                      render_kw={"spellcheck": "false", "inputmode": "url", "autocomplete": "off"})
    client_id = StringField(_l("Client ID"), validators=[DataRequired(_l("Enter the client ID.")), Length(max=255)],
                            render_kw={"spellcheck": "false", "autocomplete": "off"})
    client_secret = PasswordField(_l("Client secret"), validators=[Optional(), Length(max=2000)],
                                  description=_l("Leave empty to keep the secret you saved before."),
                                  render_kw={"autocomplete": "new-password"})
    jit_role = SelectField(_l("New colleagues who sign in through it"), choices=[
        ("", _l("Need an invitation first")),
        (Role.PARTNER_VIEWER.value, _l("Get an account as Viewer")),
        (Role.PARTNER_BILLING.value, _l("Get an account as Billing"))], default="")
    submit = SubmitField(_l("Save"))


class DomainForm(PortalForm):
    domain = StringField(_l("E-mail domain"), validators=[DataRequired(_l("Enter a domain name.")), Length(max=253)],
                         render_kw={"spellcheck": "false", "placeholder": "example.com"})
    submit = SubmitField(_l("Add domain"))


class DomainEmailForm(PortalForm):
    address = EmailField(_l("Send a confirmation link to"),
                         validators=[DataRequired(_l("Enter an address at the domain.")), Length(max=320)],
                         render_kw={"spellcheck": "false"})
    submit = SubmitField(_l("Send link"))


class ActionForm(PortalForm):
    """CSRF only."""
