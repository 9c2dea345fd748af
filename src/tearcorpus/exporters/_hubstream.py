"""The Hub folder's bounded-memory machinery: per-split files, a bucketed join, and a
shard writer that writes what ``Dataset.to_parquet`` writes.

Nothing here holds a table whole. Files are read back batch by batch with plain reads
(no memory map, so the pages read are not the process's), and:

- the record batches are routed as they are made into one Arrow file per table and split
  (:class:`SplitRouter`: rows in input order, already cast to the config's ``datasets``
  Features), counting rows and bytes; the ``posts`` and ``replies`` configs are these files;
- each split file is cut into ``push_to_hub``'s contiguous shards and written as Parquet
  with the options ``Dataset.to_parquet`` uses;
- ``replies_in_context`` is joined split by split (a reply's post and parent are in its
  thread, so in its split): the join holds **ids only** of one split (the posts' and
  replies' ids and, per reply, the row of its post and of its parent: about 30 bytes a
  reply); the texts it fetches go through bucket files on disk, a bucket of rows at a
  time. A parent found in another split (only in inconsistent input: a reply answering a
  reply of another thread, or an id used twice) is looked up there, as a join over the
  whole corpus would.
"""

from __future__ import annotations

import json
import math
import os
import queue
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from itertools import pairwise
from typing import IO, Any, Final

import pyarrow as pa
import pyarrow.compute as pc

from ..hf import SPLITS, SpillWriter, _split_of, hf_table
from ..schema import REPLIES_IN_CONTEXT, features_schema, leaf_columns

__all__ = [
    "ContextJoin",
    "Feed",
    "SplitFile",
    "SplitRouter",
    "cut_rows",
    "read_batches",
    "write_shard",
]

#: At most this many bucket files are open at once during the join.
MAX_BUCKETS: Final = 128
#: Each written through a buffer of this size (128 of them: 8 MB).
BUCKET_BUFFER: Final = 64 * 1024
#: Row groups hold at most about this many Arrow bytes (``datasets`` writes up to 100 MB;
#: the writer holds a row group whole, so this bounds the memory of writing a shard).
#: With ``--workers`` the shards are written while the join runs: 32 MB took that process
#: to 298-302 MB at 1M comments, 16 MB to 262 MB, for files of the same size.
ROW_GROUP_BYTES: Final = 16 * 1024 * 1024
#: The join copies the cells wanted by at most this many reply rows at a time.
SCATTER_ROWS: Final = 50_000
#: Ids of another split are looked up about this many at a time (see :func:`_id_chunks`).
ID_CHUNK_ROWS: Final = 200_000
#: ``datasets``' row group size (``config.MAX_ROW_GROUP_SIZE``, 100 MB) in bytes.
DATASETS_ROW_GROUP_BYTES: Final = 100_000_000
#: ``datasets``' content-defined chunking options (``config.DEFAULT_CDC_OPTIONS``).
CDC_OPTIONS: Final = {"min_chunk_size": 262144, "max_chunk_size": 1048576, "norm_level": 0}


def read_batches(path: str, columns: list[str] | None = None) -> Iterator[pa.RecordBatch]:
    """The record batches of the Arrow IPC file *path*, read one at a time (only the
    buffers of *columns* when given); Arrow's freed memory is given back between batches,
    so what the previous batch's work freed is not kept on top of the next."""
    with pa.OSFile(path) as handle:
        reader = pa.ipc.open_file(handle)
        if columns is not None:
            fields = [reader.schema.get_field_index(c) for c in columns]
            options = pa.ipc.IpcReadOptions(included_fields=fields)
            reader = pa.ipc.open_file(handle, options=options)
        for i in range(reader.num_record_batches):
            yield reader.get_batch(i)
            _release()


def _release() -> None:
    # Give the memory Arrow's allocator freed back to the system now: it would keep it a
    # while, and the next step's allocations would come on top.
    pa.default_memory_pool().release_unused()


