"""The one serialised form of records, defined by one cattrs converter.

Times are ISO 8601 in UTC with a ``Z`` suffix, enums are their string values, tuples
become lists, ``extra`` passes through untouched. Every exporter and reader goes through
:func:`to_dict` and :func:`from_dict`.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any, Final

import cattrs
import orjson
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from .model import (
    Author,
    JsonValue,
    Platform,
    Post,
    Provenance,
    Record,
    Reply,
    TimePrecision,
    new_author,
    new_provenance,
    new_reply,
)

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
#: Platform member → its value (``Enum.value`` is a Python-level property).
_PLATFORM: Final = {p: p.value for p in Platform}
#: TimePrecision member (or None) → its value.
_PRECISION: Final[dict[TimePrecision | None, str | None]] = {p: p.value for p in TimePrecision}
_PRECISION[None] = None


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


def _passthrough_extra(value: Any, _: Any) -> dict[str, JsonValue]:
    if not isinstance(value, dict):
        raise TypeError(f"extra must be an object, not {type(value).__name__}")
    return value


def _identity(value: Any) -> Any:
    return value


def _author(author: Author | None) -> dict[str, Any] | None:
    if author is None:
        return None
    return {
        "id": author.id,
        "name": author.name,
        "url": author.url,
        "is_uploader": author.is_uploader,
        "is_verified": author.is_verified,
    }


def _provenance(prov: Provenance | None) -> dict[str, Any] | None:
    if prov is None:
        return None
    return {
        "source": prov.source,
        "format": prov.format,
        "line": prov.line,
        "index": prov.index,
        "parser_version": prov.parser_version,
        "transforms": list(prov.transforms),
    }


def _time(value: datetime | None) -> str | None:
    return None if value is None else format_time(value)


# Post and Reply are unstructured by hand: the same dicts, keys in the same order, as
# cattrs' generated functions give, without a hook dispatch per field (to_dict and the
# JSONL writer are hot). Each builder writes the tagged form (``schema`` and ``kind``
# first, as to_dict returns it); *time* formats created_at (to_json_line passes one that
# leaves UTC times to orjson); the converter's hooks drop the two tags.
def _tagged_post(post: Post, time: Any = _time) -> dict[str, Any]:
    return {
        "schema": SCHEMA_TAG,
        "kind": "post",
        "id": post.id,
        "platform": _PLATFORM[post.platform],
        "title": post.title,
        "text": post.text,
        "author": _author(post.author),
        "created_at": time(post.created_at),
        "created_at_estimated": post.created_at_estimated,
        "created_at_precision": _PRECISION[post.created_at_precision],
        "url": post.url,
        "like_count": post.like_count,
        "view_count": post.view_count,
        "comment_count": post.comment_count,
        "is_edited": post.is_edited,
        "is_deleted": post.is_deleted,
        "is_removed": post.is_removed,
        "extra": post.extra,
        "provenance": _provenance(post.provenance),
    }


def _tagged_reply(reply: Reply, time: Any = _time) -> dict[str, Any]:
    return {
        "schema": SCHEMA_TAG,
        "kind": "reply",
        "id": reply.id,
        "post_id": reply.post_id,
        "parent_id": reply.parent_id,
        "platform": _PLATFORM[reply.platform],
        "text": reply.text,
        "author": _author(reply.author),
        "created_at": time(reply.created_at),
        "created_at_estimated": reply.created_at_estimated,
        "created_at_precision": _PRECISION[reply.created_at_precision],
        "like_count": reply.like_count,
        "reply_count": reply.reply_count,
        "depth": reply.depth,
        "is_pinned": reply.is_pinned,
        "is_hearted": reply.is_hearted,
        "is_edited": reply.is_edited,
        "is_deleted": reply.is_deleted,
        "is_removed": reply.is_removed,
        "extra": reply.extra,
        "provenance": _provenance(reply.provenance),
    }


def _untagged(tagged: dict[str, Any]) -> dict[str, Any]:
    del tagged["schema"], tagged["kind"]
    return tagged


def _unstructure_post(post: Post) -> dict[str, Any]:
    return _untagged(_tagged_post(post))


def _unstructure_reply(reply: Reply) -> dict[str, Any]:
    return _untagged(_tagged_reply(reply))


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
    conv.register_unstructure_hook(Post, _unstructure_post)
    conv.register_unstructure_hook(Reply, _unstructure_reply)
    for rec in (Post, Reply):
        # ``extra`` is already JSON data: pass it through both ways.
        conv.register_structure_hook(
            rec, make_dict_structure_fn(rec, conv, extra=override(struct_hook=_passthrough_extra))
        )
    return conv


#: The module-level converter. Configure nothing else anywhere.
converter: Final = _make_converter()

_KINDS: Final[dict[str, type[Post] | type[Reply]]] = {"post": Post, "reply": Reply}
#: The tagged builders for the two record classes, looked up once (``to_dict`` is hot).
_TAGGED: Final[dict[type, Any]] = {Post: _tagged_post, Reply: _tagged_reply}


def to_dict(record: Record) -> dict[str, Any]:
    """Unstructure *record* into plain JSON-ready data, tagged with schema and kind."""
    build = _TAGGED.get(type(record))
    if build is None:  # a subclass: let the converter dispatch
        kind = "post" if isinstance(record, Post) else "reply"
        data: dict[str, Any] = {"schema": SCHEMA_TAG, "kind": kind}
        data.update(converter.unstructure(record))
        return data
    tagged: dict[str, Any] = build(record)
    return tagged


def from_dict(data: dict[str, Any]) -> Record:
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


_NEWLINE: Final = orjson.OPT_APPEND_NEWLINE
_LINE_OPTIONS: Final = orjson.OPT_APPEND_NEWLINE | orjson.OPT_UTC_Z


class _Scratch(threading.local):
    """Per thread: the three dicts a reply line is dumped from, refilled for every line
    (the keys stay in place, in :func:`_tagged_reply`'s order; only the values change)."""

    def __init__(self) -> None:
        self.line = dict.fromkeys(_tagged_reply(new_reply("", "")))
        self.line.update(schema=SCHEMA_TAG, kind="reply")
        self.author = dict.fromkeys(_author(new_author()) or ())
        self.provenance = dict.fromkeys(_provenance(new_provenance("", "")) or ())


_scratch: Final = _Scratch()


def _reply_line(reply: Reply) -> bytes:
    """:func:`_tagged_reply`'s dict, dumped: no helper call per field, and no dict built
    and thrown away per line (this thread's scratch dicts are refilled, every value set).

    A UTC datetime is left to orjson, which writes it as :func:`format_time` does; any
    other goes through :func:`format_time`. orjson writes the ``transforms`` tuple as the
    list :func:`_provenance` makes.
    """
    scratch = _scratch
    line = scratch.line
    line["id"] = reply.id
    line["post_id"] = reply.post_id
    line["parent_id"] = reply.parent_id
    line["platform"] = _PLATFORM[reply.platform]
    line["text"] = reply.text
    author = reply.author
    if author is None:
        line["author"] = None
    else:
        fields = scratch.author
        fields["id"] = author.id
        fields["name"] = author.name
        fields["url"] = author.url
        fields["is_uploader"] = author.is_uploader
        fields["is_verified"] = author.is_verified
        line["author"] = fields
    when = reply.created_at
    line["created_at"] = when if when is None or when.tzinfo is UTC else format_time(when)
    line["created_at_estimated"] = reply.created_at_estimated
    line["created_at_precision"] = _PRECISION[reply.created_at_precision]
    line["like_count"] = reply.like_count
    line["reply_count"] = reply.reply_count
    line["depth"] = reply.depth
    line["is_pinned"] = reply.is_pinned
    line["is_hearted"] = reply.is_hearted
    line["is_edited"] = reply.is_edited
    line["is_deleted"] = reply.is_deleted
    line["is_removed"] = reply.is_removed
    line["extra"] = reply.extra
    prov = reply.provenance
    if prov is None:
        line["provenance"] = None
    else:
        fields = scratch.provenance
        fields["source"] = prov.source
        fields["format"] = prov.format
        fields["line"] = prov.line
        fields["index"] = prov.index
        fields["parser_version"] = prov.parser_version
        fields["transforms"] = prov.transforms
        line["provenance"] = fields
    return _dumps(line, option=_LINE_OPTIONS)


def _json_time(value: datetime | None) -> datetime | str | None:
    # As in _reply_line: a UTC datetime is left to orjson.
    if value is None or value.tzinfo is UTC:
        return value
    return format_time(value)


def to_json_line(record: Record) -> bytes:
    """``orjson.dumps(to_dict(record))`` and a newline, the same bytes, with UTC times
    left to orjson instead of formatted first (the JSONL exporter's hot path)."""
    if type(record) is Reply:  # the common record first
        return _reply_line(record)
    if type(record) is Post:
        return _dumps(_tagged_post(record, _json_time), option=_LINE_OPTIONS)
    return _dumps(to_dict(record), option=_NEWLINE)
