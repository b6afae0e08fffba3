from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.forms import PortalForm


class OAuthClientForm(PortalForm):
    """The view sets `scopes.choices` to what the signed-in user's role may grant."""

    name = StringField(_l("Name"), validators=[DataRequired(_l("Name the client, e.g. the system that uses it.")),
                                              Length(max=200)],
                       description=_l("For you: e.g. \"ERP production\"."))
    scopes = SelectMultipleField(_l("Scopes"), choices=[], widget=ListWidget(prefix_label=False),
                                 option_widget=CheckboxInput())

    def validate_scopes(self, field: SelectMultipleField) -> None:
        # Not DataRequired: it would mark every checkbox `required`, i.e. all of them.
        if not field.data:
            raise ValidationError(_l("Choose at least one scope."))


class ActionForm(PortalForm):
    """CSRF only."""
