"""The Hub folder's bounded-memory machinery: spill files, per-split files, a bucketed join,
and a shard writer that writes what ``Dataset.to_parquet`` writes.

Nothing here holds a table whole. Spill files are read back batch by batch with plain
reads (no memory map, so the pages read are not the process's), and:

- each config is split in one pass into one Arrow file per split (rows in input order,
  already cast to the config's ``datasets`` Features), counting rows and bytes;
- each split file is then cut into ``push_to_hub``'s contiguous shards and written as
  Parquet with the options ``Dataset.to_parquet`` uses;
- the ``replies_in_context`` join holds **ids only** for the whole corpus (the posts' and
  replies' ids and, per reply, the row of its post and of its parent: about 30 bytes a
  reply); the texts it fetches go through bucket files on disk, one bucket of rows at a
  time.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Iterator
from typing import IO, Any, Final

import pyarrow as pa
import pyarrow.compute as pc

from ..hf import BATCH_SIZE, SPLITS, _split_of, hf_table
from ..schema import REPLIES_IN_CONTEXT, arrow_schema, features

__all__ = ["context_batches", "read_batches", "split_files", "write_shard"]

#: At most this many bucket files are open at once during the join.
MAX_BUCKETS: Final = 128
#: Row groups hold at most about this many Arrow bytes (``datasets`` writes up to 100 MB;
#: the writer holds a row group whole, so this bounds the memory of writing a shard).
ROW_GROUP_BYTES: Final = 32 * 1024 * 1024
#: The join copies the cells wanted by at most this many reply rows at a time.
SCATTER_ROWS: Final = 50_000


def read_batches(path: str, columns: list[str] | None = None) -> Iterator[pa.RecordBatch]:
    """The record batches of the Arrow IPC file *path*, read one at a time (only the
    buffers of *columns* when given)."""
    with pa.OSFile(path) as handle:
        reader = pa.ipc.open_file(handle)
        if columns is not None:
            fields = [reader.schema.get_field_index(c) for c in columns]
            options = pa.ipc.IpcReadOptions(included_fields=fields)
            reader = pa.ipc.open_file(handle, options=options)
        for i in range(reader.num_record_batches):
            yield reader.get_batch(i)


def _own(array: Any) -> pa.Array:
    # A column of a batch read from a file shares the batch's buffer: copy it out so the
    # batch can go.
    return pa.concat_arrays([array, pa.array([], array.type)])


def _ids(path: str, column: str) -> pa.Array:
    chunks = [_own(batch.column(column)) for batch in read_batches(path, [column])]
    return pa.concat_arrays(chunks) if chunks else pa.array([], pa.string())


class SplitFile:
    """One split of one config, spilled: path, rows and in-memory Arrow bytes."""

    def __init__(self, path: str, schema: pa.Schema) -> None:
        self.path = path
        self.rows = 0
        self.nbytes = 0
        self._writer = pa.ipc.new_file(path, schema)

    def add(self, table: pa.Table) -> None:
        self.rows += len(table)
        self.nbytes += table.nbytes
        self._writer.write_table(table)

    def close(self) -> None:
        self._writer.close()


def split_files(
    batches: Iterable[pa.RecordBatch],
    config: str,
    thread_column: str,
    *,
    seed: int,
    ratios: tuple[float, float, float],
    spill: str,
) -> dict[str, SplitFile]:
    """Route *batches* (of *config*'s Parquet schema) into one file per split with a share."""
    schema = features(config).arrow_schema
    out = {
        split: SplitFile(os.path.join(spill, f"{config}-{split}.arrow"), schema)
        for split, share in zip(SPLITS, ratios, strict=True)
        if share > 0
    }
    cache: dict[str, str] = {}  # thread id -> split, across batches
    try:
        for batch in batches:
            if len(batch) == 0:
                continue
            names = _split_of(batch.column(thread_column), seed, ratios, cache)
            table = pa.Table.from_batches([batch])
            for split, target in out.items():
                part = table.filter(pc.equal(names, split))
                if len(part):
                    target.add(hf_table(part, config))
    finally:
        for target in out.values():
            target.close()
    return out


def shard_ranges(rows: int, shards: int) -> list[tuple[int, int]]:
    """``Dataset.shard(shards, i, contiguous=True)``'s row range for each *i*."""
    div, mod = divmod(rows, shards)
    ranges = []
    for index in range(shards):
        start = div * index + min(index, mod)
        ranges.append((start, start + div + (1 if index < mod else 0)))
    return ranges


def _rows(path: str, start: int, end: int) -> Iterator[pa.Table]:
    """Rows ``[start, end)`` of the Arrow file *path*, a batch at a time."""
    offset = 0
    for batch in read_batches(path):
        low, high = offset, offset + len(batch)
        offset = high
        if high <= start:
            continue
        if low >= end:
            break
        skip = max(start - low, 0)
        yield pa.Table.from_batches([batch.slice(skip, min(end, high) - low - skip)])


def write_shard(handle: IO[bytes], source: SplitFile, start: int, end: int, config: str) -> None:
    """Rows ``[start, end)`` of *source* as Parquet on *handle*, written the way
    ``Dataset.to_parquet`` writes (schema with Features, content-defined chunking, page
    index, per-column options), in row groups of at most :data:`ROW_GROUP_BYTES`."""
    import pyarrow.parquet as pq
    from datasets import config as ds_config
    from datasets.arrow_writer import (
        get_parquet_column_options,
        get_writer_batch_size_from_data_size,
        get_writer_batch_size_from_features,
    )

    feats = features(config)
    schema = feats.arrow_schema
    rows = end - start
    nbytes = source.nbytes * rows // source.rows if source.rows else 0
    batch_rows = get_writer_batch_size_from_features(feats) or get_writer_batch_size_from_data_size(
        rows, nbytes
    )
    if nbytes > 0:  # smaller row groups than datasets' 100 MB: a row group is held whole
        batch_rows = min(batch_rows, max(1, rows * ROW_GROUP_BYTES // nbytes))
    cdc = ds_config.DEFAULT_CDC_OPTIONS
    writer = pq.ParquetWriter(
        handle,
        schema=schema,
        use_content_defined_chunking=cdc,
        write_page_index=True,
        **get_parquet_column_options(feats, schema),
    )
    pending: list[pa.Table] = []
    held = 0
    for table in _rows(source.path, start, end):
        pending.append(table)
        held += len(table)
        while held >= batch_rows:
            block = pa.concat_tables(pending)
            writer.write_table(block.slice(0, batch_rows))
            rest = block.slice(batch_rows)
            pending, held = ([rest] if len(rest) else []), len(rest)
    if held:
        writer.write_table(pa.concat_tables(pending))
    writer.add_key_value_metadata({"content_defined_chunking": json.dumps(cdc)})
    writer.close()


def _rows_of(keys: pa.ChunkedArray, value_set: pa.Array) -> pa.Array:
    """The row of each key in *value_set* (null where absent), as one array."""
    if len(keys) == 0:
        return pa.array([], pa.int32())
    rows = pc.index_in(keys, value_set=value_set)
    return rows.combine_chunks() if isinstance(rows, pa.ChunkedArray) else rows


def _scatter(
    lookup: str, at: pa.Array, columns: list[str], bucket_rows: int, spill: str, tag: str
) -> dict[int, str]:
    """Fetch *columns* of the lookup file's row ``at[i]`` for every reply row *i* with one,
    and file them by ``i // bucket_rows`` as ``(row, *columns)`` tables; returns the
    bucket files. Reads the lookup file once, in order."""
    import numpy as np

    valid = pc.is_valid(at)
    child = pc.indices_nonzero(valid)
    wanted = at.filter(valid)
    order = pc.sort_indices(wanted)
    wanted_np = wanted.take(order).to_numpy().astype(np.int64)
    child_np = child.take(order).to_numpy().astype(np.int64)
    del valid, child, wanted, order
    paths: dict[int, str] = {}
    writers: dict[int, Any] = {}
    try:
        offset = 0
        for batch in read_batches(lookup, columns):
            low, high = offset, offset + len(batch)
            offset = high
            first, last = np.searchsorted(wanted_np, [low, high])
            # A lookup row can be wanted by many reply rows (a post by all its replies):
            # copy the wanted cells a slice of reply rows at a time.
            for i0 in range(int(first), int(last), SCATTER_ROWS):
                i1 = min(i0 + SCATTER_ROWS, int(last))
                kids = child_np[i0:i1]
                taken = pa.Table.from_batches([batch.select(columns)]).take(
                    pa.array(wanted_np[i0:i1] - low)
                )
                taken = taken.add_column(0, "row", pa.array(kids))
                buckets = kids // bucket_rows
                by_bucket = np.argsort(buckets, kind="stable")
                sorted_buckets = buckets[by_bucket]
                edges = np.flatnonzero(np.diff(sorted_buckets)) + 1
                for part in np.split(np.arange(len(kids)), edges):
                    number = int(sorted_buckets[part[0]])
                    piece = taken.take(pa.array(by_bucket[part]))
                    if number not in writers:
                        paths[number] = os.path.join(spill, f"join-{tag}-{number}.arrow")
                        writers[number] = pa.ipc.new_stream(paths[number], piece.schema)
                    writers[number].write_table(piece)
                del taken
    finally:
        for writer in writers.values():
            writer.close()
    return paths


def _gather(
    path: str | None, start: int, size: int, columns: list[str], types: list[pa.DataType]
) -> list[pa.Array]:
    """Columns aligned to reply rows ``[start, start + size)`` from a bucket file (null
    where a row has nothing to fetch)."""
    import numpy as np

    if path is None:
        return [pa.nulls(size, t) for t in types]
    with pa.OSFile(path) as handle:
        table = pa.ipc.open_stream(handle).read_all()
    positions = np.full(size, -1, dtype=np.int64)
    positions[table.column("row").to_numpy() - start] = np.arange(len(table))
    index = pa.array(positions, mask=positions < 0)
    return [table.column(c).combine_chunks().take(index) for c in columns]


def context_batches(
    posts: str, replies: str, replies_count: int, spill: str
) -> Iterator[pa.RecordBatch]:
    """The ``replies_in_context`` rows (``platform`` as its name), a batch per batch of
    the replies file; the same rows as :func:`tearcorpus.hf.context_table`."""
    # One ``index_in`` call per lookup over all the replies' ids: each call hashes its
    # value set, so a call per batch would hash every reply id once per batch.
    wanted: dict[str, list[pa.Array]] = {"id": [], "post_id": [], "parent_id": []}
    for batch in read_batches(replies, list(wanted)):
        for column, chunks in wanted.items():
            chunks.append(_own(batch.column(column)))
    string = pa.string()
    reply_ids, post_keys, parent_keys = (
        pa.chunked_array(chunks, type=string) for chunks in wanted.values()
    )
    del wanted
    post_rows = _rows_of(post_keys, _ids(posts, "id"))
    del post_keys
    parent_rows = _rows_of(parent_keys, reply_ids.combine_chunks())
    del parent_keys, reply_ids
    batches = max(1, math.ceil(replies_count / BATCH_SIZE))
    bucket_rows = BATCH_SIZE * max(1, math.ceil(batches / MAX_BUCKETS))
    post_files = _scatter(posts, post_rows, ["title", "text"], bucket_rows, spill, "post")
    parent_files = _scatter(replies, parent_rows, ["text"], bucket_rows, spill, "parent")
    del post_rows, parent_rows
    schema = arrow_schema("replies_in_context")
    loaded = -1
    titles = texts = parent_texts = pa.array([], string)
    offset = 0
    for batch in read_batches(replies):
        low, high = offset, offset + len(batch)
        offset = high
        number = low // bucket_rows
        if (high - 1) // bucket_rows != number:  # pragma: no cover - batches are aligned
            raise AssertionError("a replies batch crosses a join bucket")
        if number != loaded:
            start = number * bucket_rows
            size = min(bucket_rows, replies_count - start)
            titles, texts = _gather(
                post_files.get(number), start, size, ["title", "text"], [string, string]
            )
            (parent_texts,) = _gather(parent_files.get(number), start, size, ["text"], [string])
            for stale in (post_files.pop(number, None), parent_files.pop(number, None)):
                if stale is not None:
                    os.unlink(stale)
            loaded = number
        cut = slice(low - number * bucket_rows, high - number * bucket_rows)
        post_text = texts[cut]
        author = batch.column("author")
        columns = {
            "id": batch.column("id"),
            "post_id": batch.column("post_id"),
            "parent_id": batch.column("parent_id"),
            "platform": batch.column("platform"),
            "post_title": titles[cut],
            "post_text": post_text,
            "parent_text": pc.if_else(
                pc.is_null(batch.column("parent_id")), post_text, parent_texts[cut]
            ),
            "text": batch.column("text"),
            "author_id": pc.struct_field(author, "id"),
            "author_is_uploader": pc.fill_null(pc.struct_field(author, "is_uploader"), False),
            "created_at": batch.column("created_at"),
            "like_count": batch.column("like_count"),
            "depth": batch.column("depth"),
        }
        assert list(columns) == [c.name for c in REPLIES_IN_CONTEXT]
        yield pa.record_batch(list(columns.values()), schema=schema)
