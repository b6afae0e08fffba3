"""The developer reference for /api/v1, rendered from the same registry as the OpenAPI document."""
from __future__ import annotations

import json

from flask import Blueprint, render_template

from app.api.openapi import (OPERATIONS, SCHEMAS, api_base_url, curl_example, python_example)
from app.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from app.api.pagination import MAX_LIMIT
from app.credentials.services import SCOPES

bp = Blueprint("developers", __name__, url_prefix="/developers")


@bp.get("/api")
def api_reference():
    operations = [{"op": op, "curl": curl_example(op), "python": python_example(op),
                   "body_schema": json.dumps(SCHEMAS[op.request_schema], indent=2) if op.request_schema else None}
                  for op in OPERATIONS]
    return render_template("developers/api.html", operations=operations, base_url=api_base_url(),
                           scopes=sorted(SCOPES), idempotency_header=IDEMPOTENCY_HEADER,
                           max_limit=MAX_LIMIT)
