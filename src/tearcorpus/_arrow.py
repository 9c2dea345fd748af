"""Arrow and ``datasets`` for the tables of :mod:`tearcorpus.schema`: schemas, features,
record batches from records and records back from tables.

Reached through :mod:`tearcorpus.schema`, which declares the tables; pyarrow and datasets
are imported inside the functions that need them.
"""

from __future__ import annotations

import functools
import io
import json
import sys
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from itertools import accumulate
from operator import attrgetter
from types import ModuleType, SimpleNamespace
from typing import TYPE_CHECKING, Final, Literal

import orjson

from .errors import MissingDependencyError
from .model import JsonValue, Platform, Post, Record, Reply
from .schema import (
    AUTHOR_FIELDS,
    MESSAGE_FIELDS,
    PLATFORM_NAMES,
    PROVENANCE_FIELDS,
    TABLES,
    Column,
)
from .serialize import SCHEMA_TAG, format_time, from_dict, to_dict

if TYPE_CHECKING:
    import datasets
    import pyarrow as pa

__all__ = [
    "arrow_schema",
    "features",
    "features_schema",
    "leaf_columns",
    "record_batch",
    "record_from_row",
    "records_from_table",
]


def _pyarrow() -> ModuleType:
    """The ``pyarrow`` module (with ``pyarrow.compute`` loaded), imported on first use."""
    try:
        import pyarrow
        import pyarrow.compute
    except ImportError:
        raise MissingDependencyError("Arrow export", "hf", "pyarrow") from None
    module: ModuleType = pyarrow
    return module


def _datasets() -> ModuleType:
    """The ``datasets`` module, imported on first use."""
    try:
        import datasets
    except ImportError:
        raise MissingDependencyError("datasets export", "hf", "datasets") from None
    module: ModuleType = datasets
    return module


#: The fields of each struct type (``messages`` is a list of them): (name, type, nullable).
_STRUCTS: Final = {
    "author": AUTHOR_FIELDS,
    "provenance": PROVENANCE_FIELDS,
    "messages": MESSAGE_FIELDS,
}


def _arrow_type(kind: str, feature: bool = False) -> pa.DataType:
    # The Arrow type of *kind*; with *feature*, of its ``datasets`` feature: every struct
    # field nullable, ``platform`` its ClassLabel index.
    pa = _pyarrow()
    if kind in _STRUCTS:
        struct = pa.struct(
            [
                pa.field(n, _arrow_type(t, feature), nullable=feature or null)
                for n, t, null in _STRUCTS[kind]
            ]
        )
        return pa.list_(struct) if kind == "messages" else struct
    simple = {
        "string": pa.string(),
        "platform": pa.int64() if feature else pa.string(),
        "json": pa.string(),
        "int": pa.int64(),
        "bool": pa.bool_(),
        "timestamp": pa.timestamp("us", tz="UTC"),
        "string_list": pa.list_(pa.string()),
    }
    return simple[kind]


@functools.cache
def arrow_schema(table: str) -> pa.Schema:
    """The explicit Arrow schema of *table* for Parquet (``platform`` as its name)."""
    pa = _pyarrow()
    return pa.schema(
        [pa.field(c.name, _arrow_type(c.type), nullable=c.nullable) for c in TABLES[table]]
    )


def features(table: str) -> datasets.Features:
    """The ``datasets.Features`` of *table* (``platform`` as a ClassLabel)."""
    ds = _datasets()
    return ds.Features.from_dict({c.name: _feature_dict(c.type) for c in TABLES[table]})


def _feature_dict(kind: str) -> dict[str, JsonValue]:
    # The feature of *kind* as ``Features.to_dict`` writes it.
    values = {
        "string": "string",
        "json": "string",
        "int": "int64",
        "bool": "bool",
        "timestamp": "timestamp[us, tz=UTC]",
    }
    if kind in values:
        return {"dtype": values[kind], "_type": "Value"}
    if kind == "platform":
        return {"names": list[JsonValue](PLATFORM_NAMES), "_type": "ClassLabel"}
    if kind == "string_list":
        return {"feature": _feature_dict("string"), "_type": "List"}
    fields: dict[str, JsonValue] = {n: _feature_dict(t) for n, t, _ in _STRUCTS[kind]}
    return {"feature": fields, "_type": "List"} if kind == "messages" else fields


