"""The one serialised form of records, defined by one cattrs converter.

Times are ISO 8601 in UTC with a ``Z`` suffix, enums are their string values, tuples
become lists, ``extra`` passes through untouched. Every exporter and reader goes through
:func:`to_dict` and :func:`from_dict`.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from enum import Enum
from types import UnionType
from typing import Final, Literal, get_args, get_origin, overload

import cattrs
import orjson
from attrs import fields, has
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from .model import Author, JsonValue, Platform, Post, Provenance, Record, Reply, TimePrecision

__all__ = [
    "SCHEMA_VERSION",
    "converter",
    "format_time",
    "from_dict",
    "parse_time",
    "to_dict",
    "to_json_line",
]

#: Major version of the serialised form; bumped on any incompatible change.
SCHEMA_VERSION: Final = 1
#: The ``schema`` value stamped on every serialised record.
SCHEMA_TAG: Final = f"tearcorpus/{SCHEMA_VERSION}"


_dumps: Final = orjson.dumps
_UTC_Z: Final = orjson.OPT_UTC_Z


def format_time(value: datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` suffix (microseconds only when present)."""
    if value.tzinfo is UTC:
        # orjson writes exactly ``isoformat()`` with ``Z`` for UTC, four times faster.
        return _dumps(value, option=_UTC_Z)[1:-1].decode()
    return value.isoformat().replace("+00:00", "Z")


def parse_time(value: str) -> datetime:
    """Inverse of :func:`format_time`; naive input is taken as UTC."""
    from .model import utc

    parsed = utc(datetime.fromisoformat(value))
    assert parsed is not None
    return parsed


def _passthrough_extra(value: object, _: object) -> dict[str, JsonValue]:
    if not isinstance(value, dict):
        raise TypeError(f"extra must be an object, not {type(value).__name__}")
    return value


# Post and Reply are unstructured by functions generated from their fields (as cattrs
# generates its own): the same dicts, keys in the same order, as cattrs' generated
# functions give, without a hook dispatch per field (to_dict and the JSONL writer are
# hot). Each gives the tagged form (``schema`` and ``kind`` first, as to_dict returns
# it). The dict builder formats times with :func:`format_time` and makes tuples lists;
# the line writer leaves both to orjson, which writes UTC times as :func:`format_time`
# does and tuples as lists, and refills this thread's scratch dicts (one per record
# class and per nested class) rather than building and dropping three dicts per line.


class _Scratch(threading.local):
    """Per thread: the dicts the line writers refill, by name, made on first use."""

    def __init__(self) -> None:
        self.dicts: defaultdict[str, dict[str, object]] = defaultdict(dict)


_scratch: Final = _Scratch()


class _Source:
    """The source of one generated function: its statements and the globals they use."""

    def __init__(self, line: bool) -> None:
        self.line = line
        self.names: dict[str, object] = {
            "_dumps": _dumps,
            "_OPTIONS": _LINE_OPTIONS,
            "_format_time": format_time,
            "_UTC": UTC,
            "_scratch": _scratch,
        }
        self.statements: list[str] = []

    def value(self, kind: object, expr: str) -> str:
        """An expression of the serialised value of *expr*, of the field type *kind*
        (the statements it needs first are added)."""
        optional = False
        if isinstance(kind, UnionType) and type(None) in get_args(kind):
            optional = True
            (kind,) = (arg for arg in get_args(kind) if arg is not type(None))
        var = "_" + expr.replace(".", "_")
        if isinstance(kind, type) and issubclass(kind, Enum):
            table = f"_values_{kind.__name__}"
            values: dict[object, object] = {member: member.value for member in kind}
            self.names[table] = values | {None: None}
            return f"{table}[{expr}]"
        if kind is datetime:
            self.statements.append(f"{var} = {expr}")
            if self.line:  # a UTC time is left to orjson
                return f"{var} if {var} is None or {var}.tzinfo is _UTC else _format_time({var})"
            return f"None if {var} is None else _format_time({var})"
        if isinstance(kind, type) and has(kind):
            self.statements.append(f"{var} = {expr}")
            if not self.line:
                nested = self.display(kind, var)
                return f"None if {var} is None else {nested}" if optional else nested
            outer, self.statements = self.statements, []
            self.fill(kind, var, f"{var}_d")
            inner, self.statements = self.statements, outer
            if optional:
                self.statements += [f"if {var} is None:", f"    {var}_d = None", "else:"]
                inner = ["    " + statement for statement in inner]
            self.statements += inner
            return f"{var}_d"
        if get_origin(kind) is tuple and not self.line:
            return f"list({expr})"
        return expr

    def display(self, cls: type, var: str, **first: str) -> str:
        """A dict display of the instance *var* of *cls*, after the items *first*."""
        values = [(f.name, self.value(f.type, f"{var}.{f.name}")) for f in fields(cls)]
        items = [*first.items(), *values]
        return "{" + ", ".join(f"{name!r}: {value}" for name, value in items) + "}"

    def fill(self, cls: type, var: str, target: str) -> None:
        """Statements that refill *cls*'s scratch dict, *target*, from the instance *var*."""
        self.statements.append(f"{target} = _dicts[{cls.__qualname__!r}]")
        for f in fields(cls):
            self.statements.append(
                f"{target}[{f.name!r}] = {self.value(f.type, f'{var}.{f.name}')}"
            )


