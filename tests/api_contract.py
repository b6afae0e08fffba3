"""Every /api/v1 response a test sees must match the OpenAPI document: documented status code,
media type and body schema. Use the `api_contract` fixture (autouse in the API test modules)."""
from __future__ import annotations

import re
from functools import lru_cache

import jsonschema_rs
import pytest
from flask import request

from app.api.openapi import build_document

_CONVERTER = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def spec_path(rule: str) -> str:
    return _CONVERTER.sub(r"{\1}", rule.removeprefix("/api/v1"))


@lru_cache(maxsize=1)
def _document() -> dict:
    return build_document("http://localhost/api/v1")


@lru_cache(maxsize=64)
def _validator(ref: str):
    return jsonschema_rs.Draft202012Validator({"$ref": ref, "components": _document()["components"]})


def contract_violations(method: str, rule: str | None, status: int, mimetype: str, body) -> list[str]:
    where = f"{method} {rule} → {status}"
    if rule is None:  # no route matched: must still be problem+json
        return [] if mimetype == "application/problem+json" else [f"{where}: not problem+json"]
    operation = _document()["paths"].get(spec_path(rule), {}).get(method.lower())
    if operation is None:
        return [f"{where}: operation not in the OpenAPI document"] if status != 405 else []
    documented = operation["responses"].get(str(status))
    if documented is None:
        return [f"{where}: status not documented"]
    [(media, content)] = documented["content"].items()
    if media != mimetype:
        return [f"{where}: {mimetype} but the document says {media}"]
    schema = content["schema"]
    if "$ref" not in schema:
        return []
    return [f"{where}: {error.message}" for error in _validator(schema["$ref"]).iter_errors(body)]


@pytest.fixture
def api_contract(app):
    violations: list[str] = []

    @app.after_request
    def check(response):
        if request.path.startswith("/api/v1") and response.status_code < 500:
            rule = request.url_rule.rule if request.url_rule else None
            body = response.get_json(silent=True) if response.is_json or response.mimetype.endswith("+json") else None
            violations.extend(contract_violations(request.method, rule, response.status_code,
                                                  response.mimetype, body))
        return response

    yield violations
    assert violations == [], "responses that do not match the OpenAPI document"
