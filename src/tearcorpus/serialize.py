"""The one serialised form of records, defined by one cattrs converter.

Times are ISO 8601 in UTC with a ``Z`` suffix, enums are their string values, tuples
become lists, ``extra`` passes through untouched. Every exporter and reader goes through
:func:`to_dict` and :func:`from_dict`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from .model import Author, JsonValue, Platform, Post, Provenance, Record, Reply

__all__ = [
    "SCHEMA_VERSION",
    "converter",
    "format_time",
    "from_dict",
    "parse_time",
    "to_dict",
]

#: Major version of the serialised form; bumped on any incompatible change.
SCHEMA_VERSION: Final = 1
#: The ``schema`` value stamped on every serialised record.
SCHEMA_TAG: Final = f"tearcorpus/{SCHEMA_VERSION}"


def format_time(value: datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` suffix (microseconds only when present)."""
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


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True)
    conv.register_unstructure_hook(datetime, format_time)
    conv.register_structure_hook(datetime, lambda v, _: parse_time(v))
    conv.register_unstructure_hook(Platform, lambda p: p.value)
    conv.register_structure_hook(Platform, lambda v, _: Platform(v))
    for cls in (Author, Provenance):
        conv.register_unstructure_hook(cls, make_dict_unstructure_fn(cls, conv))
        conv.register_structure_hook(cls, make_dict_structure_fn(cls, conv))
    for rec in (Post, Reply):
        # ``extra`` is already JSON data: pass it through both ways.
        conv.register_unstructure_hook(
            rec, make_dict_unstructure_fn(rec, conv, extra=override(unstruct_hook=_identity))
        )
        conv.register_structure_hook(
            rec, make_dict_structure_fn(rec, conv, extra=override(struct_hook=_passthrough_extra))
        )
    return conv


#: The module-level converter. Configure nothing else anywhere.
converter: Final = _make_converter()

_KINDS: Final[dict[str, type[Post] | type[Reply]]] = {"post": Post, "reply": Reply}


def to_dict(record: Record) -> dict[str, Any]:
    """Unstructure *record* into plain JSON-ready data, tagged with schema and kind."""
    kind = "post" if isinstance(record, Post) else "reply"
    data: dict[str, Any] = {"schema": SCHEMA_TAG, "kind": kind}
    data.update(converter.unstructure(record))
    return data


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