def _own(array: Any) -> pa.Array:
    # A column of a batch read from a file shares the batch's buffer: copy it out so the
    # batch can go.
    return pa.concat_arrays([array, pa.array([], array.type)])


def _id_chunks(path: str) -> Iterator[tuple[int, pa.Array]]:
    """``(first row, ids)`` for the ``id`` column of the Arrow file *path*, about
    :data:`ID_CHUNK_ROWS` rows at a time: lookups in another split's ids hold a chunk of
    them (and its hash table), not the split whole."""
    chunks: list[pa.Array] = []
    held = offset = 0
    for batch in read_batches(path, ["id"]):
        chunks.append(_own(batch.column("id")))
        held += len(batch)
        if held >= ID_CHUNK_ROWS:
            yield offset, pa.concat_arrays(chunks)
            chunks, offset, held = [], offset + held, 0
    if chunks:
        yield offset, pa.concat_arrays(chunks)


def _ids(path: str, column: str) -> pa.Array:
    chunks = [_own(batch.column(column)) for batch in read_batches(path, [column])]
    return pa.concat_arrays(chunks) if chunks else pa.array([], pa.string())


class SplitFile:
    """One split of one config, spilled: path, rows and in-memory Arrow bytes."""

    def __init__(self, path: str, schema: pa.Schema) -> None:
        self.path = path
        self.schema = schema
        self.rows = 0
        self.nbytes = 0
        self._writer = SpillWriter(path, schema)

    def add(self, table: pa.Table) -> None:
        self.rows += len(table)
        self.nbytes += table.nbytes
        self._writer.write(table)

    def close(self) -> None:
        self._writer.close()


class SplitRouter:
    """Record batches of the ``posts`` and ``replies`` tables in, one :class:`SplitFile`
    per table and split with a share out: each batch is cut by the split of its rows'
    threads as it comes, so the tables are never spilled whole and read back."""

    def __init__(self, spill: str, *, seed: int, ratios: tuple[float, float, float]) -> None:
        self.seed = seed
        self.ratios = ratios
        self.files: dict[str, dict[str, SplitFile]] = {}
        for table in ("posts", "replies"):
            schema = features_schema(table)
            self.files[table] = {
                split: SplitFile(os.path.join(spill, f"{table}-{split}.arrow"), schema)
                for split, share in zip(SPLITS, ratios, strict=True)
                if share > 0
            }
        self._cache: dict[str, str] = {}  # thread id -> split, across batches
        self._codes: list[Any] = []  # each reply's split (index in SPLITS), input order
        #: Per split, for each batch of its replies file: which of :data:`NULLABLE_INTS`
        #: had a null in the whole input batch it was cut from (see :func:`context_nbytes`).
        self.source_nulls: dict[str, list[frozenset[str]]] = {s: [] for s in self.files["replies"]}
        #: Per split, for each batch of its replies file: the characters of the columns
        #: ``replies_in_context`` takes as they are, and the length of each ``text`` (for
        #: :meth:`ContextJoin.nbytes`).
        self.reply_chars: dict[str, list[int]] = {s: [] for s in self.files["replies"]}
        self.text_lengths: dict[str, list[Any]] = {s: [] for s in self.files["replies"]}

    def add(self, table: str, batch: pa.RecordBatch) -> None:
        """Route *batch*, a record batch of *table* (``platform`` as its name)."""
        import numpy as np

        if len(batch) == 0:
            return
        thread = batch.column("id" if table == "posts" else "post_id")
        names = _split_of(thread, self.seed, self.ratios, self._cache)
        if table == "replies":
            codes = pc.index_in(names, value_set=pa.array(SPLITS))
            self._codes.append(codes.to_numpy(zero_copy_only=False).astype(np.int8))
        nulls = frozenset(
            c for c in NULLABLE_INTS if table == "replies" and batch.column(c).null_count
        )
        whole = pa.Table.from_batches([batch])
        for split, target in self.files[table].items():
            part = whole.filter(pc.equal(names, split))
            if len(part):
                cast = hf_table(part, table)
                target.add(cast)
                if table == "replies":
                    self.source_nulls[split].append(nulls)
                    lengths = _lengths(cast.column("text"))
                    own = [cast.column(c) for c in ("id", "post_id", "parent_id")]
                    own.append(pc.struct_field(cast.column("author"), "id"))
                    chars = int(lengths.sum()) + sum(_chars(column) for column in own)
                    self.reply_chars[split].append(chars)
                    self.text_lengths[split].append(lengths.astype(np.int32))

    def reply_splits(self) -> Any:
        """The split of every reply (its index in :data:`SPLITS`), in input order."""
        import numpy as np

        return np.concatenate(self._codes) if self._codes else np.zeros(0, np.int8)

    def close(self) -> None:
        """Close every split file, the others too when one fails (a full disk): the
        first error is raised once all are closed."""
        self._cache.clear()
        error: BaseException | None = None
        for files in self.files.values():
            for target in files.values():
                try:
                    target.close()
                except BaseException as exc:
                    error = error or exc
        if error is not None:
            raise error