@functools.cache
def features_schema(table: str) -> pa.Schema:
    """``features(table).arrow_schema`` (the Features' Arrow schema, with the Features
    as JSON in its ``huggingface`` metadata) built without importing ``datasets``."""
    pa = _pyarrow()
    columns = TABLES[table]
    info = {"info": {"features": {c.name: _feature_dict(c.type) for c in columns}}}
    schema = pa.schema([pa.field(c.name, _arrow_type(c.type, True)) for c in columns])
    return schema.with_metadata({"huggingface": json.dumps(info)})


def leaf_columns(schema: pa.Schema) -> list[str]:
    """The Parquet paths of *schema*'s leaf columns, as writer options name them
    (``author.id``, ``provenance.transforms.list.element``)."""
    types = _pyarrow().types

    def leaves(path: str, kind: pa.DataType) -> list[str]:
        if types.is_struct(kind):
            return [leaf for field in kind for leaf in leaves(f"{path}.{field.name}", field.type)]
        if types.is_list(kind):
            return leaves(f"{path}.list.element", kind.value_type)
        return [path]

    return [leaf for field in schema for leaf in leaves(field.name, field.type)]


def _row_values(records: Sequence[Record], columns: Sequence[Column]) -> dict[str, list[object]]:
    # Column by column over the serialised rows: one comprehension per column is far
    # cheaper than appending cell by cell.
    rows = [to_dict(record) for record in records]
    dumps = orjson.dumps
    out: dict[str, list[object]] = {}
    for column in columns:
        key = column.name
        if column.type == "timestamp":
            out[key] = [getattr(record, key) for record in records]
        elif column.type == "json":
            out[key] = [dumps(row[key]).decode() for row in rows]
        else:
            out[key] = [row[key] for row in rows]
    return out


#: What a null struct's fields hold in an array built from Python objects (``pa.array``
#: writes these, not nulls, under a null struct): the direct builder writes the same.
_STRUCT_FILL: Final = {"string": "", "int": 0, "bool": False, "string_list": ()}
_PLATFORM_VALUE: Final = {p: p.value for p in Platform}


def _array(values: Sequence[object], kind: str, type_: pa.DataType) -> pa.Array:
    # ``pa.array(values)``; a string column holding one value on every row (provenance's
    # source, format and parser version, usually the platform) as ``pa.repeat``, which
    # writes the same buffers without converting each row.
    pa = _pyarrow()
    if kind == "string" and values:
        first = values[0]
        if first is not None and values.count(first) == len(values):
            return pa.repeat(pa.scalar(first, type=type_), len(values))
    return pa.array(values, type=type_)


@functools.cache
def _struct_fill(fields: tuple[tuple[str, str, bool], ...]) -> SimpleNamespace:
    # Stands in for a null struct: its attributes are the fill values.
    return SimpleNamespace(**{name: _STRUCT_FILL[kind] for name, kind, _ in fields})


def _struct_column(
    values: list[object], fields: tuple[tuple[str, str, bool], ...], type_: pa.DataType
) -> pa.Array:
    # Null structs swapped for an object holding the fill values in one pass, so that
    # each child column is a ``map`` of an attribute getter, with no Python loop.
    pa = _pyarrow()
    nulls = [v is None for v in values]
    if True in nulls:
        fill = _struct_fill(fields)
        values = [fill if v is None else v for v in values]
    children = [
        _array(list(map(attrgetter(name), values)), kind, field.type)
        for (name, kind, _), field in zip(fields, type_, strict=True)
    ]
    mask = pa.array(nulls, type=pa.bool_())
    return pa.StructArray.from_arrays(children, fields=list(type_), mask=mask)


def _platform_column(values: list[Platform], type_: pa.DataType) -> pa.Array:
    # The platforms' names; one platform on every row (the usual case) as ``pa.repeat``.
    pa = _pyarrow()
    if values and values.count(values[0]) == len(values):
        return pa.repeat(pa.scalar(_PLATFORM_VALUE[values[0]], type=type_), len(values))
    return pa.array(list(map(_PLATFORM_VALUE.__getitem__, values)), type=type_)


