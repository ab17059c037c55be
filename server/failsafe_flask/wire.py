"""Check a value decoded from JSON against the type annotations that define it.

The channel's messages (``protocol``) are dataclasses and TypedDicts; this turns their
annotations into the one check a reader needs, so a field is declared once and never
checked by hand. Standard library only, Python 3.9+ (it runs in the user's interpreter
too): scalars, ``Optional``, ``list``, ``tuple``, ``dict[str, X]``, TypedDicts
and dataclasses, nested.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, Union, get_args, get_origin, get_type_hints

_SCALARS = (str, int, float, bool)
# As JSON names them, for messages.
_NAMES: dict[Any, str] = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    type(None): "null",
    list: "array",
    tuple: "array",
    dict: "object",
}


class Invalid(Exception):
    """The value does not fit; str() says where (``ready.url``) and what."""


def check(hint: Any, value: Any, where: str) -> Any:
    """``value`` as ``hint`` describes it: dataclasses are built, lists become tuples
    where a tuple is declared. Raises ``Invalid``."""
    if hint is Any:
        return value
    if hint is type(None):
        if value is None:
            return None
        raise Invalid(f"{where}: expected null, got {_name(value)}")
    if hint in _SCALARS:
        return _scalar(hint, value, where)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return hint(**_fields(hint, value, where))
    if _is_typeddict(hint):
        return _fields(hint, value, where)
    return _generic(hint, value, where)


def _scalar(hint: type[Any], value: Any, where: str) -> Any:
    fits = isinstance(value, hint) and not (hint is int and isinstance(value, bool))
    if hint is float:
        fits = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not fits:
        raise Invalid(f"{where}: expected {_NAMES[hint]}, got {_name(value)}")
    return value


def _generic(hint: Any, value: Any, where: str) -> Any:
    origin, args = get_origin(hint), get_args(hint)
    if origin is Union and len(args) == 2 and type(None) in args:  # Optional[X]
        if value is None:
            return None
        return check(next(arm for arm in args if arm is not type(None)), value, where)
    if origin not in (list, tuple, dict):
        raise TypeError(f"wire.check cannot check {hint!r}")  # a protocol bug, not bad input
    if not isinstance(value, (list, tuple) if origin is tuple else origin):
        raise Invalid(f"{where}: expected {_NAMES[origin]}, got {_name(value)}")
    if isinstance(value, dict):
        return {key: check(args[1], item, f"{where}.{key}") for key, item in value.items()}
    items = args[:1] * len(value) if origin is list or args[-1:] == (...,) else args
    if len(items) != len(value):
        raise Invalid(f"{where}: expected {len(items)} items, got {len(value)}")
    checked = [check(item, v, f"{where}[{i}]") for i, (item, v) in enumerate(zip(items, value))]
    return checked if origin is list else tuple(checked)


def _fields(cls: Any, value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Invalid(f"{where}: expected an object, got {_name(value)}")
    checked = {}
    for name, hint in _hints(cls).items():
        if name not in value:
            raise Invalid(f"{where}: no {name!r}")
        checked[name] = check(hint, value[name], f"{where}.{name}")
    return checked


@functools.cache
def _hints(cls: Any) -> dict[str, Any]:
    """The fields a value of ``cls`` must have (a dataclass's ClassVars are not fields)."""
    hints = get_type_hints(cls)
    if dataclasses.is_dataclass(cls):
        return {field.name: hints[field.name] for field in dataclasses.fields(cls)}
    return {name: hint for name, hint in hints.items() if name in cls.__required_keys__}


def _is_typeddict(hint: Any) -> bool:
    return isinstance(hint, type) and issubclass(hint, dict) and hasattr(hint, "__total__")


def _name(value: Any) -> str:
    return _NAMES.get(type(value), type(value).__name__)
