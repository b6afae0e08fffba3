from flask import Blueprint, abort, render_template
from flask_login import current_user

from app.auth.access import partner_required
from app.purchasing.services import (PurchaseOrderNotFound, get_partner_purchase_order,
                                     last_checked_at, line_balances, partner_purchase_orders)

bp = Blueprint("purchasing", __name__)


@bp.route("/purchase-orders")
@partner_required
def list_purchase_orders():
    return render_template("purchasing/list.html",
                           purchase_orders=partner_purchase_orders(current_user.partner_id),
                           last_checked=last_checked_at(current_user.partner_id))


@bp.route("/purchase-orders/<id:purchase_order_id>")
@partner_required
def show_purchase_order(purchase_order_id: int):
    try:
        order = get_partner_purchase_order(current_user.partner_id, purchase_order_id)
    except PurchaseOrderNotFound:
        abort(404)
    return render_template("purchasing/show.html", order=order, balances=line_balances(order),
                           last_checked=last_checked_at(current_user.partner_id))
