"""The declared schema: one declaration, consistent across model, CSV, Arrow and datasets."""

from __future__ import annotations

from typing import Any

import attrs
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tearcorpus import Post, Reply, to_dict
from tearcorpus.schema import (
    POSTS,
    REPLIES,
    TABLES,
    arrow_schema,
    features,
    features_schema,
    record_batch,
    records_from_table,
)

from .strategies import any_text, platforms, posts, records, replies


def _row_values(records: list[Any], columns: tuple[Any, ...]) -> dict[str, list[Any]]:
    """The columns of *records* from their serialised rows (to_dict), by the schema's
    column types: the values the Arrow arrays must hold."""
    rows = [to_dict(record) for record in records]
    out: dict[str, list[Any]] = {}
    for column in columns:
        if column.type == "timestamp":
            out[column.name] = [getattr(record, column.name) for record in records]
        elif column.type == "json":
            out[column.name] = [orjson.dumps(row[column.name]).decode() for row in rows]
        else:
            out[column.name] = [row[column.name] for row in rows]
    return out


pa = pytest.importorskip("pyarrow")
pytest.importorskip("datasets")


@pytest.mark.parametrize(("table", "cls"), [("posts", Post), ("replies", Reply)])
def test_columns_are_the_serialised_fields(table: str, cls: type) -> None:
    """Every model field is a column, named and ordered as in the serialised form."""
    names = [c.name for c in TABLES[table]]
    assert names == [f.name for f in attrs.fields(cls)]
    record = cls(id="a", platform="reddit") if cls is Post else cls(id="a", post_id="p")
    assert names == [k for k in to_dict(record) if k not in ("schema", "kind")]


@pytest.mark.parametrize("table", ["posts", "replies", "replies_in_context"])
def test_features_match_the_arrow_schema(table: str) -> None:
    """datasets.Features and the Parquet schema agree on every type but platform's."""
    schema = arrow_schema(table)
    hf = features(table).arrow_schema
    assert schema.names == hf.names
    for field in schema:
        expected = pa.int64() if field.name == "platform" else field.type
        got = hf.field(field.name).type
        assert got.equals(expected) or str(got) == str(expected).replace(" not null", ""), field


@pytest.mark.parametrize("table", ["posts", "replies", "replies_in_context"])
def test_features_schema_is_the_features_arrow_schema(table: str) -> None:
    """features_schema, built without datasets, is Features.arrow_schema to the metadata byte."""
    built, expected = features_schema(table), features(table).arrow_schema
    assert built.equals(expected, check_metadata=True)
    assert built.metadata == expected.metadata


def test_times_are_utc_microseconds() -> None:
    """created_at is declared as an aware UTC timestamp, never inferred."""
    assert arrow_schema("replies").field("created_at").type == pa.timestamp("us", tz="UTC")


def test_closed_sets_are_class_labels() -> None:
    """platform is a ClassLabel with the model's platform names."""
    label = features("posts")["platform"]
    assert label.names == ["youtube", "reddit", "unknown"]


def test_extra_is_json_text() -> None:
    """extra is a string column in Arrow, Parquet and datasets alike."""
    for columns in (POSTS, REPLIES):
        assert next(c for c in columns if c.name == "extra").type == "json"
    assert arrow_schema("posts").field("extra").type == pa.string()


@given(st.lists(records, max_size=30))
def test_record_batch_matches_converting_the_serialised_rows(batch: list[Post | Reply]) -> None:
    """record_batch builds from attributes exactly the arrays the serialised rows convert to."""
    for table, cls in (("posts", Post), ("replies", Reply)):
        rows = [r for r in batch if type(r) is cls]
        schema = arrow_schema(table)
        expected = pa.RecordBatch.from_pydict(_row_values(rows, TABLES[table]), schema=schema)
        got = record_batch(rows, table)  # type: ignore[arg-type]
        assert got.equals(expected)
        assert _ipc(got) == _ipc(expected)  # the same bytes, not only equal values


@attrs.frozen(weakref_slot=False)
class _OwnPost(Post):
    """A Post subclass: record_batch converts it through the serialised rows."""


@attrs.frozen(weakref_slot=False)
class _OwnReply(Reply):
    """A Reply subclass: record_batch converts it through the serialised rows."""