#: The 8-byte columns of ``replies_in_context`` taken from the replies as they are.
NULLABLE_INTS: Final = ("created_at", "like_count", "depth")


def context_nbytes(batch: pa.RecordBatch, source_nulls: frozenset[str]) -> int:
    """The Arrow bytes of *batch* (``replies_in_context`` rows of one split cut from one
    input batch) as ``Table.nbytes`` counts them when the rows are filtered out of the
    whole input batch's join, which is how they were counted before the join ran split by
    split: the card's ``num_bytes`` and the row group sizes depend on it. See
    :func:`_context_bytes`."""
    chars = sum(
        _chars(column)
        for field, column in zip(batch.schema, batch.columns, strict=True)
        if pa.types.is_string(field.type)
    )
    return _context_bytes(len(batch), chars, source_nulls)


def _context_bytes(rows: int, chars: int, source_nulls: frozenset[str]) -> int:
    """:func:`context_nbytes` of *rows* rows whose string cells hold *chars* characters in
    all: a filtered string column and ``platform`` have a validity bitmap,
    ``author_is_uploader`` has none, and each of :data:`NULLABLE_INTS` has one if the input
    batch had a null in it (*source_nulls*)."""
    bitmap = (rows + 7) // 8
    total = chars
    for field in features_schema("replies_in_context"):
        if pa.types.is_string(field.type):
            total += 4 * rows + bitmap
        elif pa.types.is_boolean(field.type):
            total += bitmap
        else:
            with_nulls = field.name == "platform" or field.name in source_nulls
            total += 8 * rows + (bitmap if with_nulls else 0)
    return total


def _chars(column: Any) -> int:
    """The UTF-8 bytes of the cells of a string column (a null has none)."""
    return int(pc.sum(pc.binary_length(column)).as_py() or 0)


def _lengths(column: Any) -> Any:
    """The UTF-8 bytes of each cell of a string column (0 for a null), as NumPy int64."""
    import numpy as np

    lengths = pc.fill_null(pc.binary_length(column), 0)
    return np.asarray(lengths.to_numpy(), dtype=np.int64)


def shard_ranges(rows: int, shards: int) -> list[tuple[int, int]]:
    """``Dataset.shard(shards, i, contiguous=True)``'s row range for each *i*."""
    div, mod = divmod(rows, shards)
    ranges = []
    for index in range(shards):
        start = div * index + min(index, mod)
        ranges.append((start, start + div + (1 if index < mod else 0)))
    return ranges


def cut_rows(
    batches: Iterable[pa.RecordBatch], ranges: list[tuple[int, int]]
) -> Iterator[Iterator[pa.Table]]:
    """For each of the contiguous row *ranges* of *batches* (read once), its rows, a batch
    or the part of a batch in the range at a time; consume each range's rows before
    asking for the next range."""
    source = iter(batches)
    held: pa.RecordBatch | None = None
    low = 0  # the first row of ``held``

    def rows(start: int, end: int) -> Iterator[pa.Table]:
        nonlocal held, low
        while True:
            if held is None:
                held = next(source, None)
                if held is None:
                    return
            high = low + len(held)
            if high <= start:
                low, held = high, None
                continue
            if low >= end:
                return
            skip = max(start - low, 0)
            yield pa.Table.from_batches([held.slice(skip, min(end, high) - low - skip)])
            if high > end:
                return  # the rest of the batch is the next range's
            low, held = high, None

    for start, end in ranges:
        yield rows(start, end)


