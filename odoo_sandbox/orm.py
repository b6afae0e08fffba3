"""A small in-memory ORM with Odoo's RPC-visible behaviour.

``Database`` holds every record behind one lock and runs each RPC call as one
transaction (a failed call leaves no trace). ``Env`` is Odoo's environment: user,
context, allowed companies. ``BaseModel`` implements the generic methods
(search, read, create, write, ...) with Odoo's validations and error classes;
the models in ``odoo_sandbox.models`` add fields and business rules.
"""
from __future__ import annotations

import copy
import datetime as dt
import json
import os
import re
import threading
from collections import defaultdict
from contextlib import contextmanager
from typing import Any, Callable, ClassVar, Iterator

from . import fields as F
from .config import SandboxConfig
from .domain import compile_domain
from .errors import AccessError, UserError, ValidationError, missing_record

STATE_FORMAT_VERSION = 1
MAGIC_FIELDS = ("id", "display_name", "create_date", "create_uid", "write_date", "write_uid")
ORDER_TERM = re.compile(r"^\s*([a-z0-9_]+)(?:\s+(asc|desc))?(?:\s+nulls\s+(?:first|last))?\s*$", re.I)


def public(api_model: bool = False, readonly: bool = False) -> Callable[[Callable], Callable]:
    """Mark a model method as callable over RPC.

    ``api_model`` methods take no record ids (Odoo's ``@api.model``); ``readonly``
    methods run without a transaction snapshot.
    """

    def mark(method: Callable) -> Callable:
        method._public = True  # type: ignore[attr-defined]
        method._api_model = api_model  # type: ignore[attr-defined]
        method._readonly = readonly  # type: ignore[attr-defined]
        return method

    return mark


