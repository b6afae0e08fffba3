from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from app.forms import PortalForm


class LoginForm(PortalForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Enter your e-mail address.")),
                                                        Length(max=320)],
                       render_kw={"autocomplete": "email", "spellcheck": "false"})
    password = PasswordField(_l("Password"), validators=[Optional()],
                             render_kw={"autocomplete": "current-password"})
    step = HiddenField(default="email")
    remember = BooleanField(_l("Keep me signed in on this device"))
    submit = SubmitField(_l("Sign in"))
