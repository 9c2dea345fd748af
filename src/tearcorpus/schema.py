"""The one tabular schema: declared once, it drives CSV, Parquet and ``datasets.Features``.

Four tables:

- ``posts`` and ``replies``: one row per record, one column per field of
  :class:`~tearcorpus.Post` / :class:`~tearcorpus.Reply`, named as in the serialised
  form (:func:`tearcorpus.to_dict`). ``author`` and ``provenance`` are structs in Arrow and
  ``datasets`` (JSON objects in CSV); ``extra`` is JSON text everywhere.
- ``replies_in_context``: the flat modelling view, one row per reply with its post's
  title and text and its parent's text (see :mod:`tearcorpus.hf`).
- ``messages``: one row per reply with the conversation that leads to it, in the chat
  format (``messages``: a list of ``role``, ``content``, ``name``; see
  :mod:`tearcorpus.conversations`).

Column types map to each backend like this:

=============  ===============  ===========================  ========================
type           CSV cell         Arrow (Parquet)              ``datasets`` feature
=============  ===============  ===========================  ========================
string         text             ``string``                   ``Value("string")``
int            decimal          ``int64``                    ``Value("int64")``
bool           ``true/false``   ``bool``                     ``Value("bool")``
timestamp      ISO 8601, ``Z``  ``timestamp[us, tz=UTC]``    ``Value("timestamp...")``
platform       its name         ``string``                   ``ClassLabel``
json           JSON text        ``string``                   ``Value("string")``
author         JSON object      struct                       dict of features
provenance     JSON object      struct                       dict of features
messages       JSON list        list of struct               ``List`` of a dict
=============  ===============  ===========================  ========================

pyarrow and datasets are imported inside the functions that need them.
"""

from __future__ import annotations

import functools
import io
import json
from array import array
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from itertools import accumulate
from operator import attrgetter
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Final, Literal

import orjson
from attrs import frozen

from .errors import MissingDependencyError
from .model import Platform, Post, Record, Reply
from .serialize import SCHEMA_TAG, format_time, from_dict, to_dict

if TYPE_CHECKING:
    import datasets
    import pyarrow as pa

__all__ = [
    "AUTHOR_FIELDS",
    "MESSAGES",
    "MESSAGE_FIELDS",
    "PLATFORM_NAMES",
    "POSTS",
    "PROVENANCE_FIELDS",
    "REPLIES",
    "REPLIES_IN_CONTEXT",
    "TABLES",
    "Column",
    "ColumnType",
    "arrow_schema",
    "features",
    "features_schema",
    "leaf_columns",
    "record_batch",
    "records_from_table",
    "table_for",
]

#: The logical type of a column, mapped to Arrow, ``datasets`` and CSV types.
ColumnType = Literal[
    "string", "int", "bool", "timestamp", "platform", "json", "author", "provenance", "messages"
]
TableName = Literal["posts", "replies", "replies_in_context", "messages"]

#: The class names of the ``platform`` ClassLabel, in index order.
PLATFORM_NAMES: Final = tuple(p.value for p in Platform)


@frozen
class Column:
    """One column of a table: its serialised name, type, nullability and meaning."""

    name: str
    type: ColumnType
    nullable: bool
    doc: str


#: Fields of the ``author`` struct: (name, type, nullable).
AUTHOR_FIELDS: Final[tuple[tuple[str, str, bool], ...]] = (
    ("id", "string", True),
    ("name", "string", True),
    ("url", "string", True),
    ("is_uploader", "bool", False),
    ("is_verified", "bool", False),
)

#: Fields of the ``provenance`` struct; ``transforms`` is a list of strings.
PROVENANCE_FIELDS: Final[tuple[tuple[str, str, bool], ...]] = (
    ("source", "string", False),
    ("format", "string", False),
    ("line", "int", True),
    ("index", "int", True),
    ("parser_version", "string", False),
    ("transforms", "string_list", False),
)

#: Fields of each turn of a ``messages`` list: (name, type, nullable).
MESSAGE_FIELDS: Final[tuple[tuple[str, str, bool], ...]] = (
    ("role", "string", False),
    ("content", "string", False),
    ("name", "string", True),
)

