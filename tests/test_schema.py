"""The declared schema: one declaration, consistent across model, CSV, Arrow and datasets."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tearcorpus import Post, Reply, to_dict
from tearcorpus.schema import POSTS, REPLIES, TABLES, arrow_schema, features, features_schema

from .strategies import records

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
    from tearcorpus.schema import _row_values, record_batch

    for table, cls in (("posts", Post), ("replies", Reply)):
        rows = [r for r in batch if type(r) is cls]
        schema = arrow_schema(table)
        expected = pa.RecordBatch.from_pydict(_row_values(rows, TABLES[table]), schema=schema)
        got = record_batch(rows, table)  # type: ignore[arg-type]
        assert got.equals(expected)
        assert _ipc(got) == _ipc(expected)  # the same bytes, not only equal values


def _ipc(batch: Any) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    data: bytes = sink.getvalue().to_pybytes()
    return data