@st.composite
def _chunks(draw: st.DrawFn) -> tuple[str, list[Post | Reply]]:
    """A table and a chunk of its records: as parsers write them (one platform and one
    provenance origin on every row) or arbitrary, with authors and provenance absent on
    no, some or every row, and subclass instances on no, some or every row."""
    table = draw(st.sampled_from(["posts", "replies"]))
    batch: list[Post | Reply] = draw(st.lists(posts if table == "posts" else replies, max_size=40))
    if draw(st.booleans()):
        platform, source = draw(platforms), draw(any_text)
        batch = [
            attrs.evolve(
                r,
                platform=platform,
                provenance=r.provenance
                and attrs.evolve(r.provenance, source=source, format="jsonl", transforms=()),
            )
            for r in batch
        ]
    for field in ("author", "provenance"):
        absent = draw(st.sampled_from(["as drawn", "some", "every"]))
        if absent != "as drawn":
            none: dict[str, Any] = {field: None}
            batch = [
                attrs.evolve(r, **none) if absent == "every" or i % 3 == 0 else r
                for i, r in enumerate(batch)
            ]
    own = _OwnPost if table == "posts" else _OwnReply
    subclassed = draw(st.sampled_from([0, 1, 2]))  # none, some, every record
    batch = [
        own(**attrs.asdict(r, recurse=False)) if subclassed == 2 or (subclassed and i % 2) else r
        for i, r in enumerate(batch)
    ]
    return table, batch


@given(_chunks(), st.integers(min_value=0, max_value=40))
def test_record_batch_equals_the_plain_conversion(
    chunk: tuple[str, list[Post | Reply]], cut: int
) -> None:
    """record_batch, and joined batches of a chunk's two parts, hold exactly the arrays
    (values, types, validity bitmaps, bytes) that converting the serialised rows gives."""
    table, batch = chunk
    schema = arrow_schema(table)
    expected = pa.RecordBatch.from_pydict(_row_values(batch, TABLES[table]), schema=schema)
    got = record_batch(batch, table)  # type: ignore[arg-type]
    assert got.schema.equals(schema)
    assert got.equals(expected)
    assert got.nbytes == expected.nbytes
    assert _ipc(got) == _ipc(expected)
    cut = min(cut, len(batch))
    parts = [record_batch(part, table) for part in (batch[:cut], batch[cut:])]  # type: ignore[arg-type]
    joined = pa.concat_batches(parts)
    assert joined.nbytes == expected.nbytes
    assert _ipc(joined) == _ipc(expected)


def test_record_batch_of_one_origin_repeats_the_same_values() -> None:
    """Columns holding one value on every row come out as that value on every row."""
    from tearcorpus import Author, Platform, Provenance

    origin = Provenance(source="in.ndjson", format="pushshift", parser_version="1")
    batch = [
        Reply(
            id=str(i),
            post_id="p",
            platform=Platform.REDDIT,
            author=None if i == 1 else Author(id="a"),
            extra={"n": i} if i else {},
            provenance=attrs.evolve(origin, line=i + 1),
        )
        for i in range(3)
    ]
    got = record_batch(batch, "replies").to_pydict()
    assert got["platform"] == ["reddit"] * 3
    assert [p["source"] for p in got["provenance"]] == ["in.ndjson"] * 3
    assert [p["line"] for p in got["provenance"]] == [1, 2, 3]
    assert got["author"] == [
        {"id": "a", "name": None, "url": None, "is_uploader": False, "is_verified": False},
        None,
        {"id": "a", "name": None, "url": None, "is_uploader": False, "is_verified": False},
    ]
    assert got["extra"] == ["{}", '{"n":1}', '{"n":2}']


def _ipc(batch: Any) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    data: bytes = sink.getvalue().to_pybytes()
    return data


def test_tables_written_before_the_precision_column_read_back() -> None:
    """An Arrow table without created_at_precision (an earlier Parquet file) gives records
    with that field None, the rest as written."""
    reply = Reply(id="r", post_id="p", created_at_precision="week")
    batch = record_batch([reply], "replies")
    old = pa.Table.from_batches([batch]).drop_columns(["created_at_precision"])
    (back,) = records_from_table(old, "replies")
    assert back == attrs.evolve(reply, created_at_precision=None)
