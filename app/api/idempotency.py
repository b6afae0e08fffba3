"""`Idempotency-Key` on every /api/v1 write.

The same key and the same request within IDEMPOTENCY_TTL_HOURS replay the first response
(marked `Idempotent-Replayed: true`); the same key with another request is a 409. Keys are
scoped to the API credential. The record is inserted *before* the write runs, in the same
transaction: a concurrent duplicate blocks on the unique index and then sees the first
request's record, so two identical requests at once create one invoice."""
from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta
from functools import wraps
from typing import Callable

from flask import Response, current_app, request
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError, OperationalError

from app.api.auth import current_api_key
from app.api.errors import problem
from app.api.models import IdempotencyRecord
from app.database import utcnow
from app.extensions import db

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")
REPLAYED_HEADERS = ("Location", "Content-Type")


def request_fingerprint() -> str:
    """Method, path and body; a JSON body is compared by meaning, not by whitespace or key order."""
    raw = request.get_data(cache=True)
    try:
        body = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, RecursionError):
        body = raw
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), body):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def _find(api_key_id: int, idempotency_key: str) -> IdempotencyRecord | None:
    return db.session.scalar(select(IdempotencyRecord).where(
        IdempotencyRecord.api_key_id == api_key_id,
        IdempotencyRecord.idempotency_key == idempotency_key))


def purge_expired(api_key_id: int | None = None) -> int:
    """Lazy clean-up on every keyed write (for the caller's credential) and by `flask purge-idempotency-keys`."""
    query = delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= utcnow())
    if api_key_id is not None:
        query = query.where(IdempotencyRecord.api_key_id == api_key_id)
    return db.session.execute(query).rowcount


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.request_fingerprint != fingerprint:
        return problem(409, "Conflict", f"This {HEADER} was already used with a different request. "
                       "Use a new key for a new request.", kind="idempotency-key-reused")
    if record.response_status is None:
        return problem(409, "Conflict", f"A request with this {HEADER} is still being processed; "
                       "retry in a moment.", kind="idempotency-key-in-progress",
                       headers={"Retry-After": "1"})
    response = Response(record.response_body, status=record.response_status)
    for name, value in record.response_headers.items():
        response.headers[name] = value
    response.headers[REPLAY_HEADER] = "true"
    return response


def _claim(api_key_id: int, idempotency_key: str, fingerprint: str) -> IdempotencyRecord | Response:
    purge_expired(api_key_id)
    existing = _find(api_key_id, idempotency_key)
    if existing is not None:
        return _replay(existing, fingerprint)
    ttl = timedelta(hours=current_app.config["IDEMPOTENCY_TTL_HOURS"])
    record = IdempotencyRecord(api_key_id=api_key_id, idempotency_key=idempotency_key,
                               request_fingerprint=fingerprint, response_headers={},
                               created_at=utcnow(), expires_at=utcnow() + ttl)
    db.session.add(record)
    try:
        db.session.flush()
    except (IntegrityError, OperationalError):
        db.session.rollback()
        existing = _find(api_key_id, idempotency_key)
        if existing is None:
            return problem(409, "Conflict", f"A request with this {HEADER} is still being "
                           "processed; retry in a moment.", kind="idempotency-key-in-progress",
                           headers={"Retry-After": "1"})
        return _replay(existing, fingerprint)
    return record


def _remember(api_key_id: int, idempotency_key: str, fingerprint: str, response: Response) -> None:
    """Store the response; if the view rolled back (a 4xx), the claim went with it: store anew."""
    if response.status_code >= 500:
        db.session.rollback()
        return
    record = _find(api_key_id, idempotency_key)
    if record is None:
        ttl = timedelta(hours=current_app.config["IDEMPOTENCY_TTL_HOURS"])
        record = IdempotencyRecord(api_key_id=api_key_id, idempotency_key=idempotency_key,
                                   request_fingerprint=fingerprint, created_at=utcnow(),
                                   expires_at=utcnow() + ttl)
        db.session.add(record)
    record.response_status = response.status_code
    record.response_body = response.get_data()
    record.response_headers = {name: response.headers[name] for name in REPLAYED_HEADERS
                               if name in response.headers}
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # a concurrent duplicate stored the same outcome first


def idempotent(view: Callable) -> Callable:
    """Apply inside `require_scope` (it needs the verified credential)."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        idempotency_key = request.headers.get(HEADER)
        if idempotency_key is None:
            return view(*args, **kwargs)
        if not KEY_PATTERN.match(idempotency_key):
            return problem(400, "Bad Request", f"{HEADER} must be 1 to 255 visible ASCII "
                           "characters (a UUID is a good choice).", kind="validation",
                           errors={HEADER: "Use 1 to 255 visible ASCII characters."})
        api_key_id = current_api_key().id
        fingerprint = request_fingerprint()
        claim = _claim(api_key_id, idempotency_key, fingerprint)
        if isinstance(claim, Response):
            db.session.commit()
            return claim
        response = current_app.make_response(view(*args, **kwargs))
        _remember(api_key_id, idempotency_key, fingerprint, response)
        return response
    return wrapped
