from flask import jsonify

from app.api import bp
from app.api.auth import current_api_key, require_scope
from app.api.schemas import partner_profile


@bp.get("/profile")
@require_scope("profile:read")
def get_profile():
    return jsonify(partner_profile(current_api_key().partner))
