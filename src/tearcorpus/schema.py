"""The one tabular schema: declared once, it drives CSV, Parquet and ``datasets.Features``.

Four tables:

- ``posts`` and ``replies``: one row per record, one column per field of
  :class:`~tearcorpus.Post` / :class:`~tearcorpus.Reply`, named as in the serialised
  form (:func:`tearcorpus.to_dict`), derived from the fields themselves: each column's
  type from the field's type, its description from the field's ``doc`` metadata.
  ``author`` and ``provenance`` are structs in Arrow and ``datasets`` (JSON objects in
  CSV); ``extra`` is JSON text everywhere.
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

The Arrow and ``datasets`` side (:func:`arrow_schema`, :func:`features`,
:func:`record_batch`, :func:`records_from_table` ...) lives in :mod:`tearcorpus._arrow`
and is reached from here; pyarrow and datasets are imported inside the functions that
need them.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from types import UnionType
from typing import Final, Literal, get_args, get_origin

import attrs
from attrs import frozen

from .model import DOC, Author, Platform, Post, Provenance, Record, Reply

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
    "columns_of",
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


#: Column types by field type (or, for a generic type like ``dict[str, JsonValue]``, its origin).
_TYPES: Final[dict[object, str]] = {
    str: "string",
    int: "int",
    bool: "bool",
    dict: "json",
    datetime: "timestamp",
    Platform: "platform",
    Author: "author",
    Provenance: "provenance",
}


def _column_type(kind: object) -> tuple[str, bool]:
    """The column type of a field of type *kind*, and whether it is nullable."""
    nullable = isinstance(kind, UnionType) and type(None) in get_args(kind)
    if nullable:
        (kind,) = (arg for arg in get_args(kind) if arg is not type(None))
    found = _TYPES.get(get_origin(kind) or kind)
    if found is None and isinstance(kind, type) and issubclass(kind, Enum):
        found = "string"  # another enum (``TimePrecision``): its value
    if found is None and get_origin(kind) is tuple and get_args(kind)[0] is str:
        found = "string_list"
    if found is None:
        raise TypeError(f"no column type for a field of type {kind!r}")
    return found, nullable


def columns_of(cls: type) -> tuple[Column, ...]:
    """One column per field of the record class *cls* (which may be a subclass of
    :class:`~tearcorpus.Post` or :class:`~tearcorpus.Reply`), in field order, described
    by the field's ``doc`` metadata."""
    attrs.resolve_types(cls)
    return tuple(
        Column(f.name, *_column_type(f.type), f.metadata[DOC])  # type: ignore[arg-type]
        for f in attrs.fields(cls)
    )


def _struct_fields(cls: type) -> tuple[tuple[str, str, bool], ...]:
    return tuple((f.name, *_column_type(f.type)) for f in attrs.fields(cls))


#: Fields of the ``author`` struct: (name, type, nullable).
AUTHOR_FIELDS: Final[tuple[tuple[str, str, bool], ...]] = _struct_fields(Author)
#: Fields of the ``provenance`` struct; ``transforms`` is a list of strings.
PROVENANCE_FIELDS: Final[tuple[tuple[str, str, bool], ...]] = _struct_fields(Provenance)
#: The posts table: one row per :class:`~tearcorpus.Post`.
POSTS: Final = columns_of(Post)
#: The replies table: one row per :class:`~tearcorpus.Reply`.
REPLIES: Final = columns_of(Reply)

_REPLY: Final = {column.name: column for column in REPLIES}

#: The modelling view: each reply with the text it answers.
REPLIES_IN_CONTEXT: Final[tuple[Column, ...]] = (
    _REPLY["id"],
    _REPLY["post_id"],
    _REPLY["parent_id"],
    _REPLY["platform"],
    Column("post_title", "string", True, "title of the thread's post (null if absent)"),
    Column("post_text", "string", True, "text of the thread's post (null if absent)"),
    Column(
        "parent_text",
        "string",
        True,
        "text the reply answers: the parent reply's, or the post's for a direct reply",
    ),
    _REPLY["text"],
    Column("author_id", "string", True, "the author's id (pseudonymised if anonymised)"),
    Column("author_is_uploader", "bool", False, "the author is the uploader / OP"),
    _REPLY["created_at"],
    _REPLY["like_count"],
    _REPLY["depth"],
)

#: Fields of each turn of a ``messages`` list: (name, type, nullable).
MESSAGE_FIELDS: Final[tuple[tuple[str, str, bool], ...]] = (
    ("role", "string", False),
    ("content", "string", False),
    ("name", "string", True),
)

#: The chat view: each reply with the conversation that leads to it (``--to messages``).
MESSAGES: Final[tuple[Column, ...]] = (
    Column("id", "string", False, "id of the reply the conversation ends with"),
    _REPLY["post_id"],
    _REPLY["parent_id"],
    _REPLY["platform"],
    Column(
        "messages",
        "messages",
        False,
        "the turns, oldest first, ending with the reply: role (system, user or "
        "assistant), content, name (the author's, pseudonymised if anonymised)",
    ),
    Column("author_id", "string", True, "the reply author's id (pseudonymised if anonymised)"),
    Column("author_is_uploader", "bool", False, "the reply's author is the uploader / OP"),
    _REPLY["created_at"],
    _REPLY["like_count"],
    _REPLY["depth"],
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


# The Arrow side, named here as before (it imports the declarations above).
from ._arrow import _datasets as _datasets  # noqa: E402
from ._arrow import _pyarrow as _pyarrow  # noqa: E402
from ._arrow import (  # noqa: E402
    arrow_schema,
    features,
    features_schema,
    leaf_columns,
    record_batch,
    records_from_table,
)
