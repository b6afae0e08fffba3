from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField, SubmitField
from wtforms.validators import DataRequired, Length

from app.auth.models import Role
from app.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from app.forms import PortalForm


def _role_choices() -> list[tuple[str, str]]:
    return [(Role.PARTNER_VIEWER.value, _l("Viewer: sees purchase orders and invoices")),
            (Role.PARTNER_BILLING.value, _l("Billing: also submits invoices")),
            (Role.PARTNER_OWNER.value, _l("Owner: also manages the team"))]


class InviteForm(PortalForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Enter an e-mail address.")),
                                                        Length(max=320)],
                       render_kw={"autocomplete": "off", "spellcheck": "false"})
    role = SelectField(_l("Role"), choices=_role_choices(), default=Role.PARTNER_VIEWER.value,
                       validators=[DataRequired(_l("Choose a role."))])
    submit = SubmitField(_l("Send invitation"))


class RoleForm(PortalForm):
    role = SelectField(_l("Role"), choices=[(Role.PARTNER_VIEWER.value, _l("Viewer")),
                                           (Role.PARTNER_BILLING.value, _l("Billing")),
                                           (Role.PARTNER_OWNER.value, _l("Owner"))],
                       validators=[DataRequired(_l("Choose a role."))])


class ActionForm(PortalForm):
    """CSRF only."""


class AcceptInvitationForm(PortalForm):
    password = PasswordField(_l("Choose a password"),
                             validators=[DataRequired(_l("Enter a password.")), Length(max=MAX_PASSWORD_LENGTH)],
                             render_kw={"autocomplete": "new-password"},
                             description=_l("At least %(count)d characters. A few unrelated words work well; "
                                            "common passwords and your e-mail address are refused.",
                                            count=MIN_PASSWORD_LENGTH))
    submit = SubmitField(_l("Accept and sign in"))
