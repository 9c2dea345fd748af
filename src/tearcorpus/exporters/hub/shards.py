"""A split's rows as Parquet shards, cut and named as ``push_to_hub`` does.

A split of *rows* rows and *nbytes* Arrow bytes is cut into ``nbytes // max_shard_size
+ 1`` contiguous shards (no more than one per row) whose sizes differ by one row at
most, the first ones larger: ``<config>/<split>-0000i-of-0000N.parquet``. Each is written
with pyarrow's ``ParquetWriter``: snappy, content-defined chunking (:data:`CDC_OPTIONS`:
an upload of a changed corpus then moves only the changed pages), a page index, and the
``datasets`` Features in the schema's metadata; in row groups of about
:data:`ROW_GROUP_BYTES` of Arrow data, because the writer holds a row group whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from itertools import groupby
from operator import itemgetter
from typing import IO, Final

import pyarrow as pa
import pyarrow.parquet as pq

from ..._batches import release

__all__ = [
    "CDC_OPTIONS",
    "ROW_GROUP_BYTES",
    "group_rows",
    "shard_count",
    "shard_sizes",
    "write_shards",
]

#: Row groups hold about this many Arrow bytes. With ``--workers`` the shards are
#: written while the join runs: 32 MB took that process to 298-302 MB at 1M comments,
#: 16 MB to 262 MB, for files of the same size.
ROW_GROUP_BYTES: Final = 16 * 1024 * 1024
#: Content-defined chunking: pyarrow's documented defaults, named so that each file can
#: state them under the key ``content_defined_chunking`` of its metadata (the Hub's
#: dataset viewer takes that key as the sign of a content-defined chunked file).
CDC_OPTIONS: Final = {"min_chunk_size": 256 * 1024, "max_chunk_size": 1024 * 1024, "norm_level": 0}


def shard_count(rows: int, nbytes: int, max_shard_size: int) -> int:
    """How many shards a split of *rows* rows and *nbytes* Arrow bytes is cut into."""
    return min(rows, nbytes // max_shard_size + 1)


def shard_sizes(rows: int, count: int) -> list[int]:
    """The rows of each of *count* contiguous shards of *rows* rows."""
    size, more = divmod(rows, count)
    return [size + 1 if index < more else size for index in range(count)]


def group_rows(rows: int, nbytes: int) -> int:
    """Rows per row group for a split of *rows* rows and *nbytes* Arrow bytes."""
    return max(1, rows * ROW_GROUP_BYTES // nbytes) if nbytes else max(1, rows)


def _cut(
    batches: Iterable[pa.RecordBatch], sizes: list[int]
) -> Iterator[tuple[int, pa.RecordBatch]]:
    """``(shard, rows)`` for the rows of *batches*, shard *i* taking the next
    ``sizes[i]`` rows."""
    shard, left = 0, sizes[0]
    for batch in batches:
        while len(batch):
            if left == 0:
                shard += 1
                left = sizes[shard]
            piece = batch.slice(0, left)
            yield shard, piece
            left -= len(piece)
            batch = batch.slice(len(piece))


def write_shards(
    batches: Iterable[pa.RecordBatch],
    shards: Sequence[tuple[IO[bytes], int]],
    schema: pa.Schema,
    rows_per_group: int,
) -> None:
    """Write the rows of *batches* (read once) as Parquet into *shards*, each a
    ``(handle, rows)`` taking the next *rows* rows, with *schema* (the Features')."""
    pieces = _cut(batches, [rows for _, rows in shards])
    for (handle, _), (_, group) in zip(shards, groupby(pieces, itemgetter(0)), strict=True):
        _write_parquet(handle, (piece for _, piece in group), schema, rows_per_group)


def _write_parquet(
    handle: IO[bytes], batches: Iterable[pa.RecordBatch], schema: pa.Schema, rows_per_group: int
) -> None:
    with pq.ParquetWriter(
        handle,
        schema,
        compression="snappy",
        use_content_defined_chunking=CDC_OPTIONS,
        write_page_index=True,
    ) as writer:
        writer.add_key_value_metadata({"content_defined_chunking": json.dumps(CDC_OPTIONS)})
        pending: list[pa.RecordBatch] = []
        held = 0
        for batch in batches:
            pending.append(batch)
            held += len(batch)
            if held >= rows_per_group:
                table = pa.Table.from_batches(pending, schema)
                whole = held - held % rows_per_group
                writer.write_table(table.slice(0, whole), row_group_size=rows_per_group)
                rest = table.slice(whole)
                pending, held = rest.to_batches(), len(rest)
                del table, rest
                release()
        if held:
            writer.write_table(pa.Table.from_batches(pending, schema), row_group_size=held)
