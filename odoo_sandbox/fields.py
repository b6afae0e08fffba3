"""Field declarations: type, flags and the value conversions Odoo applies.

Stored ("raw") values are plain JSON-able Python values: many2one -> id or False,
many2many -> list of ids, date -> 'YYYY-MM-DD', datetime -> 'YYYY-MM-DD HH:MM:SS'.
One2many values are never stored: they are derived from the inverse many2one.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field as dc_field, replace
from typing import Any

DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"

RELATIONAL = ("many2one", "one2many", "many2many")
X2MANY = ("one2many", "many2many")
NUMERIC = ("integer", "float", "monetary")
TEXTUAL = ("char", "text", "html")


@dataclass(frozen=True)
class Field:
    """One field of a model, with the attributes ``fields_get`` reports.

    ``compute`` names a model method ``(record) -> raw value``; ``stored`` says
    whether Odoo stores the field (which decides if it can be searched and
    sorted), independently of how the sandbox computes it. ``related`` is a
    path of many2one field names followed from the record.
    """

    type: str
    string: str
    name: str = ""
    required: bool = False
    readonly: bool = False
    relation: str | None = None
    inverse_name: str | None = None
    selection: tuple[tuple[str, str], ...] | None = None
    compute: str | None = None
    related: tuple[str, ...] | None = None
    stored: bool = True
    writable_compute: bool = False
    ondelete: str | None = None
    help: str = ""
    extra: dict[str, Any] = dc_field(default_factory=dict)

    @property
    def is_computed(self) -> bool:
        return bool(self.compute or self.related)

    @property
    def searchable(self) -> bool:
        return self.stored or self.type == "one2many" or bool(self.related)

    def with_name(self, name: str) -> "Field":
        return replace(self, name=name)

    def empty(self) -> Any:
        if self.type in X2MANY:
            return []
        if self.type == "boolean":
            return False
        if self.type in ("integer", "many2one_reference"):
            return 0
        if self.type in ("float", "monetary"):
            return 0.0
        return False

    def describe(self) -> dict[str, Any]:
        """All attributes of this field as ``fields_get`` returns them."""
        info: dict[str, Any] = {
            "type": self.type,
            "string": self.string,
            "name": self.name,
            "required": self.required,
            "readonly": self.readonly,
            "store": self.stored,
            "searchable": self.searchable,
            "sortable": self.stored and self.type not in X2MANY,
            "help": self.help,
        }
        if self.relation:
            info["relation"] = self.relation
        if self.inverse_name:
            info["relation_field"] = self.inverse_name
        if self.selection is not None:
            info["selection"] = [list(pair) for pair in self.selection]
        info.update(self.extra)
        if not self.help:
            del info["help"]
        return info


def char(string: str, **kw: Any) -> Field:
    return Field("char", string, **kw)


def text(string: str, **kw: Any) -> Field:
    return Field("text", string, **kw)


def html(string: str, **kw: Any) -> Field:
    return Field("html", string, **kw)


def integer(string: str, **kw: Any) -> Field:
    return Field("integer", string, **kw)


def float_(string: str, **kw: Any) -> Field:
    return Field("float", string, **kw)


def monetary(string: str, **kw: Any) -> Field:
    return Field("monetary", string, **kw)


def boolean(string: str, **kw: Any) -> Field:
    return Field("boolean", string, **kw)


def date(string: str, **kw: Any) -> Field:
    return Field("date", string, **kw)


def datetime(string: str, **kw: Any) -> Field:
    return Field("datetime", string, **kw)


def binary(string: str, **kw: Any) -> Field:
    return Field("binary", string, **kw)


def json_(string: str, **kw: Any) -> Field:
    return Field("json", string, **kw)


def selection(string: str, values: tuple[tuple[str, str], ...], **kw: Any) -> Field:
    return Field("selection", string, selection=values, **kw)


def many2one(relation: str, string: str, **kw: Any) -> Field:
    return Field("many2one", string, relation=relation, **kw)


def one2many(relation: str, inverse: str, string: str, **kw: Any) -> Field:
    return Field("one2many", string, relation=relation, inverse_name=inverse, stored=False, **kw)


def many2one_reference(string: str, model_field: str, **kw: Any) -> Field:
    return Field("many2one_reference", string, extra={"model_field": model_field}, **kw)


def many2many(relation: str, string: str, **kw: Any) -> Field:
    return Field("many2many", string, relation=relation, **kw)


def to_date_string(field_name: str, value: Any) -> str | bool:
    """Odoo's ``Date.to_date``: a 'YYYY-MM-DD' prefix, or a date object."""
    if value is False or value is None or value == "":
        return False
    if isinstance(value, dt.datetime):
        return value.date().strftime(DATE_FORMAT)
    if isinstance(value, dt.date):
        return value.strftime(DATE_FORMAT)
    if not isinstance(value, str):
        raise TypeError(f"{field_name}: expected a date string, got {type(value).__name__}")
    return dt.datetime.strptime(value[:10], DATE_FORMAT).strftime(DATE_FORMAT)


def to_datetime_string(field_name: str, value: Any) -> str | bool:
    """Odoo's ``Datetime.to_datetime``: only the server format, naive UTC."""
    if value is False or value is None or value == "":
        return False
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            raise ValueError("Datetime field expects a naive datetime: %s" % value)
        return value.strftime(DATETIME_FORMAT)
    if isinstance(value, dt.date):
        return value.strftime(DATE_FORMAT) + " 00:00:00"
    if not isinstance(value, str):
        raise TypeError(f"{field_name}: expected a datetime string, got {type(value).__name__}")
    parsed = dt.datetime.strptime(value, DATETIME_FORMAT[: len(value) - 2])
    return parsed.strftime(DATETIME_FORMAT)


def convert_scalar(model_name: str, fld: Field, value: Any) -> Any:
    """Convert a value received over RPC to its stored form, as Odoo's
    ``convert_to_cache`` would, raising the same kind of exception on garbage."""
    kind = fld.type
    if kind in TEXTUAL:
        return False if value in (False, None) else str(value)
    if kind in ("integer", "many2one_reference"):
        return int(value or 0)
    if kind in ("float", "monetary"):
        return float(value or 0.0)
    if kind == "boolean":
        return bool(value)
    if kind == "date":
        return to_date_string(fld.name, value)
    if kind == "datetime":
        return to_datetime_string(fld.name, value)
    if kind == "selection":
        return _convert_selection(model_name, fld, value)
    if kind == "binary":
        return _convert_binary(value)
    if kind == "json":
        return value if value not in (None,) else False
    if kind == "many2one":
        return _convert_many2one(model_name, fld, value)
    raise TypeError(f"convert_scalar does not handle {kind}")


def _convert_selection(model_name: str, fld: Field, value: Any) -> Any:
    if value in (False, None):
        return False
    allowed = {key for key, _label in fld.selection or ()}
    if value not in allowed:
        raise ValueError(f"Wrong value for {model_name}.{fld.name}: {value!r}")
    return value


def _convert_binary(value: Any) -> Any:
    if value in (False, None):
        return False
    if not isinstance(value, str):
        raise TypeError(
            f"a base64-encoded str is expected for binary fields, got {type(value).__name__}"
        )
    return value


def _convert_many2one(model_name: str, fld: Field, value: Any) -> Any:
    if value in (False, None, 0):
        return False
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"Wrong value for {model_name}.{fld.name}: {value!r}")
    return value