_ID = Column("id", "string", False, "platform-native id (content-derived for text dumps)")
_PLATFORM = Column("platform", "platform", False, "youtube, reddit or unknown")
_AUTHOR = Column("author", "author", True, "id, name, url, is_uploader, is_verified")
_CREATED = Column("created_at", "timestamp", True, "publication time, UTC")
_ESTIMATED = Column(
    "created_at_estimated", "bool", False, "created_at derived from text like '2 weeks ago'"
)
_PRECISION = Column(
    "created_at_precision",
    "string",
    True,
    "how precise created_at is: exact, day, week, month or year (null when no time)",
)
_EDITED = Column("is_edited", "bool", False, "edited after publication")
_DELETED = Column("is_deleted", "bool", False, "deleted by its author")
_REMOVED = Column("is_removed", "bool", False, "removed by a moderator or the platform")
_EXTRA = Column("extra", "json", False, "source fields with no column, as a JSON object")
_PROVENANCE = Column(
    "provenance", "provenance", True, "source, format, line/index, parser version, transforms"
)

#: The posts table: one row per :class:`~tearcorpus.Post`.
POSTS: Final[tuple[Column, ...]] = (
    _ID,
    _PLATFORM,
    Column("title", "string", True, "title of the video or submission"),
    Column("text", "string", False, "body: video description or submission self-text"),
    _AUTHOR,
    _CREATED,
    _ESTIMATED,
    _PRECISION,
    Column("url", "string", True, "link to the post"),
    Column("like_count", "int", True, "likes or score"),
    Column("view_count", "int", True, "views"),
    Column("comment_count", "int", True, "comments the platform claims"),
    _EDITED,
    _DELETED,
    _REMOVED,
    _EXTRA,
    _PROVENANCE,
)

#: The replies table: one row per :class:`~tearcorpus.Reply`.
REPLIES: Final[tuple[Column, ...]] = (
    _ID,
    Column("post_id", "string", False, "id of the thread's post"),
    Column("parent_id", "string", True, "id of the parent reply; null for a direct reply"),
    _PLATFORM,
    Column("text", "string", False, "body of the reply"),
    _AUTHOR,
    _CREATED,
    _ESTIMATED,
    _PRECISION,
    Column("like_count", "int", True, "likes or score"),
    Column("reply_count", "int", True, "replies the platform claims"),
    Column("depth", "int", True, "depth in the reply tree (0 = direct reply)"),
    Column("is_pinned", "bool", False, "pinned by the uploader or a moderator"),
    Column("is_hearted", "bool", False, "hearted by the uploader (YouTube)"),
    _EDITED,
    _DELETED,
    _REMOVED,
    _EXTRA,
    _PROVENANCE,
)

#: The modelling view: each reply with the text it answers.
REPLIES_IN_CONTEXT: Final[tuple[Column, ...]] = (
    _ID,
    Column("post_id", "string", False, "id of the thread's post"),
    Column("parent_id", "string", True, "id of the parent reply; null for a direct reply"),
    _PLATFORM,
    Column("post_title", "string", True, "title of the thread's post (null if absent)"),
    Column("post_text", "string", True, "text of the thread's post (null if absent)"),
    Column(
        "parent_text",
        "string",
        True,
        "text the reply answers: the parent reply's, or the post's for a direct reply",
    ),
    Column("text", "string", False, "body of the reply"),
    Column("author_id", "string", True, "the author's id (pseudonymised if anonymised)"),
    Column("author_is_uploader", "bool", False, "the author is the uploader / OP"),
    _CREATED,
    Column("like_count", "int", True, "likes or score"),
    Column("depth", "int", True, "depth in the reply tree (0 = direct reply)"),
)