@overload
def _generate(
    cls: type, kind: str, line: Literal[False]
) -> Callable[[Record], dict[str, JsonValue]]: ...
@overload
def _generate(cls: type, kind: str, line: Literal[True]) -> Callable[[Record], bytes]: ...
def _generate(
    cls: type, kind: str, line: bool
) -> Callable[[Record], dict[str, JsonValue]] | Callable[[Record], bytes]:
    """The tagged dict builder (or, with *line*, the JSON line writer) of *cls*."""
    source = _Source(line)
    if line:
        source.statements.append("_dicts = _scratch.dicts")
        source.fill(cls, "record", "_line")
        # The tags first: set before the fields when the dict is new, in place after.
        source.statements[2:2] = [f"_line['schema'] = {SCHEMA_TAG!r}", f"_line['kind'] = {kind!r}"]
        result = "_dumps(_line, option=_OPTIONS)"
    else:
        result = source.display(cls, "record", schema=repr(SCHEMA_TAG), kind=repr(kind))
    body = "".join(f"    {statement}\n" for statement in source.statements)
    text = f"def build(record):\n{body}    return {result}\n"
    what = "line" if line else "dict"
    exec(compile(text, f"<{cls.__name__} {what} builder>", "exec"), source.names)
    build = source.names["build"]
    assert callable(build)
    return build


def _untagged(tagged: dict[str, JsonValue]) -> dict[str, JsonValue]:
    del tagged["schema"], tagged["kind"]
    return tagged


_LINE_OPTIONS: Final = orjson.OPT_APPEND_NEWLINE | orjson.OPT_UTC_Z
#: Record class → its tagged dict builder and its JSON line writer.
_BUILDERS: Final[
    dict[type, tuple[Callable[[Record], dict[str, JsonValue]], Callable[[Record], bytes]]]
] = {
    cls: (_generate(cls, kind, False), _generate(cls, kind, True))
    for cls, kind in ((Post, "post"), (Reply, "reply"))
}


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True)
    conv.register_unstructure_hook(datetime, format_time)
    conv.register_structure_hook(datetime, lambda v, _: parse_time(v))
    conv.register_unstructure_hook(Platform, lambda p: p.value)
    conv.register_structure_hook(Platform, lambda v, _: Platform(v))
    conv.register_unstructure_hook(TimePrecision, lambda p: p.value)
    conv.register_structure_hook(TimePrecision, lambda v, _: TimePrecision(v))
    for cls in (Author, Provenance):
        conv.register_unstructure_hook(cls, make_dict_unstructure_fn(cls, conv))
        conv.register_structure_hook(cls, make_dict_structure_fn(cls, conv))
    for rec in (Post, Reply):
        tagged = _BUILDERS[rec][0]
        conv.register_unstructure_hook(rec, lambda record, tagged=tagged: _untagged(tagged(record)))
    for rec in (Post, Reply):
        # ``extra`` is already JSON data: pass it through both ways.
        conv.register_structure_hook(
            rec, make_dict_structure_fn(rec, conv, extra=override(struct_hook=_passthrough_extra))
        )
    return conv


#: The module-level converter. Configure nothing else anywhere.
converter: Final = _make_converter()

_KINDS: Final[dict[str, type[Post] | type[Reply]]] = {"post": Post, "reply": Reply}


def to_dict(record: Record) -> dict[str, JsonValue]:
    """Unstructure *record* into plain JSON-ready data, tagged with schema and kind."""
    builders = _BUILDERS.get(type(record))
    if builders is None:  # a subclass: let the converter dispatch
        kind = "post" if isinstance(record, Post) else "reply"
        data: dict[str, JsonValue] = {"schema": SCHEMA_TAG, "kind": kind}
        data.update(converter.unstructure(record))
        return data
    return builders[0](record)


def from_dict(data: Mapping[str, object]) -> Record:
    """Structure a dict written by :func:`to_dict` back into a record.

    Raises ``ValueError`` naming every problem for data that is not a tearcorpus record.
    """
    data = dict(data)
    schema = data.pop("schema", None)
    if schema != SCHEMA_TAG:
        raise ValueError(f"unsupported schema {schema!r} (this version reads {SCHEMA_TAG!r})")
    kind = data.pop("kind", None)
    cls = _KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValueError(f"unknown record kind {kind!r}")
    try:
        record: Record = converter.structure(data, cls)
    except cattrs.BaseValidationError as exc:
        raise ValueError("; ".join(cattrs.transform_error(exc))) from None
    return record


def to_json_line(record: Record) -> bytes:
    """``orjson.dumps(to_dict(record))`` and a newline: the same bytes, with UTC times
    left to orjson instead of formatted first (the JSONL exporter's hot path)."""
    builders = _BUILDERS.get(type(record))
    if builders is None:
        return _dumps(to_dict(record), option=orjson.OPT_APPEND_NEWLINE)
    return builders[1](record)