def _json_column(values: list[JsonValue], type_: pa.DataType) -> pa.Array:
    # Each value's JSON written into one buffer and its lengths summed into the offsets:
    # the string array ``pa.array`` makes of the decoded texts, without a str per row.
    pa = _pyarrow()
    data = io.BytesIO()
    try:
        offsets = array("i", accumulate(map(data.write, map(orjson.dumps, values)), initial=0))
    except OverflowError:  # past 2 GiB: as pa.array has it
        offsets = None
    if not values or offsets is None:
        return pa.array([orjson.dumps(v).decode() for v in values], type=type_)
    return pa.StringArray.from_buffers(
        len(values), pa.py_buffer(offsets), pa.py_buffer(data.getvalue())
    )


def _columns(
    records: Sequence[Record], columns: Sequence[Column], schema: pa.Schema
) -> list[pa.Array]:
    # Straight from the attributes (the serialised names are the attribute names): the
    # same arrays as converting the serialised rows, without building a dict per record.
    out = []
    for column, field in zip(columns, schema, strict=True):
        type_ = field.type
        values = list(map(attrgetter(column.name), records))
        if column.type == "platform":
            out.append(_platform_column(values, type_))
        elif column.type == "json":
            out.append(_json_column(values, type_))
        elif column.type in ("author", "provenance"):
            out.append(_struct_column(values, _STRUCTS[column.type], type_))
        else:
            out.append(_array(values, column.type, type_))
    return out


def record_batch(records: Sequence[Record], table: Literal["posts", "replies"]) -> pa.RecordBatch:
    """One Arrow record batch of *records* (all of *table*'s kind) with the declared schema."""
    pa = _pyarrow()
    schema = arrow_schema(table)
    columns = TABLES[table]
    kind = Post if table == "posts" else Reply
    if list(map(type, records)).count(kind) == len(records):
        return pa.RecordBatch.from_arrays(_columns(records, columns, schema), schema=schema)
    # Subclasses serialise through the converter.
    return pa.RecordBatch.from_pydict(_row_values(records, columns), schema=schema)


def record_from_row(
    row: Mapping[str, object], table: Literal["posts", "replies"], columns: Sequence[Column]
) -> Record:
    """The record of one *row* (a dict of column values, as ``to_pylist`` gives it) of
    *table*, whose *columns* are ``TABLES[table]``."""
    data: dict[str, object] = {
        "schema": SCHEMA_TAG,
        "kind": "post" if table == "posts" else "reply",
    }
    for column in columns:
        if column.name == "created_at_precision" and column.name not in row:
            continue  # a table written before the column existed: the precision is None
        value = row[column.name]
        if value is None:
            data[column.name] = None
        elif column.type == "timestamp":
            assert isinstance(value, datetime)
            data[column.name] = format_time(value)
        elif column.type == "json":
            if type(value) is not str and not isinstance(
                value, str | bytes | bytearray | memoryview
            ):
                raise ValueError(f"{column.name}: expected JSON text, not {type(value).__name__}")
            data[column.name] = orjson.loads(value)
        elif column.type == "platform" and isinstance(value, int):
            data[column.name] = PLATFORM_NAMES[value]
        else:
            data[column.name] = value
    return from_dict(data)


def records_from_table(
    table: pa.Table | pa.RecordBatch | Iterable[Mapping[str, object]],
    name: Literal["posts", "replies"],
) -> Iterator[Record]:
    """Records back from an Arrow table (or rows) of the ``posts`` or ``replies`` table.

    Reads Parquet tables (``platform`` as its name) and ``datasets`` tables (``platform``
    as its ClassLabel index) alike.
    """
    columns = TABLES[name]
    rows: Iterable[Mapping[str, object]]
    # An Arrow table or batch comes with pyarrow imported; plain rows need no pyarrow.
    pa = sys.modules.get("pyarrow")
    if pa is not None and isinstance(table, pa.Table):
        rows = (row for batch in table.to_batches() for row in batch.to_pylist())
    elif pa is not None and isinstance(table, pa.RecordBatch):
        rows = table.to_pylist()
    else:
        rows = table
    for row in rows:
        yield record_from_row(row, name, columns)