class Database:
    """Every table of one sandbox, a lock, and optional persistence to a JSON file."""

    def __init__(self, config: SandboxConfig, registry: dict[str, type["BaseModel"]],
                 seeder: Callable[["Database"], None]) -> None:
        self.config = config
        self.registry = registry
        self.lock = threading.RLock()
        self.tables: dict[str, dict[int, dict[str, Any]]] = {}
        self.next_ids: dict[str, int] = {}
        self._seeder = seeder
        self._tx_now: str | None = None
        self._generation = 0
        self._children: dict[tuple[str, str], tuple[int, dict[int, list[int]]]] = {}
        if config.state_file and os.path.exists(config.state_file):
            self._load(config.state_file)
        else:
            self.reset()

    @property
    def flavour(self) -> str:
        return self.config.flavour

    def reset(self) -> None:
        with self.lock:
            self.tables, self.next_ids = {}, {}
            self._seeder(self)
            self.touch()
            self.save()

    def now(self) -> str:
        """Odoo stamps write_date with the transaction start time, naive UTC."""
        if self._tx_now:
            return self._tx_now
        return dt.datetime.now(dt.timezone.utc).strftime(F.DATETIME_FORMAT)

    def today(self) -> str:
        return self.now()[:10]

    def table(self, model: str) -> dict[int, dict[str, Any]]:
        return self.tables.setdefault(model, {})

    def allocate_id(self, model: str) -> int:
        table = self.table(model)
        next_id = max(self.next_ids.get(model, 1), max(table, default=0) + 1)
        self.next_ids[model] = next_id + 1
        return next_id

    def touch(self) -> None:
        """Record that links between records may have changed (invalidates the indexes)."""
        self._generation += 1

    def children_ids(self, model: str, field: str, parent_id: int) -> list[int]:
        """Ids of ``model`` records whose many2one ``field`` is ``parent_id`` (indexed)."""
        cached = self._children.get((model, field))
        if cached is None or cached[0] != self._generation:
            index: dict[int, list[int]] = defaultdict(list)
            for rid, record in self.table(model).items():
                if record.get(field):
                    index[record[field]].append(rid)
            cached = (self._generation, index)
            self._children[(model, field)] = cached
        return list(cached[1].get(parent_id, ()))

    def superuser_env(self) -> "Env":
        return Env(self, self.config.uid, {})

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing: restore the previous tables if the body raises."""
        with self.lock:
            tables, next_ids = copy.deepcopy(self.tables), dict(self.next_ids)
            tracked = self._tracked_snapshot()
            self._tx_now = dt.datetime.now(dt.timezone.utc).strftime(F.DATETIME_FORMAT)
            try:
                yield
                self._bump_recomputed(tracked)
            except BaseException:
                self.tables, self.next_ids = tables, next_ids
                self.touch()
                raise
            finally:
                self._tx_now = None
            if self.tables != tables:
                self.save()

    def _tracked_snapshot(self) -> dict[tuple[str, int], tuple[Any, ...]]:
        env = self.superuser_env()
        snapshot = {}
        for name, cls in self.registry.items():
            if not cls._tracked_computed:
                continue
            model = env[name]
            for record in model._all_records():
                snapshot[(name, record["id"])] = model._tracked_values(record)
        return snapshot

    def _bump_recomputed(self, before: dict[tuple[str, int], tuple[Any, ...]]) -> None:
        """Odoo stores these computed fields; recomputing them bumps write_date."""
        after = self._tracked_snapshot()
        for (model, rid), values in after.items():
            if before.get((model, rid), values) != values:
                record = self.table(model)[rid]
                record["write_date"] = self.now()
                record["write_uid"] = self.config.uid

    def save(self) -> None:
        path = self.config.state_file
        if not path:
            return
        payload = {
            "format": STATE_FORMAT_VERSION,
            "flavour": self.flavour,
            "next_ids": self.next_ids,
            "tables": {m: {str(k): v for k, v in t.items()} for m, t in self.tables.items()},
        }
        tmp_path = f"{path}.tmp"
        with open(tmp_path, "w", encoding="utf-8") as handle:
            json.dump(payload, handle)
        os.replace(tmp_path, path)

    def _load(self, path: str) -> None:
        with open(path, encoding="utf-8") as handle:
            payload = json.load(handle)
        if payload.get("flavour") != self.flavour:
            raise ValueError(
                f"{path} holds an Odoo {payload.get('flavour')} state, not {self.flavour}"
            )
        self.next_ids = dict(payload["next_ids"])
        self.tables = {m: {int(k): v for k, v in t.items()} for m, t in payload["tables"].items()}
        self.touch()


class Env:
    """Odoo's environment: who calls, with which context and companies."""

    def __init__(self, db: Database, uid: int, context: dict[str, Any] | None = None) -> None:
        self.db = db
        self.uid = uid
        self.context = dict(context or {})
        self._companies: list[int] | None = None

    @property
    def flavour(self) -> str:
        return self.db.flavour

    def __getitem__(self, model_name: str) -> "BaseModel":
        return self.db.registry[model_name](self)

    def __contains__(self, model_name: object) -> bool:
        return model_name in self.db.registry

    def with_context(self, **values: Any) -> "Env":
        return Env(self.db, self.uid, {**self.context, **values})

    def user(self) -> dict[str, Any]:
        record = self.db.table("res.users").get(self.uid)
        if record is None:
            raise missing_record("res.users", [self.uid], self.uid)
        return record

    @property
    def companies(self) -> list[int]:
        """``allowed_company_ids`` checked against the user's companies."""
        if self._companies is None:
            user_companies = list(self.user()["company_ids"])
            requested = self.context.get("allowed_company_ids")
            if not requested:
                self._companies = user_companies
            else:
                if not isinstance(requested, list) or any(c not in user_companies for c in requested):
                    raise AccessError("Access to unauthorized or invalid companies.")
                self._companies = list(requested)
        return self._companies

    @property
    def company_id(self) -> int:
        """The active company: first allowed one, else the user's default company."""
        companies = self.companies
        if self.context.get("allowed_company_ids"):
            return companies[0]
        return self.user()["company_id"]

    def now(self) -> str:
        return self.db.now()

    def today(self) -> str:
        return self.db.today()


