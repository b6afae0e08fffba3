"""Odoo's "Send Webhook Notification" automation posts here: a hint to re-read, never the truth."""
from __future__ import annotations

import hmac

from flask import Blueprint, abort, current_app, jsonify, request

from app.database import is_database_id
from app.integration.queue import enqueue_odoo_refresh

bp = Blueprint("odoo_hooks", __name__)
WATCHED_MODELS = ("purchase.order", "account.move")


@bp.post("/hooks/odoo/<secret>")
def odoo_webhook(secret: str):
    """Odoo signs nothing, so the URL carries a secret (ODOO_WEBHOOK_SECRET); unknown → 404."""
    expected = current_app.config["ODOO_WEBHOOK_SECRET"]
    if not expected or not hmac.compare_digest(secret.encode(), expected.encode()):
        abort(404)
    payload = request.get_json(silent=True)
    model = payload.get("_model") if isinstance(payload, dict) else None
    odoo_id = payload.get("_id") if isinstance(payload, dict) else None
    if model not in WATCHED_MODELS or not is_database_id(odoo_id):
        return jsonify({"error": "Send {\"_model\": \"purchase.order\" or \"account.move\", \"_id\": <id>}."}), 422
    enqueue_odoo_refresh(model, odoo_id)
    return jsonify({"queued": True}), 202