def parquet_column_options(schema: pa.Schema) -> dict[str, Any]:
    """The per-column ``pq.ParquetWriter`` options ``datasets`` uses
    (``arrow_writer.get_parquet_column_options``) for our Features, which embed no files:
    snappy and dictionary encoding for every leaf column."""
    leaves = leaf_columns(schema)
    return {
        "compression": dict.fromkeys(leaves, "snappy"),
        "use_dictionary": leaves,
        "column_encoding": {},
    }


def write_shard(
    handle: IO[bytes], tables: Iterable[pa.Table], rows: int, nbytes: int, config: str
) -> None:
    """The *rows* rows of *tables* (a shard of a split, in tables as :func:`cut_rows`
    gives them) as Parquet on *handle*, written the way ``Dataset.to_parquet`` writes
    (schema with Features, content-defined chunking, page index, per-column options), in
    row groups of at most :data:`ROW_GROUP_BYTES`; *nbytes* is the shard's share of the
    split's Arrow bytes (see :func:`shard_bytes`).

    ``datasets`` is not imported: its writer settings for our Features (no images, audio,
    video or binary columns, so no fixed row group size) are reproduced here."""
    import pyarrow.parquet as pq

    schema = features_schema(config)
    # ``get_writer_batch_size_from_data_size``, then smaller row groups than datasets'
    # 100 MB: the writer holds a row group whole.
    batch_rows = 1
    if nbytes > 0:
        batch_rows = max(1, rows * DATASETS_ROW_GROUP_BYTES // nbytes)
        batch_rows = min(batch_rows, max(1, rows * ROW_GROUP_BYTES // nbytes))
    cdc = dict(CDC_OPTIONS)
    writer = pq.ParquetWriter(
        handle,
        schema=schema,
        use_content_defined_chunking=cdc,
        write_page_index=True,
        **parquet_column_options(schema),
    )
    pending: list[pa.Table] = []
    held = 0
    for table in tables:
        pending.append(table)
        held += len(table)
        while held >= batch_rows:
            block = pa.concat_tables(pending)
            writer.write_table(block.slice(0, batch_rows))
            _release()
            rest = block.slice(batch_rows)
            pending, held = ([rest] if len(rest) else []), len(rest)
    if held:
        writer.write_table(pa.concat_tables(pending))
    writer.add_key_value_metadata({"content_defined_chunking": json.dumps(cdc)})
    writer.close()


def shard_bytes(split_rows: int, split_nbytes: int, rows: int) -> int:
    """The Arrow bytes ``Dataset.shard`` gives a shard of *rows* of the split's rows."""
    return split_nbytes * rows // split_rows if split_rows else 0


class Feed:
    """Items handed from the thread that makes them to the thread that consumes them
    (iterating over the feed), a few at a time: the maker waits while the feed is full."""

    def __init__(self, size: int = 1) -> None:
        self._queue: queue.Queue[Any] = queue.Queue(size)

    def __iter__(self) -> Iterator[Any]:
        while (item := self._queue.get()) is not _END:
            yield item

    def pour(self, items: Iterable[Any], consumer: Future[Any]) -> None:
        """Put *items*, then the end of the feed; stop early if *consumer* (the future of
        the task iterating over the feed) is done, which only an error ends early: its
        ``result()`` raises it. If making the items raises, the consumer gets the end."""
        try:
            for item in items:
                if not self._put(item, consumer):
                    return
        finally:
            self._put(_END, consumer)

    def _put(self, item: Any, consumer: Future[Any]) -> bool:
        while not consumer.done():
            try:
                self._queue.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False


_END: Final = object()


def _rows_of(keys: pa.ChunkedArray, value_set: pa.Array) -> pa.Array:
    """The row of each key in *value_set* (null where absent), as one array."""
    if len(keys) == 0:
        return pa.array([], pa.int32())
    rows = pc.index_in(keys, value_set=value_set)
    return rows.combine_chunks() if isinstance(rows, pa.ChunkedArray) else rows


def _bucket_of(rows: Any, starts: Any) -> Any:
    import numpy as np

    return np.searchsorted(starts, rows, side="right") - 1


def _scatter(
    lookup: str, at: pa.Array, columns: list[str], starts: Any, spill: str, tag: str
) -> dict[int, str]:
    """Fetch *columns* of the lookup file's row ``at[i]`` for every reply row *i* with one,
    and file them by the bucket of *i* (bucket *k* holds rows ``starts[k]`` to
    ``starts[k + 1]``) as ``(row, *columns)`` tables; returns the bucket files. Reads the
    lookup file once, in order."""
    import numpy as np

    # The reply rows with a lookup row, ordered by it (stably), and those lookup rows:
    # 4 bytes each (a split's rows fit in int32).
    rows = pc.fill_null(at, -1).to_numpy()
    child = np.flatnonzero(rows >= 0)
    child_np = child[np.argsort(rows[child], kind="stable")].astype(np.int32)
    del child
    wanted_np = rows[child_np].astype(np.int32)
    del rows
    paths: dict[int, str] = {}
    writers: dict[int, SpillWriter] = {}
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
                # Taken in bucket order (one copy of the cells), filed a slice per bucket.
                buckets = _bucket_of(child_np[i0:i1], starts)
                by_bucket = np.argsort(buckets, kind="stable")
                buckets = buckets[by_bucket]
                taken = pa.Table.from_batches([batch.select(columns)]).take(
                    pa.array(wanted_np[i0:i1][by_bucket] - low)
                )
                taken = taken.add_column(0, "row", pa.array(child_np[i0:i1][by_bucket]))
                edges = [0, *(np.flatnonzero(np.diff(buckets)) + 1).tolist(), len(buckets)]
                for lo, hi in pairwise(edges):
                    number = int(buckets[lo])
                    piece = taken.slice(lo, hi - lo)
                    if number not in writers:
                        paths[number] = os.path.join(spill, f"join-{tag}-{number}.arrow")
                        writers[number] = SpillWriter(
                            paths[number], piece.schema, stream=True, buffer_size=BUCKET_BUFFER
                        )
                    writers[number].write(piece)
                del taken, piece
                _release()
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


def _take_rows(path: str, column: str, rows: Any) -> pa.Array:
    """Cells of *column* at the sorted *rows* of the Arrow file *path*, read a batch at a time."""
    import numpy as np

    pieces = []
    offset = 0
    for batch in read_batches(path, [column]):
        low, high = offset, offset + len(batch)
        offset = high
        first, last = np.searchsorted(rows, [low, high])
        if last > first:
            pieces.append(batch.column(column).take(pa.array(rows[first:last] - low)))
    return pa.concat_arrays(pieces) if pieces else pa.array([], pa.string())


def _foreign_parents(
    parent_keys: pa.Array, split: int, replies: dict[int, str], reply_splits: Any
) -> tuple[Any, pa.Array] | None:
    """The reply rows of *split* whose parent, by input order, is first a reply of another
    split (only in inconsistent input), and that parent's text; ``None`` if no row is."""
    import numpy as np

    hit = np.zeros(len(parent_keys), dtype=bool)
    for other, path in replies.items():
        if other != split:
            for _, ids in _id_chunks(path):
                hit |= pc.is_in(parent_keys, value_set=ids).to_numpy(zero_copy_only=False)
    if not hit.any():
        return None
    rows = np.flatnonzero(hit)
    keys = parent_keys.take(pa.array(rows))
    # The first occurrence in input order: each split keeps input order, so its first
    # match is its earliest; compare the splits' earliest by input position.
    never = np.iinfo(np.int64).max
    best = np.full(len(rows), never, dtype=np.int64)
    owner = np.full(len(rows), -1, dtype=np.int64)
    local = np.zeros(len(rows), dtype=np.int64)
    for number, path in replies.items():
        at = np.full(len(rows), -1, dtype=np.int64)
        for offset, ids in _id_chunks(path):
            found = pc.fill_null(pc.index_in(keys, value_set=ids), -1).to_numpy()
            first = (at < 0) & (found >= 0)  # earlier chunks hold earlier rows
            at[first] = found[first] + offset
        inputs = np.flatnonzero(reply_splits == number)
        position = np.where(at >= 0, inputs[np.maximum(at, 0)] if len(inputs) else 0, never)
        better = position < best
        best[better], owner[better], local[better] = position[better], number, at[better]
    foreign = owner != split
    rows, owner, local = rows[foreign], owner[foreign], local[foreign]
    if len(rows) == 0:
        return None
    texts: list[Any] = [None] * len(rows)
    for number in np.unique(owner):
        picked = np.flatnonzero(owner == number)
        order = np.argsort(local[picked], kind="stable")
        cells = _take_rows(replies[int(number)], "text", local[picked][order]).to_pylist()
        for index, cell in zip(picked[order], cells, strict=True):
            texts[index] = cell
    return rows, pa.array(texts, pa.string())


class ContextJoin:
    """The ``replies_in_context`` rows of one split (its ``posts`` and ``replies`` files,
    in the Features' form): the rows of :func:`tearcorpus.hf.context_table` for these
    replies, a batch per batch of the replies file (:meth:`batches`), and their Arrow
    bytes before they are made (:meth:`nbytes`), so that they can be written as they come.
    *all_replies* are the replies files of every split (by index in
    :data:`~tearcorpus.hf.SPLITS`), *reply_splits* the split of every reply in input
    order: for parents found in another split."""

    def __init__(
        self,
        posts: SplitFile,
        replies: SplitFile,
        spill: str,
        *,
        split: int,
        all_replies: dict[int, str],
        reply_splits: Any,
    ) -> None:
        import numpy as np

        self.posts, self.replies, self.spill = posts, replies, spill
        # One ``index_in`` call per lookup over all the replies' ids: each call hashes
        # its value set, so a call per batch would hash every reply id once per batch.
        wanted: dict[str, list[pa.Array]] = {"id": [], "post_id": [], "parent_id": []}
        sizes = [0]
        for batch in read_batches(replies.path, list(wanted)):
            sizes.append(len(batch))
            for column, chunks in wanted.items():
                chunks.append(_own(batch.column(column)))
        string = pa.string()
        # Each column's pieces go as soon as they are joined.
        reply_ids, post_keys, parent_keys = (
            pa.chunked_array(wanted.pop(column), type=string).combine_chunks()
            for column in ("id", "post_id", "parent_id")
        )
        self.offsets = np.cumsum(sizes)
        self.post_rows = _rows_of(post_keys, _ids(posts.path, "id"))
        del post_keys
        self.parent_rows = _rows_of(parent_keys, reply_ids)
        del reply_ids
        self.orphans = pc.is_null(parent_keys).to_numpy(zero_copy_only=False)
        self.foreign = _foreign_parents(parent_keys, split, all_replies, reply_splits)

    def nbytes(
        self, reply_chars: list[int], text_lengths: list[Any], source_nulls: list[frozenset[str]]
    ) -> int:
        """The sum of :func:`context_nbytes` over :meth:`batches`, from the lengths of the
        texts the join would fetch: per batch of the replies file, the characters of the
        columns taken as they are (*reply_chars*), the length of each reply's ``text``
        (*text_lengths*) and the nulls of its input batch (*source_nulls*)."""
        import numpy as np

        # A row not found is -1: the 0 appended to each length array.
        found: dict[str, list[Any]] = {"title": [], "text": []}
        for batch in read_batches(self.posts.path, list(found)):
            for column, chunks in found.items():
                chunks.append(_lengths(batch.column(column)))
        titles, texts, replies = (
            np.concatenate([*chunks, np.zeros(1, np.int64)])
            for chunks in (found["title"], found["text"], text_lengths)
        )
        post = pc.fill_null(self.post_rows, -1).to_numpy()
        parent = pc.fill_null(self.parent_rows, -1).to_numpy()
        post_text = texts[post]
        parent_text = np.where(self.orphans, post_text, replies[parent])
        if self.foreign is not None:
            rows, cells = self.foreign
            parent_text[rows] = _lengths(cells)
        fetched = np.cumsum(np.concatenate([[0], titles[post] + post_text + parent_text]))
        total = 0
        for number, (low, high) in enumerate(pairwise(int(o) for o in self.offsets)):
            chars = reply_chars[number] + int(fetched[high] - fetched[low])
            total += _context_bytes(high - low, chars, source_nulls[number])
        return total

    def batches(self) -> Iterator[pa.RecordBatch]:
        """The rows, a batch per batch of the replies file (the join runs as they are
        asked for)."""
        import numpy as np

        offsets, posts, replies, spill = self.offsets, self.posts, self.replies, self.spill
        post_rows, parent_rows, foreign = self.post_rows, self.parent_rows, self.foreign
        del self.post_rows, self.parent_rows
        string = pa.string()
        # Buckets of whole batches: bucket k holds the rows from starts[k] to starts[k + 1].
        step = max(1, math.ceil((len(offsets) - 1) / MAX_BUCKETS))
        starts = np.append(offsets[:-1][::step], offsets[-1])
        post_files = _scatter(posts.path, post_rows, ["title", "text"], starts, spill, "post")
        parent_files = _scatter(replies.path, parent_rows, ["text"], starts, spill, "parent")
        del post_rows, parent_rows
        schema = features_schema("replies_in_context")
        loaded = -1
        titles = texts = parent_texts = pa.array([], string)
        bounds = pairwise(int(o) for o in offsets)
        # Only the columns the rows take (``extra`` alone is most of a replies file).
        taken = [*(c.name for c in REPLIES_IN_CONTEXT if c.name in replies.schema.names), "author"]
        read = read_batches(replies.path, taken)
        for (low, high), batch in zip(bounds, read, strict=True):
            number = int(_bucket_of(low, starts))
            start = int(starts[number])
            if number != loaded:
                size = int(starts[number + 1]) - start
                titles, texts = _gather(
                    post_files.get(number), start, size, ["title", "text"], [string, string]
                )
                (parent_texts,) = _gather(parent_files.get(number), start, size, ["text"], [string])
                for stale in (post_files.pop(number, None), parent_files.pop(number, None)):
                    if stale is not None:
                        os.unlink(stale)
                loaded = number
            cut = slice(int(low) - start, int(high) - start)
            post_text = texts[cut]
            parent_text = pc.if_else(
                pc.is_null(batch.column("parent_id")), post_text, parent_texts[cut]
            )
            if foreign is not None:
                rows, found = foreign
                inside = np.flatnonzero((rows >= low) & (rows < high))
                if len(inside):
                    mask = np.zeros(len(batch), dtype=bool)
                    mask[rows[inside] - low] = True
                    parent_text = pc.replace_with_mask(
                        parent_text, pa.array(mask), found.take(pa.array(inside))
                    )
            author = batch.column("author")
            columns = {
                "id": batch.column("id"),
                "post_id": batch.column("post_id"),
                "parent_id": batch.column("parent_id"),
                "platform": batch.column("platform"),
                "post_title": titles[cut],
                "post_text": post_text,
                "parent_text": parent_text,
                "text": batch.column("text"),
                "author_id": pc.struct_field(author, "id"),
                "author_is_uploader": pc.fill_null(pc.struct_field(author, "is_uploader"), False),
                "created_at": batch.column("created_at"),
                "like_count": batch.column("like_count"),
                "depth": batch.column("depth"),
            }
            assert list(columns) == [c.name for c in REPLIES_IN_CONTEXT]
            yield pa.record_batch(list(columns.values()), schema=schema)