#: The chat view: each reply with the conversation that leads to it (``--to messages``).
MESSAGES: Final[tuple[Column, ...]] = (
    Column("id", "string", False, "id of the reply the conversation ends with"),
    Column("post_id", "string", False, "id of the thread's post"),
    Column("parent_id", "string", True, "id of the parent reply; null for a direct reply"),
    _PLATFORM,
    Column(
        "messages",
        "messages",
        False,
        "the turns, oldest first, ending with the reply: role (system, user or "
        "assistant), content, name (the author's, pseudonymised if anonymised)",
    ),
    Column("author_id", "string", True, "the reply author's id (pseudonymised if anonymised)"),
    Column("author_is_uploader", "bool", False, "the reply's author is the uploader / OP"),
    _CREATED,
    Column("like_count", "int", True, "likes or score"),
    Column("depth", "int", True, "depth in the reply tree (0 = direct reply)"),
    Column(
        "complete",
        "bool",
        False,
        "every turn from the post down is present (false: the post or an ancestor is "
        "missing from the input, or parent links loop)",
    ),
)

#: Table name → columns.
TABLES: Final[dict[str, tuple[Column, ...]]] = {
    "posts": POSTS,
    "replies": REPLIES,
    "replies_in_context": REPLIES_IN_CONTEXT,
    "messages": MESSAGES,
}


def table_for(record: Record) -> Literal["posts", "replies"]:
    """The table a record belongs to."""
    return "posts" if isinstance(record, Post) else "replies"


def _pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.compute
    except ImportError:
        raise MissingDependencyError("Arrow export", "hf", "pyarrow") from None
    return pyarrow


def _datasets() -> Any:
    try:
        import datasets
    except ImportError:
        raise MissingDependencyError("datasets export", "hf", "datasets") from None
    return datasets


def _arrow_type(kind: str) -> pa.DataType:
    pa = _pyarrow()
    simple = {
        "string": pa.string(),
        "platform": pa.string(),
        "json": pa.string(),
        "int": pa.int64(),
        "bool": pa.bool_(),
        "timestamp": pa.timestamp("us", tz="UTC"),
        "string_list": pa.list_(pa.string()),
    }
    if kind in simple:
        return simple[kind]
    if kind == "messages":
        turn = [pa.field(n, _arrow_type(t), nullable=null) for n, t, null in MESSAGE_FIELDS]
        return pa.list_(pa.struct(turn))
    fields = AUTHOR_FIELDS if kind == "author" else PROVENANCE_FIELDS
    return pa.struct([pa.field(n, _arrow_type(t), nullable=null) for n, t, null in fields])


@functools.cache
def arrow_schema(table: str) -> pa.Schema:
    """The explicit Arrow schema of *table* for Parquet (``platform`` as its name)."""
    pa = _pyarrow()
    return pa.schema(
        [pa.field(c.name, _arrow_type(c.type), nullable=c.nullable) for c in TABLES[table]]
    )


def _feature(kind: str) -> Any:
    ds = _datasets()
    if kind in ("string", "json"):
        return ds.Value("string")
    if kind == "int":
        return ds.Value("int64")
    if kind == "bool":
        return ds.Value("bool")
    if kind == "timestamp":
        return ds.Value("timestamp[us, tz=UTC]")
    if kind == "platform":
        return ds.ClassLabel(names=list(PLATFORM_NAMES))
    if kind == "string_list":
        return ds.List(ds.Value("string"))
    if kind == "messages":
        return ds.List({n: _feature(t) for n, t, _ in MESSAGE_FIELDS})
    fields = AUTHOR_FIELDS if kind == "author" else PROVENANCE_FIELDS
    return {n: _feature(t) for n, t, _ in fields}


def features(table: str) -> datasets.Features:
    """The ``datasets.Features`` of *table* (``platform`` as a ClassLabel)."""
    ds = _datasets()
    return ds.Features({c.name: _feature(c.type) for c in TABLES[table]})


def _feature_dict(kind: str) -> Any:
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
        return {"names": list(PLATFORM_NAMES), "_type": "ClassLabel"}
    if kind == "string_list":
        return {"feature": _feature_dict("string"), "_type": "List"}
    if kind == "messages":
        turn = {n: _feature_dict(t) for n, t, _ in MESSAGE_FIELDS}
        return {"feature": turn, "_type": "List"}
    fields = AUTHOR_FIELDS if kind == "author" else PROVENANCE_FIELDS
    return {n: _feature_dict(t) for n, t, _ in fields}


