"""Marking API endpoints deprecated: `Deprecation`, `Sunset` and `Link: rel="deprecation"`.

    @bp.get("/old-thing")
    @deprecated(since=date(2027, 1, 1), sunset=date(2027, 7, 1), link="https://…/changelog#old-thing")
    def old_thing(): …

The registry lets the OpenAPI document flag the same operations (`deprecated: true`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from email.utils import format_datetime
from functools import wraps
from typing import Callable

from flask import make_response


@dataclass(frozen=True)
class Deprecation:
    since: date
    sunset: date
    link: str | None


DEPRECATED_VIEWS: dict[str, Deprecation] = {}


def _http_date(day: date) -> str:
    return format_datetime(datetime.combine(day, time(0, 0), tzinfo=timezone.utc), usegmt=True)


def deprecation_headers(notice: Deprecation) -> dict[str, str]:
    """RFC 9745 `Deprecation` (a structured-field date) and RFC 8594 `Sunset` (an HTTP date)."""
    since = int(datetime.combine(notice.since, time(0, 0), tzinfo=timezone.utc).timestamp())
    headers = {"Deprecation": f"@{since}", "Sunset": _http_date(notice.sunset)}
    if notice.link:
        headers["Link"] = f'<{notice.link}>; rel="deprecation"; type="text/html"'
    return headers


def deprecated(*, since: date, sunset: date, link: str | None = None) -> Callable:
    if sunset < since:
        raise ValueError("an endpoint's sunset cannot come before its deprecation")
    notice = Deprecation(since=since, sunset=sunset, link=link)

    def decorator(view: Callable) -> Callable:
        DEPRECATED_VIEWS[view.__name__] = notice

        @wraps(view)
        def wrapped(*args, **kwargs):
            response = make_response(view(*args, **kwargs))
            for name, value in deprecation_headers(notice).items():
                response.headers[name] = value
            return response
        return wrapped
    return decorator

