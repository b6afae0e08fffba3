"""Odoo's RPC services (``common``, ``object``) and the JSON-2 call, over the ORM.

Protocol modules decode a request, call ``RpcService`` and encode what comes back
(result or exception); everything Odoo decides about credentials, models and
methods happens here, in Odoo's order.
"""
from __future__ import annotations

import hmac
import inspect
from typing import Any, Callable

from werkzeug.exceptions import NotFound, UnprocessableEntity

from .errors import AccessDenied, AccessError, UserError, missing_record, unknown_database
from .orm import BaseModel, Database, Env


class RpcService:
    """The services behind /xmlrpc, /jsonrpc and /json/2 for one database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.config = db.config

    # ------------------------------------------------------------ dispatch
    def dispatch(self, service: str, method: str, params: list[Any]) -> Any:
        """Odoo's ``dispatch_rpc``: unknown services and methods are plain Python errors."""
        if service == "common":
            handler = {"version": self.version, "login": self.login,
                       "authenticate": self.authenticate}.get(method)
            if handler is None:
                raise KeyError(f"exp_{method}")
            return handler(*params)
        if service == "object":
            if method not in ("execute", "execute_kw"):
                raise NameError(f"Method not available {method}")
            return self._object(method, list(params))
        raise KeyError(service)

    # ------------------------------------------------------------ common
    def version(self) -> dict[str, Any]:
        return {
            "server_version": self.config.server_version,
            "server_version_info": self.config.version_info,
            "server_serie": self.config.server_version,
            "protocol_version": 1,
        }

    def login(self, db: str, login: str, password: str) -> int | bool:
        return self.authenticate(db, login, password, None)

    def authenticate(self, db: str, login: str, password: str, user_agent_env: Any) -> int | bool:
        """The uid, or False on bad credentials (never a fault); a key works as password."""
        self.check_db(db)
        if login != self.config.login or not self.password_or_key_ok(password):
            return False
        return self.config.uid

    # ------------------------------------------------------------ object
    def _object(self, method: str, params: list[Any]) -> Any:
        db, uid, password = params[0], int(params[1]), params[2]
        self.check_db(db)
        self.check_credentials(uid, password)
        if method == "execute":
            model, name, args, kwargs = params[3], params[4], list(params[5:]), {}
        else:
            model, name, args = params[3], params[4], params[5]
            kwargs = params[6] if len(params) > 6 else {}
        return self.call_kw(uid, model, name, args, dict(kwargs or {}))

    def check_db(self, db: Any) -> None:
        if db != self.config.db:
            raise unknown_database(db)

    def password_or_key_ok(self, secret: Any) -> bool:
        if not isinstance(secret, str) or not secret:
            return False
        return any(hmac.compare_digest(secret.encode(), known.encode())
                   for known in (self.config.password, self.config.api_key))

    def api_key_ok(self, secret: str) -> bool:
        return hmac.compare_digest(secret.encode(), self.config.api_key.encode())

    def check_credentials(self, uid: int, password: Any) -> None:
        if not password:
            raise AccessDenied()
        if uid not in self.db.table("res.users"):
            raise missing_record("res.users", [uid], uid)
        if uid != self.config.uid or not self.password_or_key_ok(password):
            raise AccessDenied()

    def call_kw(self, uid: int, model_name: str, method_name: str, args: Any,
                kwargs: dict[str, Any]) -> Any:
        """``execute_kw``: check the call the way Odoo does, then run it in one transaction."""
        context = kwargs.pop("context", None) or {}
        if self.config.flavour == "17":
            self._refuse_private(model_name, method_name)
        if model_name not in self.db.registry:
            raise UserError(f"Object {model_name} doesn't exist")
        env = Env(self.db, uid, context)
        model = env[model_name]
        method = self.public_method(model, method_name)
        if not isinstance(args, list):
            raise TypeError(f"execute_kw() args must be a list, not {type(args).__name__}")
        if not method._api_model and not args:
            raise IndexError("list index out of range")
        call_args = list(args)
        result = self._run(env, method, model, call_args, kwargs)
        if method_name == "create" and isinstance(_create_vals(args, kwargs), dict):
            return result[0]
        return result

    def _run(self, env: Env, method: Callable, model: BaseModel, args: list[Any],
             kwargs: dict[str, Any]) -> Any:
        if self.config.flavour == "17" and method.__name__ == "create" and not args:
            raise IndexError("list index out of range")
        with self.db.lock:
            env.companies  # noqa: B018 - Odoo refuses a bad allowed_company_ids up front
            if method._readonly:
                return method(model, *args, **kwargs)
            with self.db.transaction():
                return method(model, *args, **kwargs)

    # ------------------------------------------------------------ JSON-2
    def call_json2(self, model_name: str, method_name: str, body: dict[str, Any]) -> Any:
        """``POST /json/2/<model>/<method>`` once the bearer key was accepted."""
        ids = body.pop("ids", [])
        context = body.pop("context", None) or {}
        if model_name not in self.db.registry:
            raise NotFound(f"the model '{model_name}' does not exist")
        env = Env(self.db, self.config.uid, context)
        model = env[model_name]
        try:
            method = self.public_method(model, method_name)
        except AttributeError as exc:
            raise NotFound(str(exc)) from exc
        if method._api_model and ids:
            raise UnprocessableEntity(f"cannot call {model_name}.{method_name} with ids")
        args = [] if method._api_model else [ids]
        try:
            inspect.signature(method).bind(model, *args, **body)
        except TypeError as exc:
            raise UnprocessableEntity(exc.args[0]) from exc
        return self._run(env, method, model, args, body)

    # ------------------------------------------------------------ methods
    def public_method(self, model: BaseModel, name: str) -> Callable:
        """Odoo's ``get_public_method``: private names are an AccessError, unknown ones an AttributeError."""
        self._refuse_private(model._name, name)
        method = getattr(type(model), name, None)
        if method is None or not getattr(method, "_public", False):
            if self.config.flavour == "19":
                raise AttributeError(f"The method '{model._name}.{name}' does not exist")
            raise AttributeError(f"The method '{name}' does not exist on the model '{model._name}'")
        return method

    def _refuse_private(self, model_name: str, name: str) -> None:
        if isinstance(name, str) and name.startswith("_"):
            if self.config.flavour == "19":
                raise AccessError(f"Private methods (such as '{model_name}.{name}') cannot be called remotely.")
            raise AccessError(f"Private methods (such as {name}) cannot be called remotely.")


def _create_vals(args: list[Any], kwargs: dict[str, Any]) -> Any:
    return args[0] if args else kwargs.get("vals_list")
