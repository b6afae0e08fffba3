from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from app.forms import PortalForm


class CancelDeliveryForm(PortalForm):
    reason = TextAreaField(_l("Reason, shown to the partner"),
                           validators=[DataRequired(_l("Say why, so the partner knows what to fix.")),
                                       Length(max=500, message=_l("Keep it under 500 characters."))],
                           render_kw={"rows": 3, "maxlength": 500})
