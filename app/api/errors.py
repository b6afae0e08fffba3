"""RFC 9457 problem+json for everything under /api/v1.

Every error body has `type`, `title`, `status` and usually `detail`; validation problems
(422 for bodies, 400 for query parameters and headers) add `errors: [{field, detail}]`, where
`field` names the JSON path (`lines[0].quantity`), query parameter or header at fault."""
from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from werkzeug.exceptions import HTTPException

from app.api import bp
from app.api.pagination import QueryRejected

PROBLEM_TYPE_BASE = "https://rebar.example/problems/"
PROBLEM_MIMETYPE = "application/problem+json"
_PASSED_ON_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")
_DETAILS = {
    404: "Nothing here: check the URL and the id. Records of other companies are never visible.",
    405: "This method is not allowed here; see the Allow header.",
    413: "The request body is too large.",
    415: "Send the body as JSON with 'Content-Type: application/json'.",
    429: "Too many requests for this API key or company; wait for Retry-After seconds.",
}


def problem(status: int, title: str, detail: str | None = None, *,
            errors: dict[str, str] | None = None, kind: str | None = None,
            headers: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"type": PROBLEM_TYPE_BASE + (kind or str(status)), "title": title,
                            "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = [{"field": field, "detail": message} for field, message in errors.items()]
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_MIMETYPE
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def query_problem(errors: dict[str, str]) -> Response:
    return problem(400, "Bad Request", "Some query parameters are not valid; see errors.",
                   errors=errors, kind="validation")


def http_exception_problem(exc: HTTPException) -> Response:
    status = exc.code or 500
    passed_on = exc.get_response().headers if status in (401, 405, 429) else {}
    return problem(status, exc.name, _DETAILS.get(status, exc.description),
                   headers={name: passed_on[name] for name in _PASSED_ON_HEADERS if name in passed_on})


@bp.errorhandler(HTTPException)
@bp.errorhandler(413)
@bp.errorhandler(429)
def http_problem(exc: HTTPException) -> Response:
    """Registered by code too, so the portal's own 413/429 pages never answer an API call."""
    return http_exception_problem(exc)


@bp.errorhandler(Exception)
def unexpected_problem(exc: Exception) -> Response:
    from flask import current_app

    from app.extensions import db
    db.session.rollback()
    current_app.logger.exception("unhandled API error")
    return problem(500, "Internal Server Error", "Something went wrong on our side; nothing was saved.")


@bp.errorhandler(QueryRejected)
def rejected_query(rejected: QueryRejected) -> Response:
    return query_problem(rejected.errors)
