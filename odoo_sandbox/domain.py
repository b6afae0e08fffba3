"""Search domains: Odoo's polish-notation term lists, validated and evaluated in memory.

Supported operators: = != in, not in, < <= > >=, like, ilike, not like, not ilike,
=like, =ilike, =? and the connectors '&', '|', '!'. Dotted paths follow relational
fields. Unknown fields, unknown operators and non-stored fields raise the
ValueError Odoo raises (an XML-RPC fault 1 / JSON-2 500).
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable

from .fields import X2MANY, Field

if TYPE_CHECKING:
    from .orm import BaseModel

CONNECTOR_ARITY = {"&": 2, "|": 2, "!": 1}
POSITIVE_OF = {"!=": "=", "not in": "in", "not like": "like", "not ilike": "ilike"}
OPERATORS = frozenset(
    ["=", "!=", "in", "not in", "<", "<=", ">", ">=", "like", "ilike",
     "not like", "not ilike", "=like", "=ilike", "=?"]
)
TRUE_LEAF = (1, "=", 1)
FALSE_LEAF = (0, "=", 1)

Predicate = Callable[[dict[str, Any]], bool]


def normalize(domain: Any) -> list[Any]:
    """Make the implicit '&' between consecutive terms explicit (Odoo's normalize_domain)."""
    if not isinstance(domain, (list, tuple)):
        raise ValueError(f"Invalid domain: {domain!r}")
    result: list[Any] = []
    expected = 1
    for token in domain:
        if expected == 0:
            result.insert(0, "&")
            expected = 1
        if isinstance(token, (list, tuple)):
            expected -= 1
            result.append(tuple(token))
        elif token in CONNECTOR_ARITY:
            expected += CONNECTOR_ARITY[token] - 1
            result.append(token)
        else:
            raise ValueError(f"Invalid domain term {token!r}")
    if expected > 0 and result:
        raise ValueError(f"Invalid domain: {domain!r}")
    return result


def compile_domain(model: "BaseModel", domain: Any) -> Predicate:
    """Validate ``domain`` against ``model`` and return a record predicate."""
    terms = normalize(domain or [])
    if not terms:
        return lambda record: True
    stack: list[Predicate] = []
    for term in reversed(terms):
        if term == "!":
            stack.append(_negate(stack.pop()))
        elif term in ("&", "|"):
            stack.append(_combine(term, stack.pop(), stack.pop()))
        else:
            stack.append(_compile_leaf(model, term))
    if len(stack) != 1:
        raise ValueError(f"Invalid domain: {domain!r}")
    return stack[0]


def _negate(inner: Predicate) -> Predicate:
    return lambda record: not inner(record)


def _combine(connector: str, left: Predicate, right: Predicate) -> Predicate:
    if connector == "&":
        return lambda record: left(record) and right(record)
    return lambda record: left(record) or right(record)


def _compile_leaf(model: "BaseModel", leaf: tuple[Any, ...]) -> Predicate:
    if leaf == TRUE_LEAF:
        return lambda record: True
    if leaf == FALSE_LEAF:
        return lambda record: False
    if len(leaf) != 3 or not isinstance(leaf[0], str):
        raise ValueError(_invalid_leaf_message(model, leaf))
    path, operator, value = leaf
    operator = operator.lower() if isinstance(operator, str) else operator
    if operator not in OPERATORS:
        raise ValueError(_invalid_operator_message(model, leaf))
    return _compile_path(model, path.split("."), operator, value, leaf)


def _compile_path(
    model: "BaseModel", names: list[str], operator: str, value: Any, leaf: tuple[Any, ...]
) -> Predicate:
    fld = _resolve_field(model, names[0], leaf)
    if len(names) == 1:
        return _compile_condition(model, fld, operator, value)
    if fld.type not in ("many2one",) + X2MANY:
        raise ValueError(_invalid_field_message(model, names[0], leaf))
    comodel = model.env[fld.relation]
    negative = operator in POSITIVE_OF
    inner = _compile_path(comodel, names[1:], POSITIVE_OF.get(operator, operator), value, leaf)

    def matches(record: dict[str, Any]) -> bool:
        related = [comodel._record(rid) for rid in model._related_ids(record, fld)]
        found = any(r is not None and inner(r) for r in related)
        return not found if negative else found

    return matches


def _resolve_field(model: "BaseModel", name: str, leaf: tuple[Any, ...]) -> Field:
    fld = model._fields.get(name)
    if fld is None:
        raise ValueError(_invalid_field_message(model, name, leaf))
    if not fld.searchable:
        raise ValueError(f"Non-stored field {model._name}.{name} cannot be searched.")
    return fld


def _compile_condition(model: "BaseModel", fld: Field, operator: str, value: Any) -> Predicate:
    if operator == "=?":
        if value in (False, None):
            return lambda record: True
        operator = "="
    if operator in POSITIVE_OF:
        positive = _compile_condition(model, fld, POSITIVE_OF[operator], value)
        return _negate(positive)
    if fld.type in ("many2one",) + X2MANY:
        return _relational_condition(model, fld, operator, value)
    value = _coerce_temporal(fld, operator, value)
    test = _scalar_test(operator, value)
    return lambda record: test(model._value(record, fld.name))


def _relational_condition(model: "BaseModel", fld: Field, operator: str, value: Any) -> Predicate:
    comodel = model.env[fld.relation]
    by_name = _is_name_value(value)

    def matches(record: dict[str, Any]) -> bool:
        ids = model._related_ids(record, fld)
        if by_name and operator not in ("<", "<=", ">", ">="):
            names = [comodel._display_name(comodel._record(i)) for i in ids if comodel._record(i)]
            return _name_matches(operator, value, names)
        if operator == "=":
            return not ids if value in (False, None) else value in ids
        if operator == "in":
            wanted = _as_list(value)
            return any(i in wanted for i in ids) or (False in wanted and not ids)
        test = _scalar_test(operator, value)
        return any(test(i) for i in ids)

    return matches


def _is_name_value(value: Any) -> bool:
    if isinstance(value, str):
        return True
    return isinstance(value, (list, tuple)) and bool(value) and all(isinstance(v, str) for v in value)


def _name_matches(operator: str, value: Any, names: list[str]) -> bool:
    if operator == "in":
        return any(name in _as_list(value) for name in names)
    if operator == "=":
        return value in names
    test = _scalar_test(operator, value)
    return any(test(name) for name in names)


def _coerce_temporal(fld: Field, operator: str, value: Any) -> Any:
    """A date-only value on a datetime field covers the whole day, as Odoo does."""
    if fld.type == "datetime" and isinstance(value, str) and len(value) == 10:
        return value + (" 23:59:59" if operator in (">", "<=") else " 00:00:00")
    return value


def _scalar_test(operator: str, value: Any) -> Callable[[Any], bool]:
    if operator == "=":
        return lambda actual: _equal(actual, value)
    if operator == "in":
        wanted = _as_list(value)
        return lambda actual: any(_equal(actual, w) for w in wanted)
    if operator in ("<", "<=", ">", ">="):
        return _comparison(operator, value)
    return _like(operator, value)


def _equal(actual: Any, expected: Any) -> bool:
    if expected in (False, None):
        return actual in (False, None) or (actual == "" and expected is False)
    if isinstance(actual, bool) or isinstance(expected, bool):
        return actual is expected
    return actual == expected


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple, set)):
        return list(value)
    return [value]


