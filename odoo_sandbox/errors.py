"""Exceptions that reach RPC clients under the same class names a real Odoo uses.

Each class declares the ``__module__`` of its Odoo (or psycopg2) counterpart, so
``qualified_name(exc)`` yields exactly what Odoo puts in JSON-RPC ``error.data.name``
and JSON-2 ``name`` (``odoo.exceptions.UserError``, ``builtins.ValueError``...).
Python built-ins (ValueError, TypeError, KeyError...) are raised as they are: Odoo
lets them through too, as XML-RPC fault 1 / JSON-2 status 500.
"""
from __future__ import annotations

import traceback


class UserError(Exception):
    __module__ = "odoo.exceptions"
    http_status = 422


class AccessDenied(UserError):
    __module__ = "odoo.exceptions"
    http_status = 403

    def __init__(self, message: str = "Access Denied") -> None:
        super().__init__(message)


class AccessError(UserError):
    __module__ = "odoo.exceptions"
    http_status = 403


class MissingError(UserError):
    __module__ = "odoo.exceptions"
    http_status = 404


class ValidationError(UserError):
    __module__ = "odoo.exceptions"
    http_status = 422


class RedirectWarning(Exception):
    """Not a UserError: JSON-2 answers it with 500, XML-RPC with fault 2."""

    __module__ = "odoo.exceptions"
    http_status = 500


class SerializationFailure(Exception):
    __module__ = "psycopg2.errors"


class OperationalError(Exception):
    __module__ = "psycopg2"


def qualified_name(exc: BaseException) -> str:
    """The dotted class name Odoo's ``serialize_exception`` reports."""
    cls = type(exc)
    return f"{cls.__module__}.{cls.__qualname__}"


def exception_message(exc: BaseException) -> str:
    """Odoo's ``exception_to_unicode``: the args joined by newlines."""
    description = getattr(exc, "description", None)
    if description is not None and hasattr(exc, "code"):
        return str(description)
    if exc.args:
        return "\n".join(str(arg) for arg in exc.args)
    return str(exc)


def formatted_traceback(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))


def missing_record(model: str, ids: list[int] | tuple[int, ...], uid: int) -> MissingError:
    """The MissingError Odoo raises when touching ids that do not exist."""
    ids_repr = "(" + "".join(f"{i}," for i in ids) + ")"
    return MissingError(
        "Record does not exist or has been deleted.\n"
        f"(Record: {model}{ids_repr}, User: {uid})"
    )


def unknown_database(db: str) -> OperationalError:
    return OperationalError(
        'connection to server at "127.0.0.1", port 5432 failed: '
        f'FATAL:  database "{db}" does not exist\n'
    )
