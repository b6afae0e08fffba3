from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from app.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from app.forms import PortalForm

_NEW_PASSWORD_HINT = _l("At least %(count)d characters. A few unrelated words work well; "
                        "common passwords and your e-mail address are refused.", count=MIN_PASSWORD_LENGTH)


def _new_password(label):
    return PasswordField(label, validators=[DataRequired(_l("Enter a new password.")),
                                            Length(max=MAX_PASSWORD_LENGTH)],
                         render_kw={"autocomplete": "new-password"}, description=_NEW_PASSWORD_HINT)


def _code_field(label=None):
    return StringField(label or _l("Code"), validators=[DataRequired(_l("Enter the code.")), Length(max=40)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                                  "spellcheck": "false", "autocapitalize": "off", "size": 12})


class ForgotPasswordForm(PortalForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Enter your e-mail address.")),
                                                        Length(max=320)],
                       render_kw={"autocomplete": "email", "spellcheck": "false"})
    submit = SubmitField(_l("Send reset link"))


class ResetPasswordForm(PortalForm):
    password = _new_password(_l("New password"))
    submit = SubmitField(_l("Set new password"))


class ChangePasswordForm(PortalForm):
    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(_l("Enter your current password."))],
                                     render_kw={"autocomplete": "current-password"})
    new_password = _new_password(_l("New password"))
    submit = SubmitField(_l("Change password"))


class TwoFactorCodeForm(PortalForm):
    code = _code_field(_l("Code from your authenticator app, or a recovery code"))
    submit = SubmitField(_l("Continue"))


class EnrollForm(PortalForm):
    code = _code_field(_l("6-digit code from your app"))
    submit = SubmitField(_l("Turn on two-step verification"))


class ConfirmWithCodeForm(PortalForm):
    code = _code_field(_l("6-digit code from your app"))


class StaffTwoFactorResetForm(PortalForm):
    email = EmailField(_l("User's e-mail address"), validators=[DataRequired(_l("Enter an e-mail address.")),
                                                               Length(max=320)],
                       render_kw={"autocomplete": "off", "spellcheck": "false"})
    submit = SubmitField(_l("Reset two-step verification"))


class EmptyForm(PortalForm):
    """CSRF only."""
