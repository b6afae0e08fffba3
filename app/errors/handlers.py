"""Every error ends on a page (or problem+json) that says what happened; never a traceback."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.extensions import db


def _wants_problem_json() -> bool:
    return request.path.startswith("/api/")


def _render(status: int, title: str, message: str):
    if request.path.startswith("/oauth/"):
        from app.oauth.endpoints import oauth_error_response
        return oauth_error_response(status, message)
    if _wants_problem_json():
        from app.api.errors import problem
        return problem(status, title, message)
    return render_template("errors/error.html", status=status, title=title, message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return _render(400, _("Please try again"),
                       _("Your session expired or the form was sent from another page. "
                         "Go back, reload the page and send it again."))

    @app.errorhandler(413)
    def too_large(exc):
        limit = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        return _render(413, _("Files too large"),
                       _("All files together must be under %(limit)s MB. Nothing was saved; "
                         "go back and choose smaller files.", limit=limit))

    @app.errorhandler(429)
    def too_many_requests(exc):
        return _render(429, _("Please wait a little"),
                       _("Too many attempts in a short time. Wait a few minutes, then try again."))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if request.path.startswith("/oauth/"):
            from app.oauth.endpoints import oauth_error_response
            return oauth_error_response(exc.code or 500, exc.description)
        if _wants_problem_json():
            from app.api.errors import http_exception_problem
            return http_exception_problem(exc)
        messages = {
            403: _("Your account cannot open this page."),
            404: _("We could not find that page. It may have moved, or it belongs to another company."),
        }
        return _render(exc.code or 500, exc.name, messages.get(exc.code, exc.description or ""))

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        db.session.rollback()
        app.logger.exception("unhandled error")
        return _render(500, _("Something went wrong"),
                       _("Something went wrong on our side and nothing was saved. "
                         "Please try again in a minute."))
