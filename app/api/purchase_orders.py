from flask import jsonify

from app.api import bp
from app.api.auth import current_api_key, require_scope
from app.api.errors import problem
from app.purchasing.services import (PurchaseOrderNotFound, get_partner_purchase_order,
                                     line_balances, partner_purchase_orders)
from app.api.schemas import purchase_order_detail, purchase_order_summary


@bp.get("/purchase-orders")
@require_scope("purchase_orders:read")
def list_purchase_orders():
    orders = partner_purchase_orders(current_api_key().partner_id)
    return jsonify({"data": [purchase_order_summary(o) for o in orders]})


@bp.get("/purchase-orders/<id:purchase_order_id>")
@require_scope("purchase_orders:read")
def get_purchase_order(purchase_order_id: int):
    try:
        order = get_partner_purchase_order(current_api_key().partner_id, purchase_order_id)
    except PurchaseOrderNotFound:
        return problem(404, "Not Found", "No purchase order with this id.")
    return jsonify(purchase_order_detail(order, line_balances(order)))
