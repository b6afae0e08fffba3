from flask import jsonify

from app.api import bp
from app.api.auth import current_api_key, require_scope
from app.api.errors import problem
from app.api.listing import PURCHASE_ORDER_STATES, purchase_order_page
from app.api.pagination import list_request, page_body
from app.api.schemas import purchase_order_detail, purchase_order_summary
from app.credentials.policy import allowed_purchase_order_filter, allows_purchase_order
from app.purchasing.services import (PurchaseOrderNotFound, get_partner_purchase_order,
                                     line_balances)


@bp.get("/purchase-orders")
@require_scope("purchase_orders:read")
def list_purchase_orders():
    query, key = list_request("purchase-orders", PURCHASE_ORDER_STATES), current_api_key()
    rows = purchase_order_page(key.partner_id, after_id=query.page.after_id, limit=query.page.limit,
                               state=query.status, updated_since=query.updated_since,
                               only=allowed_purchase_order_filter(key))
    return jsonify(page_body("purchase-orders", [purchase_order_summary(o) for o in rows[:query.page.limit]],
                             rows, query.page.limit))


@bp.get("/purchase-orders/<id:purchase_order_id>")
@require_scope("purchase_orders:read")
def get_purchase_order(purchase_order_id: int):
    try:
        order = get_partner_purchase_order(current_api_key().partner_id, purchase_order_id)
        if not allows_purchase_order(current_api_key(), order):
            raise PurchaseOrderNotFound(purchase_order_id)
    except PurchaseOrderNotFound:
        return problem(404, "Not Found", "No purchase order with this id.")
    return jsonify(purchase_order_detail(order, line_balances(order)))