def _comparison(operator: str, value: Any) -> Callable[[Any], bool]:
    compare = {
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
    }[operator]

    def test(actual: Any) -> bool:
        if actual is None or actual is False or value is None or value is False:
            return False
        try:
            return compare(actual, value)
        except TypeError:
            return False

    return test


def _like(operator: str, value: Any) -> Callable[[Any], bool]:
    if value in (False, None):
        return lambda actual: actual in (False, None, "")
    pattern = str(value)
    if operator in ("like", "ilike"):
        pattern = f"%{pattern}%"
    flags = re.IGNORECASE if operator in ("ilike", "=ilike") else 0
    regex = re.compile(_like_to_regex(pattern), flags | re.DOTALL)
    return lambda actual: isinstance(actual, str) and regex.fullmatch(actual) is not None


def _like_to_regex(pattern: str) -> str:
    parts = []
    for char in pattern:
        if char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return "".join(parts)


def _invalid_field_message(model: "BaseModel", name: str, leaf: tuple[Any, ...]) -> str:
    where = "condition" if model.env.flavour == "19" else "leaf"
    return f"Invalid field {model._name}.{name} in {where} {tuple(leaf)!r}"


def _invalid_operator_message(model: "BaseModel", leaf: tuple[Any, ...]) -> str:
    if model.env.flavour == "19":
        return f"Invalid operator {leaf[1]!r} in condition {tuple(leaf)!r}"
    return f"Invalid leaf {tuple(leaf)!r}"


def _invalid_leaf_message(model: "BaseModel", leaf: tuple[Any, ...]) -> str:
    if model.env.flavour == "19":
        return f"Invalid condition {tuple(leaf)!r}"
    return f"Invalid leaf {tuple(leaf)!r}"
