from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from werkzeug.exceptions import HTTPException

from app.api import bp

PROBLEM_TYPE_BASE = "https://rebar.example/problems/"


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
    response.mimetype = "application/problem+json"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


@bp.errorhandler(HTTPException)
def http_problem(exc: HTTPException) -> Response:
    return problem(exc.code or 500, exc.name, exc.description if exc.code != 404 else None)


@bp.errorhandler(Exception)
def unexpected_problem(exc: Exception) -> Response:
    from flask import current_app
    current_app.logger.exception("unhandled API error")
    return problem(500, "Internal Server Error", "Something went wrong on our side; nothing was saved.")
