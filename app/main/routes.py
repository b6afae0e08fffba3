from flask import Blueprint, redirect, url_for
from flask_login import current_user, login_required

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def home():
    if current_user.is_staff:
        return redirect(url_for("staff.invoices"))
    return redirect(url_for("purchasing.list_purchase_orders"))


@bp.route("/healthz")
def healthz():
    return {"status": "ok"}