def _feature_type(kind: str) -> pa.DataType:
    # The Arrow type of *kind*'s feature: every field nullable, ``platform`` its index.
    pa = _pyarrow()
    if kind == "platform":
        return pa.int64()
    if kind == "messages":
        return pa.list_(pa.struct([pa.field(n, _feature_type(t)) for n, t, _ in MESSAGE_FIELDS]))
    if kind in ("author", "provenance"):
        fields = AUTHOR_FIELDS if kind == "author" else PROVENANCE_FIELDS
        return pa.struct([pa.field(n, _feature_type(t)) for n, t, _ in fields])
    return _arrow_type(kind)


@functools.cache
def features_schema(table: str) -> pa.Schema:
    """``features(table).arrow_schema`` (the Features' Arrow schema, with the Features
    as JSON in its ``huggingface`` metadata) built without importing ``datasets``."""
    pa = _pyarrow()
    columns = TABLES[table]
    info = {"info": {"features": {c.name: _feature_dict(c.type) for c in columns}}}
    schema = pa.schema([pa.field(c.name, _feature_type(c.type)) for c in columns])
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


def _row_values(records: Sequence[Record], columns: Sequence[Column]) -> dict[str, list[Any]]:
    # Column by column over the serialised rows: one comprehension per column is far
    # cheaper than appending cell by cell.
    rows = [to_dict(record) for record in records]
    dumps = orjson.dumps
    out: dict[str, list[Any]] = {}
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


def _array(values: Sequence[Any], kind: str, type_: pa.DataType) -> pa.Array:
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
    values: list[Any], fields: tuple[tuple[str, str, bool], ...], type_: pa.DataType
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


def _platform_column(values: list[Any], type_: pa.DataType) -> pa.Array:
    # The platforms' names; one platform on every row (the usual case) as ``pa.repeat``.
    pa = _pyarrow()
    if values and values.count(values[0]) == len(values):
        return pa.repeat(pa.scalar(_PLATFORM_VALUE[values[0]], type=type_), len(values))
    return pa.array(list(map(_PLATFORM_VALUE.__getitem__, values)), type=type_)


def _json_column(values: list[Any], type_: pa.DataType) -> pa.Array:
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
            fields = AUTHOR_FIELDS if column.type == "author" else PROVENANCE_FIELDS
            out.append(_struct_column(values, fields, type_))
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


def _row_to_record(row: dict[str, Any], table: str, columns: Sequence[Column]) -> Record:
    data: dict[str, Any] = {"schema": SCHEMA_TAG, "kind": "post" if table == "posts" else "reply"}
    for column in columns:
        if column is _PRECISION and column.name not in row:
            continue  # a table written before the column existed: the precision is None
        value = row[column.name]
        if value is None:
            data[column.name] = None
        elif column.type == "timestamp":
            assert isinstance(value, datetime)
            data[column.name] = format_time(value)
        elif column.type == "json":
            data[column.name] = orjson.loads(value)
        elif column.type == "platform" and isinstance(value, int):
            data[column.name] = PLATFORM_NAMES[value]
        else:
            data[column.name] = value
    return from_dict(data)


def records_from_table(
    table: pa.Table | pa.RecordBatch | Iterable[dict[str, Any]], name: Literal["posts", "replies"]
) -> Iterator[Record]:
    """Records back from an Arrow table (or rows) of the ``posts`` or ``replies`` table.

    Reads Parquet tables (``platform`` as its name) and ``datasets`` tables (``platform``
    as its ClassLabel index) alike.
    """
    columns = TABLES[name]
    rows: Iterable[dict[str, Any]]
    if hasattr(table, "to_batches"):
        rows = (row for batch in table.to_batches() for row in batch.to_pylist())
    elif hasattr(table, "to_pylist"):
        rows = table.to_pylist()
    else:
        rows = table
    for row in rows:
        yield _row_to_record(row, name, columns)
