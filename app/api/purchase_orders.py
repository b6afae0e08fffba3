from flask import jsonify

from app.api import bp
from app.api.auth import current_api_key, require_scope
from app.api.errors import problem, query_problem
from app.api.listing import PURCHASE_ORDER_STATES, purchase_order_page
from app.api.pagination import choice_param, page_body, page_request, timestamp_param
from app.api.schemas import purchase_order_detail, purchase_order_summary
from app.credentials.policy import allowed_purchase_order_filter, allows_purchase_order
from app.purchasing.services import (PurchaseOrderNotFound, get_partner_purchase_order,
                                     line_balances)


@bp.get("/purchase-orders")
@require_scope("purchase_orders:read")
def list_purchase_orders():
    errors: dict[str, str] = {}
    page = page_request("purchase-orders", errors)
    state = choice_param("status", PURCHASE_ORDER_STATES, errors)
    updated_since = timestamp_param("updated_since", errors)
    if errors:
        return query_problem(errors)
    key = current_api_key()
    rows = purchase_order_page(key.partner_id, after_id=page.after_id, limit=page.limit, state=state,
                               updated_since=updated_since, only=allowed_purchase_order_filter(key))
    return jsonify(page_body("purchase-orders", [purchase_order_summary(o) for o in rows],
                             rows, page.limit))


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
