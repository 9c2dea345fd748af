"""Parquet export: explicit schema, batches, compression, lossless read-back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tearcorpus import ExportError, Record, Reply, write_parquet
from tearcorpus.exporters import parquet
from tearcorpus.schema import arrow_schema, records_from_table
from tests.strategies import records

from ._util import fresh_dir, same_records

pq = pytest.importorskip("pyarrow.parquet")


def _read_back(out: str) -> list[Record]:
    posts = records_from_table(pq.read_table(f"{out}/posts.parquet"), "posts")
    replies = records_from_table(pq.read_table(f"{out}/replies.parquet"), "replies")
    return [*posts, *replies]


@given(st.lists(records, max_size=8))
def test_round_trip(items: list[Record]) -> None:
    """records → Parquet → records gives equal records, provenance included."""
    with fresh_dir() as out:
        write_parquet(items, out)
        back = _read_back(out)
    same_records(items, back)


@pytest.mark.parametrize("codec", ["zstd", "snappy", "gzip", "none"])
def test_compression_and_schema(tmp_path: Path, codec: str) -> None:
    """Each codec is used, and the file schema is the declared one."""
    out = str(tmp_path / codec)
    write_parquet([Reply(id="r", post_id="p", text="hi")], out, compression=codec)
    meta = pq.ParquetFile(f"{out}/replies.parquet")
    expected = "UNCOMPRESSED" if codec == "none" else codec.upper()
    assert meta.metadata.row_group(0).column(0).compression == expected
    assert meta.schema_arrow.remove_metadata().equals(arrow_schema("replies"))


def test_unknown_compression_is_refused(tmp_path: Path) -> None:
    """A codec outside the list is a clear ExportError, and nothing is written."""
    with pytest.raises(ExportError, match="unknown compression"):
        write_parquet([], str(tmp_path / "out"), compression="lz77")
    assert not (tmp_path / "out").exists()


def test_written_in_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Records stream out in row groups of BATCH_SIZE."""
    monkeypatch.setattr(parquet, "BATCH_SIZE", 3)
    items = [Reply(id=str(i), post_id="p") for i in range(7)]
    result = write_parquet(iter(items), str(tmp_path / "out"))
    meta = pq.ParquetFile(tmp_path / "out" / "replies.parquet").metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [3, 3, 1]
    assert result.replies == 7
    assert _read_back(str(tmp_path / "out")) == items


def test_failure_leaves_nothing(tmp_path: Path) -> None:
    """An error midway leaves no file at the target paths."""

    def broken() -> Iterator[Record]:
        yield Reply(id="r", post_id="p")
        raise RuntimeError("input died")

    with pytest.raises(RuntimeError):
        write_parquet(broken(), str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_distinct_columns_are_written_plain(tmp_path: Path) -> None:
    """Ids, texts, authors, times and ``extra`` have no dictionary; the thread id,
    platform, counts and provenance's repeated strings do."""
    from tearcorpus import Author, Post

    items: list[Record] = [Post(id="p", platform="youtube", text="video")]
    items += [
        Reply(
            id=f"r{i}",
            post_id="p",
            platform="youtube",
            text=f"comment number {i}",
            author=Author(id=f"a{i}", name=f"name {i}"),
            like_count=i % 3,
        )
        for i in range(50)
    ]
    write_parquet(items, str(tmp_path / "out"))
    leaves: set[str] = set()
    for table in ("posts", "replies"):
        meta = pq.ParquetFile(tmp_path / "out" / f"{table}.parquet").metadata
        group = meta.row_group(0)
        columns = [group.column(i) for i in range(group.num_columns)]
        leaves |= {c.path_in_schema for c in columns}
        encoded = {c.path_in_schema for c in columns if c.has_dictionary_page}
        # Parquet never dictionary-encodes booleans.
        wanted = {c.path_in_schema for c in columns if c.physical_type != "BOOLEAN"}
        assert encoded == wanted - parquet.PLAIN_COLUMNS
    assert leaves >= parquet.PLAIN_COLUMNS  # no name that matches nothing
    assert {"post_id", "platform", "like_count", "provenance.source"} <= encoded
