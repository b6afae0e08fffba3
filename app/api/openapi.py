"""The OpenAPI 3.1 document of /api/v1, built from one registry of operations that the
reference page (/developers/api) also renders and the tests check against the URL map."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, jsonify

from app.api import bp
from app.api.deprecation import DEPRECATED_VIEWS
from app.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from app.api.listing import INVOICE_STATUSES, PURCHASE_ORDER_STATES
from app.api.pagination import MAX_LIMIT
from app.credentials.services import SCOPES

API_VERSION = "1.1.0"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": [kind, "null"], **extra}


DECIMAL = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "examples": ["1687.50"]}
TIMESTAMP = {"type": "string", "format": "date-time"}
ID = {"type": "integer", "minimum": 1}


def _object(properties: dict[str, Any], *, required: list[str] | None = None,
            closed: bool = True) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties,
                              "required": list(properties) if required is None else required}
    if closed:
        schema["additionalProperties"] = False
    return schema


def _page(item: str) -> dict[str, Any]:
    return _object({"data": {"type": "array", "items": _ref(item)},
                    "next_cursor": _nullable("string", description="Pass as `cursor` to get the "
                                             "next page; null on the last page.")})


PURCHASE_ORDER_SUMMARY = {
    "id": ID, "number": {"type": "string"}, "state": {"type": "string", "enum": PURCHASE_ORDER_STATES},
    "buyer_company": {"type": "string"}, "project": _nullable("string"),
    "currency": {"type": "string", "minLength": 3, "maxLength": 3},
    "vendor_reference": _nullable("string"), "ordered_at": _nullable("string", format="date-time"),
    "amount_untaxed": DECIMAL, "amount_total": DECIMAL, "synced_at": _nullable("string", format="date-time"),
    "updated_at": _nullable("string", format="date-time"),
}

SCHEMAS: dict[str, Any] = {
    "Problem": {
        "type": "object", "required": ["type", "title", "status"],
        "description": "RFC 9457 problem details. Validation problems list the fields at fault.",
        "properties": {
            "type": {"type": "string", "format": "uri"}, "title": {"type": "string"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string"},
            "errors": {"type": "array", "items": _object({
                "field": {"type": "string", "description": "JSON path, query parameter or header"},
                "detail": {"type": "string"}})},
        },
    },
    "PurchaseOrderSummary": _object(PURCHASE_ORDER_SUMMARY),
    "PurchaseOrderLine": _object({
        "id": ID, "description": {"type": "string"}, "quantity": DECIMAL, "quantity_received": DECIMAL,
        "quantity_billed": DECIMAL, "quantity_in_flight": DECIMAL, "unit_price": DECIMAL,
        "remaining_quantity": DECIMAL, "remaining_amount": DECIMAL}),
    "PurchaseOrder": _object({**PURCHASE_ORDER_SUMMARY,
                              "lines": {"type": "array", "items": _ref("PurchaseOrderLine")}}),
    "PurchaseOrderPage": _page("PurchaseOrderSummary"),
    "InvoiceLine": _object({"id": ID, "purchase_order_line_id": ID, "quantity": DECIMAL,
                            "unit_price": DECIMAL, "amount": DECIMAL}),
    "Attachment": _object({"id": ID, "filename": {"type": "string"}, "content_type": {"type": "string"},
                           "size": {"type": "integer", "minimum": 0},
                           "kind": {"type": "string", "enum": ["invoice_pdf", "support"]}}),
    "TimelineEntry": _object({"occurred_at": TIMESTAMP, "text": {"type": "string"}}),
    "Invoice": _object({
        "id": ID, "reference": {"type": "string"}, "invoice_number": {"type": "string"},
        "invoice_date": {"type": "string", "format": "date"}, "purchase_order_id": ID,
        "status": {"type": "string", "enum": INVOICE_STATUSES}, "status_text": {"type": "string"},
        "currency": {"type": "string"}, "amount_untaxed": DECIMAL,
        "odoo_bill_reference": _nullable("string"), "created_at": TIMESTAMP, "updated_at": TIMESTAMP,
        "lines": {"type": "array", "items": _ref("InvoiceLine")},
        "attachments": {"type": "array", "items": _ref("Attachment")},
        "sync": _object({"state": {"type": "string"}, "odoo_bill_id": _nullable("integer"),
                         "error": _nullable("string")}),
        "timeline": {"type": "array", "items": _ref("TimelineEntry"),
                     "description": "Only on single-invoice responses."},
    }, required=["id", "reference", "invoice_number", "invoice_date", "purchase_order_id", "status",
                 "status_text", "currency", "amount_untaxed", "odoo_bill_reference", "created_at",
                 "updated_at", "lines", "attachments", "sync"]),
    "InvoicePage": _page("Invoice"),
    "InvoiceCreate": _object({
        "purchase_order_id": ID, "invoice_number": {"type": "string", "minLength": 1, "maxLength": 64},
        "invoice_date": {"type": "string", "format": "date"},
        "lines": {"type": "array", "minItems": 1, "items": _object({
            "purchase_order_line_id": ID, "quantity": DECIMAL})},
        "attachments": {"type": "array", "minItems": 1, "description": "attachments[0] is the "
                        "invoice PDF; any others are supporting files.",
                        "items": _object({"filename": {"type": "string"},
                                          "content_base64": {"type": "string", "contentEncoding": "base64"}})},
    }, closed=False),
    "Profile": _object({
        "id": ID, "name": {"type": "string"}, "status": {"type": "string"},
        "country": _nullable("string"), "tax_id": _nullable("string"),
        "address": _object({k: _nullable("string") for k in ("street", "street2", "city", "region", "zip")}),
        "trades": {"type": "array", "items": {"type": "string"}},
        "contact_email": _nullable("string"), "contact_phone": _nullable("string"),
        "bank_account": {"oneOf": [{"type": "null"}, _object({
            "account_holder": {"type": "string"}, "bank_name": _nullable("string"),
            "country": {"type": "string"},
            "number_last4": {"type": "string", "description": "Never the full number."}})]},
        "api_rate_limit": _nullable("string"), "created_at": TIMESTAMP}),
}


@dataclass(frozen=True)
class Operation:
    endpoint: str
    method: str
    path: str
    summary: str
    description: str
    scope: str | None
    responses: dict[int, str]
    parameters: list[dict[str, Any]] = field(default_factory=list)
    request_schema: str | None = None
    example_body: dict[str, Any] | None = None

    @property
    def is_write(self) -> bool:
        return self.method in ("post", "put", "patch", "delete")


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def _id_param(name: str) -> dict[str, Any]:
    thing = name.removesuffix("_id").replace("_", " ")
    return {"name": name, "in": "path", "required": True, "schema": ID,
            "description": f"The {thing}'s id in this API (the `id` from its list), not its Odoo number."}


LIST_PARAMETERS = [
    _query("limit", f"Items per page, 1 to {MAX_LIMIT} (default 50).",
           {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}),
    _query("cursor", "The `next_cursor` of the previous page.", {"type": "string"}),
    _query("updated_since", "Only records changed at or after this time (ISO 8601).", TIMESTAMP),
]
IDEMPOTENCY_PARAMETER = {
    "name": IDEMPOTENCY_HEADER, "in": "header", "required": False,
    "description": "Any unique string (a UUID is best), 1-255 visible ASCII characters. Retrying "
                   "with the same key and body within 24 h returns the first response "
                   "(with `Idempotent-Replayed: true`); another body with the same key is a 409.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^[\x21-\x7e]+$"}}
EXAMPLE_INVOICE = {
    "purchase_order_id": 13, "invoice_number": "INV-2026-0042", "invoice_date": "2026-12-01",
    "lines": [{"purchase_order_line_id": 27, "quantity": "12.5"}],
    "attachments": [{"filename": "INV-2026-0042.pdf", "content_base64": "JVBERi0xLjcK..."}],
}

OPERATIONS: list[Operation] = [
    Operation("api.list_purchase_orders", "get", "/purchase-orders", "List purchase orders",
              "Your company's purchase orders, oldest first, one page at a time.",
              "purchase_orders:read", {200: "PurchaseOrderPage", 400: "Problem"},
              parameters=[_query("status", "Only orders in this state.",
                                 {"type": "string", "enum": PURCHASE_ORDER_STATES}), *LIST_PARAMETERS]),
    Operation("api.get_purchase_order", "get", "/purchase-orders/{purchase_order_id}",
              "Get a purchase order", "One order with its lines and what is left to invoice on each.",
              "purchase_orders:read", {200: "PurchaseOrder", 404: "Problem"},
              parameters=[_id_param("purchase_order_id")]),
    Operation("api.create_invoice", "post", "/invoices", "Submit an invoice",
              "Bill quantities of one purchase order. The invoice is sent to the buyer's accounting "
              "system in the background; follow `sync` and `timeline` on the invoice.",
              "invoices:write", {201: "Invoice", 400: "Problem", 409: "Problem", 413: "Problem",
                                 415: "Problem", 422: "Problem"},
              parameters=[IDEMPOTENCY_PARAMETER], request_schema="InvoiceCreate",
              example_body=EXAMPLE_INVOICE),
    Operation("api.list_invoices", "get", "/invoices", "List invoices",
              "Your company's invoices, oldest first, one page at a time.", "invoices:read",
              {200: "InvoicePage", 400: "Problem"},
              parameters=[_query("status", "Only invoices with this status.",
                                 {"type": "string", "enum": INVOICE_STATUSES}), *LIST_PARAMETERS]),
    Operation("api.get_invoice", "get", "/invoices/{invoice_id}", "Get an invoice",
              "One invoice with its lines, attachments, delivery state and status timeline.",
              "invoices:read", {200: "Invoice", 404: "Problem"}, parameters=[_id_param("invoice_id")]),
    Operation("api.cancel_invoice", "post", "/invoices/{invoice_id}/cancel", "Cancel an invoice",
              "Withdraw an invoice that has not started its way to the buyer's accounting system. "
              "Once it is being sent or was sent, the answer is 409: contact the buyer instead.",
              "invoices:write", {200: "Invoice", 400: "Problem", 404: "Problem", 409: "Problem"},
              parameters=[_id_param("invoice_id"), IDEMPOTENCY_PARAMETER]),
    Operation("api.get_profile", "get", "/profile", "Get your company profile",
              "Your company as the buyer knows it. Bank accounts show the last four digits only.",
              "profile:read", {200: "Profile"}),
    Operation("api.openapi_document", "get", "/openapi.json", "This OpenAPI document",
              "The machine-readable description of this API (no key needed).", None, {200: "OpenAPI"}),
]

COMMON_ERRORS = {400: "Bad request, e.g. an API key sent in the URL.",
                 401: "Unauthorized: no valid API key.", 403: "The key lacks the scope.",
                 429: "Rate limit reached; see Retry-After."}
RATE_LIMIT_HEADERS = {name: {"schema": {"type": "integer"}, "description": text} for name, text in (
    ("RateLimit-Limit", "Requests allowed in the current window."),
    ("RateLimit-Remaining", "Requests left in the current window."),
    ("RateLimit-Reset", "Seconds until the window resets."))}


def _response(schema: str, description: str) -> dict[str, Any]:
    if schema == "OpenAPI":
        return {"description": description, "content": {"application/json": {"schema": {"type": "object"}}}}
    media = "application/problem+json" if schema == "Problem" else "application/json"
    return {"description": description, "headers": RATE_LIMIT_HEADERS,
            "content": {media: {"schema": _ref(schema)}}}


def _operation_document(op: Operation) -> dict[str, Any]:
    responses = {str(code): _response(schema, _status_text(code)) for code, schema in op.responses.items()}
    if op.scope:
        for code, text in COMMON_ERRORS.items():
            responses.setdefault(str(code), _response("Problem", text))
    document: dict[str, Any] = {
        "operationId": op.endpoint.split(".", 1)[1], "summary": op.summary,
        "description": op.description, "parameters": op.parameters, "responses": responses,
        "security": [{"apiKey": []}, {"oauth2": [op.scope]}] if op.scope else [],
    }
    if op.scope:
        document["x-required-scope"] = op.scope
        document["description"] += f"\n\nRequired scope: `{op.scope}`."
    if op.request_schema:
        document["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": _ref(op.request_schema), "example": op.example_body}}}
    if op.endpoint.split(".", 1)[1] in DEPRECATED_VIEWS:
        document["deprecated"] = True
    return document


def _status_text(code: int) -> str:
    from werkzeug.http import HTTP_STATUS_CODES
    return HTTP_STATUS_CODES.get(code, str(code))


SCOPE_DESCRIPTIONS = {
    "purchase_orders:read": "Read your purchase orders.", "invoices:read": "Read your invoices.",
    "invoices:write": "Submit and cancel invoices.", "documents:write": "Upload documents.",
    "webhooks:manage": "Manage webhooks.", "profile:read": "Read your company profile.",
}


def _oauth2_scheme(server_url: str) -> dict[str, Any]:
    """OAuth 2.0 client credentials (app/oauth): the token endpoint lives beside /api/v1."""
    token_url = server_url.removesuffix("/api/v1") + "/oauth/token"
    return {"type": "oauth2",
            "description": "An OAuth client's id and secret (HTTP Basic or form fields) exchanged at "
                           "`/oauth/token` for a short-lived access token (`rbr_at_…`), sent as "
                           "`Authorization: Bearer <token>`. Revoke a token at `/oauth/revoke` (RFC 7009).",
            "flows": {"clientCredentials": {"tokenUrl": token_url, "scopes": {
                scope: SCOPE_DESCRIPTIONS.get(scope, scope) for scope in sorted(SCOPES)}}}}


def build_document(server_url: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation_document(op)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Rebar partner API", "version": API_VERSION,
                 "description": "Purchase orders, invoices and your company profile, for your own "
                                "systems. Errors are RFC 9457 problem+json; every write accepts an "
                                f"`{IDEMPOTENCY_HEADER}` header."},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {"schemas": SCHEMAS, "securitySchemes": {"apiKey": {
            "type": "http", "scheme": "bearer",
            "description": "An API key (`rbr_live_…`) as `Authorization: Bearer <key>`. "
                           f"Scopes: {', '.join(sorted(SCOPES))}."},
            "oauth2": _oauth2_scheme(server_url)}},
    }


def api_base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/api/v1"


def curl_example(op: Operation) -> str:
    path = op.path.replace("{purchase_order_id}", "13").replace("{invoice_id}", "42")
    lines = [f"curl -sS -X {op.method.upper()} '{api_base_url()}{path}'"]
    if op.scope:
        lines.append('  -H "Authorization: Bearer $REBAR_API_KEY"')
    if op.is_write:
        lines.append('  -H "Idempotency-Key: $(uuidgen)"')
    if op.example_body is not None:
        lines.append("  -H 'Content-Type: application/json'")
        lines.append(f"  --data '{json.dumps(op.example_body)}'")
    return " \\\n".join(lines)


def python_example(op: Operation) -> str:
    path = op.path.replace("{purchase_order_id}", "13").replace("{invoice_id}", "42")
    headers = ['"Authorization": f"Bearer {os.environ[\'REBAR_API_KEY\']}"'] if op.scope else []
    if op.is_write:
        headers.append('"Idempotency-Key": str(uuid.uuid4())')
    call = [f'    "{api_base_url()}{path}"', f"    headers={{{', '.join(headers)}}}"]
    if op.example_body is not None:
        call.append(f"    json={json.dumps(op.example_body, indent=4)}".replace("\n", "\n    "))
    call.append("    timeout=30")
    imports = "import os\nimport uuid\n" if op.is_write else "import os\n"
    return (imports + "\nimport requests\n\n"
            f"response = requests.{op.method}(\n" + ",\n".join(call) + ",\n)\n"
            "response.raise_for_status()\nprint(response.json())")


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(build_document(api_base_url()))