class BaseModel:
    """Generic behaviour of every model; subclasses declare fields and rules."""

    _name: ClassVar[str]
    _description: ClassVar[str]
    _order: ClassVar[str] = "id"
    _rec_name: ClassVar[str] = "name"
    _company_scoped: ClassVar[bool] = False
    _check_company_fields: ClassVar[tuple[str, ...]] = ()
    _tracked_computed: ClassVar[tuple[str, ...]] = ()
    _fields_cache: ClassVar[dict[tuple[type, str], dict[str, F.Field]]] = {}

    def __init__(self, env: Env) -> None:
        self.env = env
        self._fields = self.fields_for(env.flavour)

    @classmethod
    def fields_for(cls, flavour: str) -> dict[str, F.Field]:
        key = (cls, flavour)
        if key not in cls._fields_cache:
            declared = {
                "id": F.integer("ID", readonly=True),
                "display_name": F.char("Display Name", compute="_compute_display_name",
                                       stored=False, readonly=True),
                **cls._declare_fields(flavour),
                "create_date": F.datetime("Created on", readonly=True),
                "create_uid": F.many2one("res.users", "Created by", readonly=True),
                "write_date": F.datetime("Last Updated on", readonly=True),
                "write_uid": F.many2one("res.users", "Last Updated by", readonly=True),
            }
            cls._fields_cache[key] = {name: f.with_name(name) for name, f in declared.items()}
        return cls._fields_cache[key]

    @classmethod
    def _declare_fields(cls, flavour: str) -> dict[str, F.Field]:
        raise NotImplementedError

    # ----------------------------------------------------------- storage access
    @property
    def _table(self) -> dict[int, dict[str, Any]]:
        return self.env.db.table(self._name)

    def _record(self, rid: Any) -> dict[str, Any] | None:
        return self._table.get(rid) if isinstance(rid, int) else None

    def _all_records(self) -> list[dict[str, Any]]:
        return list(self._table.values())

    def _visible(self, record: dict[str, Any]) -> bool:
        if not self._company_scoped:
            return True
        company = self._value(record, "company_id")
        return not company or company in self.env.companies

    def _value(self, record: dict[str, Any], name: str) -> Any:
        fld = self._fields[name]
        if fld.compute:
            return getattr(self, fld.compute)(record)
        if fld.related:
            return self._follow_related(record, fld)
        if fld.type == "one2many":
            return self._one2many_ids(record, fld)
        if fld.type == "many2many":
            comodel = self.env[fld.relation]
            return [i for i in record.get(name) or [] if comodel._record(i) is not None]
        return record.get(name, fld.empty())

    def _follow_related(self, record: dict[str, Any], fld: F.Field) -> Any:
        model, current = self, record
        for name in fld.related[:-1]:
            target = model._value(current, name)
            model = self.env[model._fields[name].relation]
            current = model._record(target) if target else None
            if current is None:
                return fld.empty()
        return model._value(current, fld.related[-1])

    def _one2many_ids(self, record: dict[str, Any], fld: F.Field) -> list[int]:
        comodel = self.env[fld.relation]
        child_ids = self.env.db.children_ids(comodel._name, fld.inverse_name, record["id"])
        children = [comodel._record(i) for i in child_ids]
        return [r["id"] for r in comodel._sorted(children, comodel._order)]

    def _related_ids(self, record: dict[str, Any], fld: F.Field) -> list[int]:
        value = self._value(record, fld.name)
        if fld.type == "many2one":
            return [value] if value else []
        return list(value)

    def _display_name(self, record: dict[str, Any] | None) -> str:
        if record is None:
            return ""
        return str(record.get(self._rec_name) or "")

    def _compute_display_name(self, record: dict[str, Any]) -> str:
        return self._display_name(record)

    def _tracked_values(self, record: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(self._value(record, name) for name in self._tracked_computed)

    def _company_of(self, record: dict[str, Any]) -> Any:
        return self._value(record, "company_id") if "company_id" in self._fields else False

    # ------------------------------------------------------------ reading
    @public(api_model=True, readonly=True)
    def search(self, domain: Any, offset: int = 0, limit: int | None = None,
               order: str | None = None) -> list[int]:
        predicate = compile_domain(self, domain)
        records = [r for r in self._all_records()
                   if self._visible(r) and self._active_ok(r, domain) and predicate(r)]
        records = self._sorted(records, order or self._order)
        start = int(offset or 0)
        end = start + int(limit) if limit else None
        return [r["id"] for r in records[start:end]]

    @public(api_model=True, readonly=True)
    def search_count(self, domain: Any, limit: int | None = None) -> int:
        count = len(self.search(domain))
        return min(count, limit) if limit else count

    @public(api_model=True, readonly=True)
    def search_read(self, domain: Any = None, fields: list[str] | None = None, offset: int = 0,
                    limit: int | None = None, order: str | None = None,
                    **read_kwargs: Any) -> list[dict[str, Any]]:
        unexpected = [key for key in read_kwargs if key != "load"]
        if unexpected:
            raise TypeError(
                f"BaseModel._read_format() got an unexpected keyword argument '{unexpected[0]}'"
            )
        self._field_names_to_read(fields)
        ids = self.search(domain or [], offset, limit, order)
        return self.read(ids, fields, **read_kwargs)

    @public(readonly=True)
    def read(self, ids: Any, fields: list[str] | None = None,
             load: str | None = "_classic_read") -> list[dict[str, Any]]:
        names = self._field_names_to_read(fields)
        existing = [rid for rid in self._as_ids(ids) if self._record(rid) is not None]
        self._check_access(existing)
        return [self._read_one(self._record(rid), names, load) for rid in existing]

    @public(api_model=True, readonly=True)
    def fields_get(self, allfields: list[str] | None = None,
                   attributes: list[str] | None = None) -> dict[str, dict[str, Any]]:
        result = {}
        for name, fld in self._fields.items():
            if allfields and name not in allfields:
                continue
            description = fld.describe()
            if attributes:
                description = {k: v for k, v in description.items() if k in attributes}
            result[name] = description
        return result

    def _field_names_to_read(self, fields: Any) -> list[str]:
        if not fields:
            return [name for name in self._fields if name != "id"]
        names = []
        for name in fields:
            if name not in self._fields:
                raise ValueError(self._invalid_field_to_read(name))
            if name != "id":
                names.append(name)
        return names

    def _invalid_field_to_read(self, name: Any) -> str:
        if self.env.flavour == "19":
            return f"Invalid field {name!r} on {self._name!r}"
        return f"Invalid field {name!r} on model {self._name!r}"

    def _read_one(self, record: dict[str, Any], names: list[str], load: Any) -> dict[str, Any]:
        row: dict[str, Any] = {"id": record["id"]}
        for name in names:
            row[name] = self._format_for_read(record, self._fields[name], load)
        return row

    def _format_for_read(self, record: dict[str, Any], fld: F.Field, load: Any) -> Any:
        value = self._value(record, fld.name)
        if fld.type == "many2one":
            if not value:
                return False
            if load != "_classic_read":
                return value
            comodel = self.env[fld.relation]
            return [value, comodel._display_name(comodel._record(value))]
        if fld.type in F.X2MANY:
            return list(value)
        if fld.type == "monetary":
            return round(float(value or 0.0), 2)
        if fld.type in ("float",):
            return float(value or 0.0)
        if value is None or (value == "" and fld.type in F.TEXTUAL):
            return False
        return value

    def _active_ok(self, record: dict[str, Any], domain: Any) -> bool:
        if "active" not in self._fields or not self.env.context.get("active_test", True):
            return True
        if _domain_mentions(domain, "active"):
            return True
        return bool(record.get("active", True))

    def _sorted(self, records: list[dict[str, Any]], order: str) -> list[dict[str, Any]]:
        terms = self._parse_order(order)
        result = sorted(records, key=lambda r: r["id"])
        for name, descending in reversed(terms):
            result = sorted(result, key=lambda r, n=name: self._sort_key(r, n), reverse=descending)
        return result

    def _parse_order(self, order: str) -> list[tuple[str, bool]]:
        if not isinstance(order, str):
            raise ValueError(f"Invalid \"order\" specified ({order!r}).")
        terms = []
        for part in order.split(","):
            match = ORDER_TERM.match(part)
            fld = self._fields.get(match.group(1)) if match else None
            if not match or fld is None or not (fld.stored or fld.related) or fld.type in F.X2MANY:
                raise ValueError(
                    f'Invalid "order" specified ({order}). A valid "order" specification is a '
                    "comma-separated list of valid field names (optionally followed by asc/desc "
                    "for the direction)"
                )
            terms.append((match.group(1), (match.group(2) or "asc").lower() == "desc"))
        return terms

    def _sort_key(self, record: dict[str, Any], name: str) -> tuple[int, Any]:
        fld = self._fields[name]
        value = self._value(record, name)
        if fld.type == "many2one" and value:
            comodel = self.env[fld.relation]
            value = comodel._display_name(comodel._record(value))
        if value is False or value is None:
            return (1, 0)
        return (0, value)

    # ------------------------------------------------------------ writing
    @public(api_model=True)
    def create(self, vals_list: Any) -> list[int]:
        if isinstance(vals_list, dict):
            vals_list = [vals_list]
        return [self._create_one(vals) for vals in vals_list]

    @public()
    def write(self, ids: Any, vals: dict[str, Any]) -> bool:
        ids = self._existing_ids(ids)
        self._check_access(ids)
        scalars, x2many = self._split_vals(vals)
        self._check_write(ids, vals)
        for rid in ids:
            self._write_one(rid, scalars, x2many)
        self._after_write(ids, vals)
        return True

    @public()
    def unlink(self, ids: Any) -> bool:
        ids = self._existing_ids(ids)
        self._check_access(ids)
        self._check_unlink(ids)
        for rid in ids:
            self._delete(rid)
        return True

    def _create_one(self, vals: dict[str, Any]) -> int:
        if not isinstance(vals, dict):
            raise TypeError(f"create() expects dicts of values, got {type(vals).__name__}")
        scalars, x2many = self._split_vals(vals)
        values = {**self._default_values(), **self._context_defaults(), **scalars}
        self._complete_values(values, vals)
        self._check_required(values)
        self._check_targets_exist(values)
        rid = self.env.db.allocate_id(self._name)
        now = self.env.now()
        record = {**values, "id": rid, "create_date": now, "write_date": now,
                  "create_uid": self.env.uid, "write_uid": self.env.uid}
        self._table[rid] = record
        self.env.db.touch()
        if not self._visible(record):
            raise AccessError(self._rule_denied_message([rid]))
        for name, commands in x2many.items():
            self._apply_x2many(record, self._fields[name], commands)
        self._check_company(record)
        self._after_create(record, vals)
        return rid

    def _write_one(self, rid: int, scalars: dict[str, Any], x2many: dict[str, Any]) -> None:
        record = self._table[rid]
        self._check_targets_exist(scalars)
        record.update(scalars)
        self.env.db.touch()
        self._check_required(record)
        for name, commands in x2many.items():
            self._apply_x2many(record, self._fields[name], commands)
        self._check_company(record)
        record["write_date"] = self.env.now()
        record["write_uid"] = self.env.uid

    def _split_vals(self, vals: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """Check field names and convert scalar values; keep x2many commands aside."""
        scalars: dict[str, Any] = {}
        x2many: dict[str, Any] = {}
        for name, value in vals.items():
            fld = self._fields.get(name)
            if fld is None:
                raise ValueError(f"Invalid field {name!r} on model {self._name!r}")
            if name in MAGIC_FIELDS or (fld.is_computed and not fld.writable_compute):
                continue
            if fld.type in F.X2MANY:
                x2many[name] = value
            else:
                scalars[name] = F.convert_scalar(self._name, fld, value)
        return scalars, x2many

    def _default_values(self) -> dict[str, Any]:
        return {}

    def _context_defaults(self) -> dict[str, Any]:
        """Odoo applies ``default_<field>`` context keys to creations."""
        defaults = {}
        for key, value in self.env.context.items():
            name = key[len("default_"):] if key.startswith("default_") else None
            fld = self._fields.get(name) if name else None
            if fld is not None and not fld.is_computed and fld.type not in F.X2MANY:
                defaults[name] = F.convert_scalar(self._name, fld, value)
        return defaults

    def _complete_values(self, values: dict[str, Any], vals: dict[str, Any]) -> None:
        """Fill defaults that depend on other values (journal from company...)."""

    def _check_required(self, values: dict[str, Any]) -> None:
        for name, fld in self._fields.items():
            if fld.required and not fld.is_computed and fld.type not in F.X2MANY \
                    and name not in MAGIC_FIELDS and values.get(name) in (False, None, ""):
                raise ValidationError(self._required_message(fld))

    def _required_message(self, fld: F.Field) -> str:
        if self.env.flavour == "19":
            return (
                f"The operation cannot be completed: Missing required value for the field "
                f"'{fld.string}' ({fld.name}).\nModel: '{self._description}' ({self._name})\n"
                "- create/update: a mandatory field is not set\n"
                "- delete: another model requires the record being deleted, you can archive it instead\n"
            )
        return (
            "The operation cannot be completed:\n"
            "- Create/update: a mandatory field is not set.\n"
            "- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n"
            f"Model: {self._description} ({self._name})\nField: {fld.string} ({fld.name})\n"
        )

    def _check_targets_exist(self, values: dict[str, Any]) -> None:
        for name, value in values.items():
            fld = self._fields[name]
            if fld.type == "many2one" and value and self.env[fld.relation]._record(value) is None:
                raise missing_record(fld.relation, [value], self.env.uid)

    def _check_company(self, record: dict[str, Any]) -> None:
        """Odoo's ``check_company``: linked records must share the record's company."""
        company = self._company_of(record)
        if not company:
            return
        for name in self._check_company_fields:
            fld = self._fields[name]
            comodel = self.env[fld.relation]
            for target_id in self._related_ids(record, fld):
                target = comodel._record(target_id)
                target_company = comodel._company_of(target) if target else False
                if target_company and target_company != company:
                    raise UserError(self._incompatible_company_message(record, fld, comodel, target))

    def _incompatible_company_message(self, record: dict[str, Any], fld: F.Field,
                                      comodel: "BaseModel", target: dict[str, Any]) -> str:
        company_name = self.env["res.company"]._display_name(
            self.env["res.company"]._record(self._company_of(record)))
        return (
            "Incompatible companies on records:\n"
            f"- '{self._display_name(record)}' belongs to company '{company_name}' and "
            f"'{fld.string}' ({fld.name}: '{comodel._display_name(target)}') belongs to another company."
        )

    def _apply_x2many(self, record: dict[str, Any], fld: F.Field, commands: Any) -> None:
        for command in _normalize_commands(commands):
            if fld.type == "one2many":
                self._apply_one2many_command(record, fld, command)
            else:
                self._apply_many2many_command(record, fld, command)

    def _apply_one2many_command(self, record: dict[str, Any], fld: F.Field, command: tuple) -> None:
        comodel = self.env[fld.relation]
        code, target = command[0], command[1] if len(command) > 1 else 0
        current = set(self._one2many_ids(record, fld))
        if code == 0:
            comodel._create_one({**_command_values(command), fld.inverse_name: record["id"]})
        elif code == 1:
            comodel.write([target], _command_values(command))
        elif code in (2, 3):
            comodel._existing_ids([target])
            comodel._delete(target)
        elif code == 4:
            comodel.write([target], {fld.inverse_name: record["id"]})
        elif code == 5:
            for child in current:
                comodel._delete(child)
        elif code == 6:
            wanted = set(comodel._existing_ids(command[2]))
            for child in current - wanted:
                comodel._delete(child)
            for child in wanted - current:
                comodel.write([child], {fld.inverse_name: record["id"]})
        else:
            raise ValueError(f"Invalid command {command!r} for field {self._name}.{fld.name}")

    def _apply_many2many_command(self, record: dict[str, Any], fld: F.Field, command: tuple) -> None:
        comodel = self.env[fld.relation]
        ids = list(record.get(fld.name) or [])
        code, target = command[0], command[1] if len(command) > 1 else 0
        if code == 0:
            ids.append(comodel._create_one(_command_values(command)))
        elif code == 1:
            comodel.write([target], _command_values(command))
        elif code == 2:
            comodel.unlink([target])
            ids = [i for i in ids if i != target]
        elif code == 3:
            ids = [i for i in ids if i != target]
        elif code == 4:
            comodel._existing_ids([target])
            ids = ids if target in ids else ids + [target]
        elif code == 5:
            ids = []
        elif code == 6:
            ids = list(dict.fromkeys(comodel._existing_ids(command[2])))
        else:
            raise ValueError(f"Invalid command {command!r} for field {self._name}.{fld.name}")
        record[fld.name] = ids

    def _delete(self, rid: int) -> None:
        """Remove a record, cascading and nulling references as the schema says."""
        if rid not in self._table:
            return
        del self._table[rid]
        for model_name in self.env.db.registry:
            other = self.env[model_name]
            for fld in other._fields.values():
                if fld.relation == self._name and not fld.is_computed and fld.stored:
                    other._drop_references(fld, rid)
        self.env.db.touch()

    def _drop_references(self, fld: F.Field, rid: int) -> None:
        for record in self._all_records():
            if fld.type == "many2many" and rid in (record.get(fld.name) or []):
                record[fld.name] = [i for i in record[fld.name] if i != rid]
            elif fld.type == "many2one" and record.get(fld.name) == rid:
                if fld.ondelete == "cascade":
                    self._delete(record["id"])
                elif fld.required:
                    raise ValidationError(self._restrict_message())
                else:
                    record[fld.name] = False

    def _restrict_message(self) -> str:
        return (
            "The operation cannot be completed: another model requires the record being "
            f"deleted. If possible, archive it instead.\n\nModel: {self._description} ({self._name})"
        )

    def _check_write(self, ids: list[int], vals: dict[str, Any]) -> None:
        """Business rules refusing a write (posted bills...)."""

    def _after_write(self, ids: list[int], vals: dict[str, Any]) -> None:
        """Business consequences of a write."""

    def _after_create(self, record: dict[str, Any], vals: dict[str, Any]) -> None:
        """Business consequences of a create (sequence numbers...)."""

    def _check_unlink(self, ids: list[int]) -> None:
        """Business rules refusing a deletion."""

    # ------------------------------------------------------------ ids & access
    def _as_ids(self, ids: Any) -> list[int]:
        if isinstance(ids, bool):
            raise TypeError(f"Invalid ids {ids!r}")
        if isinstance(ids, int):
            return [ids]
        if not isinstance(ids, (list, tuple)) or not all(
                isinstance(i, int) and not isinstance(i, bool) for i in ids):
            raise TypeError(f"Invalid ids {ids!r}: a list of integers is expected")
        return list(ids)

    def _existing_ids(self, ids: Any) -> list[int]:
        ids = self._as_ids(ids)
        missing = [rid for rid in ids if self._record(rid) is None]
        if missing:
            raise missing_record(self._name, missing, self.env.uid)
        return list(dict.fromkeys(ids))

    def _check_access(self, ids: list[int]) -> None:
        hidden = [rid for rid in ids if not self._visible(self._record(rid))]
        if hidden:
            raise AccessError(self._rule_denied_message(hidden))

    def _rule_denied_message(self, ids: list[int]) -> str:
        records = ", ".join(f"{self._display_name(self._record(i))} (id={i})" for i in ids)
        users = self.env["res.users"]
        user_name = users._display_name(users._record(self.env.uid))
        return (
            f"Uh-oh! Looks like you have stumbled upon some top-secret records.\n\n"
            f"Sorry, {user_name} (id={self.env.uid}) doesn't have 'read' access to:\n"
            f"- {self._description}, {records} ({self._name}: {', '.join(map(str, ids))})\n\n"
            "Blame the following rules:\n"
            f"- {self._description} multi-company\n\n"
            "Note: this might be a multi-company issue. Switching company may help - in Odoo, "
            "not in real life!\n\n"
            "If you really, really need access, perhaps you can win over your friendly "
            "administrator with a batch of freshly baked cookies."
        )


def _normalize_commands(commands: Any) -> list[tuple]:
    """Odoo accepts a list of commands, one command tuple, or a bare list of ids (SET)."""
    if commands is False or commands is None:
        return [(5, 0, 0)]
    if isinstance(commands, tuple):
        return [commands]
    if not isinstance(commands, list):
        raise ValueError(f"Invalid x2many value {commands!r}")
    if commands and not isinstance(commands[0], (list, tuple)):
        return [(6, 0, list(commands))]
    normalized = []
    for command in commands:
        if not isinstance(command, (list, tuple)) or not command:
            raise ValueError(f"Invalid x2many command {command!r}")
        normalized.append(tuple(command))
    return normalized


def _command_values(command: tuple) -> dict[str, Any]:
    values = command[2] if len(command) > 2 else None
    if not isinstance(values, dict):
        raise ValueError(f"Invalid x2many command {command!r}: a dict of values is expected")
    return values


def _domain_mentions(domain: Any, field_name: str) -> bool:
    if not isinstance(domain, (list, tuple)):
        return False
    for term in domain:
        if isinstance(term, (list, tuple)) and term and isinstance(term[0], str) \
                and term[0].split(".")[0] == field_name:
            return True
    return False
