"""Cursor pagination and list filters shared by every /api/v1 list endpoint.

Lists are ordered by id ascending (stable: ids never change and new rows sort last). The
cursor is opaque to clients: the last id of the page, signed with SECRET_KEY so it cannot be
forged or edited into a scan of ids."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

from app.parsing import whole_number

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class QueryRejected(ValueError):
    """Bad query parameters; `errors` maps a parameter to what is wrong with it."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("invalid query parameters")
        self.errors = errors


@dataclass(frozen=True)
class PageRequest:
    after_id: int
    limit: int


def _serializer(resource: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"rebar.api.cursor.{resource}")


def encode_cursor(resource: str, last_id: int) -> str:
    return _serializer(resource).dumps({"after": last_id})


def page_request(resource: str, errors: dict[str, str]) -> PageRequest:
    limit = DEFAULT_LIMIT
    raw_limit = request.args.get("limit")
    if raw_limit is not None:
        parsed = whole_number(raw_limit)
        if parsed is None or not 1 <= parsed <= MAX_LIMIT:
            errors["limit"] = f"Use a whole number from 1 to {MAX_LIMIT}."
        else:
            limit = parsed
    after_id = 0
    raw_cursor = request.args.get("cursor")
    if raw_cursor is not None:
        try:
            after_id = int(_serializer(resource).loads(raw_cursor)["after"])
        except (BadSignature, KeyError, TypeError, ValueError):
            errors["cursor"] = "This cursor is not valid here; use next_cursor from a previous page."
    return PageRequest(after_id=after_id, limit=limit)


def timestamp_param(name: str, errors: dict[str, str]) -> datetime | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        errors[name] = "Use an ISO 8601 timestamp, e.g. 2026-12-01T00:00:00Z."
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    try:
        return value.astimezone(timezone.utc)
    except OverflowError:
        errors[name] = "This timestamp is out of range."
        return None


def choice_param(name: str, choices: list[str], errors: dict[str, str]) -> str | None:
    raw = request.args.get(name)
    if raw is not None and raw not in choices:
        errors[name] = f"Use one of: {', '.join(choices)}."
        return None
    return raw


@dataclass(frozen=True)
class ListRequest:
    """The query of a list endpoint: its page, the status filter and updated_since."""
    page: PageRequest
    status: str | None
    updated_since: datetime | None


def list_request(resource: str, statuses: list[str]) -> ListRequest:
    """Raises QueryRejected naming every bad parameter at once (answered as a 400 problem)."""
    errors: dict[str, str] = {}
    query = ListRequest(page_request(resource, errors), choice_param("status", statuses, errors),
                        timestamp_param("updated_since", errors))
    if errors:
        raise QueryRejected(errors)
    return query


def page_body(resource: str, items: list, rows: list, limit: int) -> dict:
    """`rows` was fetched with limit + 1 so we know whether another page exists."""
    has_more = len(rows) > limit
    return {"data": items[:limit],
            "next_cursor": encode_cursor(resource, rows[limit - 1].id) if has_more else None}
