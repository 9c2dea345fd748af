"""The ``replies_in_context`` rows of a split, joined in bounded memory.

One row per reply (in the replies file's order) with its post's title and text and the
text it answers: its parent reply's, or its post's for a direct reply (null where the
post or the parent is absent). A reply's post and parent are in its thread, so in its
split: the join runs split by split, from that split's ``posts`` and ``replies`` files
(:class:`~.tables.SplitTables`).

The join holds **ids only** of one split: the replies' ``id``, ``post_id`` and
``parent_id`` while it finds, for each reply, the row of its post and of its parent
(then about 8 bytes a reply). The texts it fetches go through bucket files on disk, a
bucket of rows at a time (:func:`_scatter`, :func:`_gather`). A parent found in another
split (only in inconsistent input: a reply answering a reply of another thread) is
looked up in the other splits' files, a chunk of their ids at a time.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from itertools import pairwise
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from ..._batches import SpillWriter, read_batches, release
from ...schema import REPLIES_IN_CONTEXT, features_schema

if TYPE_CHECKING:
    from .tables import SplitFile, SplitTables

__all__ = ["ContextJoin", "context_rows"]

#: At most this many bucket files are open at once during the join.
MAX_BUCKETS: Final = 128
#: Each written through a buffer of this size (128 of them: 8 MB).
BUCKET_BUFFER: Final = 64 * 1024
#: The join copies the cells wanted by at most this many reply rows at a time.
SCATTER_ROWS: Final = 50_000
#: Ids of another split are looked up about this many at a time (see :func:`_id_chunks`).
ID_CHUNK_ROWS: Final = 200_000

#: Row numbers; those kept per reply are int32 (a split's rows fit).
Rows = npt.NDArray[np.int64]
Rows32 = npt.NDArray[np.int32]


def context_rows(tables: SplitTables, split: str) -> Iterator[pa.RecordBatch]:
    """The ``replies_in_context`` rows of *split*, a batch per batch of its replies file."""
    replies = tables.files["replies"][split]
    if replies.rows == 0:
        return iter(())
    others = [f.path for name, f in tables.files["replies"].items() if name != split]
    return ContextJoin(tables.files["posts"][split], replies, tables.folder, others).batches()


def _own(array: pa.Array) -> pa.Array:
    # A column of a batch read from a file shares the batch's buffer: copy it out so the
    # batch can go.
    return pa.concat_arrays([array, pa.array([], array.type)])


def _column(path: str, column: str) -> pa.Array:
    """The string column *column* of the Arrow file *path*, as one array."""
    chunks = [_own(batch.column(column)) for batch in read_batches(path, [column])]
    return pa.concat_arrays(chunks) if chunks else pa.array([], pa.string())


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


def _rows_in(keys: pa.Array, value_set: pa.Array) -> Rows32:
    """The row of each key in *value_set*, -1 where absent (or the key is null)."""
    if len(keys) == 0:
        return np.zeros(0, np.int32)
    found = pc.fill_null(pc.index_in(keys, value_set=value_set), -1)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=np.int32)


def _take_rows(path: str, column: str, rows: Rows) -> pa.Array:
    """Cells of *column* at the sorted *rows* of the Arrow file *path*, read a batch at a time."""
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
    parent_keys: pa.Array, parent_rows: Rows32, others: list[str]
) -> tuple[Rows, pa.Array] | None:
    """The reply rows (in order) whose parent is not in their split but is a reply of
    another (*others*: those splits' replies files), and that parent's text; ``None`` if
    no row is. Ids are unique, so a parent is found in one place at most."""
    valid = pc.is_valid(parent_keys).to_numpy(zero_copy_only=False)
    wanted = np.flatnonzero((parent_rows < 0) & valid)
    if len(wanted) == 0:
        return None
    keys = parent_keys.take(pa.array(wanted))
    rows: list[Rows] = []
    texts: list[pa.Array] = []
    for path in others:
        at = np.full(len(keys), -1, dtype=np.int64)
        for offset, ids in _id_chunks(path):
            in_chunk = _rows_in(keys, ids)
            at[in_chunk >= 0] = in_chunk[in_chunk >= 0] + offset
        hit = np.flatnonzero(at >= 0)
        if len(hit):
            order = hit[np.argsort(at[hit], kind="stable")]
            rows.append(wanted[order])
            texts.append(_take_rows(path, "text", at[order]))
    if not rows:
        return None
    found: Rows = np.concatenate(rows)
    order = np.argsort(found, kind="stable")
    return found[order], pa.concat_arrays(texts).take(pa.array(order))


def _bucket_of(rows: Rows | int, starts: Rows) -> Rows:
    return np.searchsorted(starts, rows, side="right") - 1


def _scatter(
    lookup: str, at: Rows32, columns: list[str], starts: Rows, folder: str, tag: str
) -> dict[int, str]:
    """Fetch *columns* of the lookup file's row ``at[i]`` for every reply row *i* with one
    (``at[i] >= 0``), and file them by the bucket of *i* (bucket *k* holds rows
    ``starts[k]`` to ``starts[k + 1]``) as ``(row, *columns)`` tables; returns the bucket
    files. Reads the lookup file once, in order."""
    # The reply rows with a lookup row, ordered by it (stably), and those lookup rows:
    # 4 bytes each (a split's rows fit in int32).
    child = np.flatnonzero(at >= 0)
    child = child[np.argsort(at[child], kind="stable")].astype(np.int32)
    wanted = at[child].astype(np.int32)
    paths: dict[int, str] = {}
    writers: dict[int, SpillWriter] = {}
    try:
        offset = 0
        for batch in read_batches(lookup, columns):
            low, high = offset, offset + len(batch)
            offset = high
            first, last = (int(i) for i in np.searchsorted(wanted, [low, high]))
            # A lookup row can be wanted by many reply rows (a post by all its replies):
            # copy the wanted cells a slice of reply rows at a time.
            for i0 in range(first, last, SCATTER_ROWS):
                i1 = min(i0 + SCATTER_ROWS, last)
                # Taken in bucket order (one copy of the cells), filed a slice per bucket.
                buckets = _bucket_of(child[i0:i1], starts)
                by_bucket = np.argsort(buckets, kind="stable")
                buckets = buckets[by_bucket]
                taken = pa.Table.from_batches([batch.select(columns)])
                taken = taken.take(pa.array(wanted[i0:i1][by_bucket] - low))
                taken = taken.add_column(0, "row", pa.array(child[i0:i1][by_bucket]))
                edges = [0, *(np.flatnonzero(np.diff(buckets)) + 1).tolist(), len(buckets)]
                for lo, hi in pairwise(edges):
                    number = int(buckets[lo])
                    piece = taken.slice(lo, hi - lo)
                    if number not in writers:
                        paths[number] = os.path.join(folder, f"join-{tag}-{number}.arrow")
                        writers[number] = SpillWriter(
                            paths[number], piece.schema, stream=True, buffer_size=BUCKET_BUFFER
                        )
                    writers[number].write(piece)
                del taken, piece
                release()
    finally:
        for writer in writers.values():
            writer.close()
    return paths


def _gather(path: str | None, start: int, size: int, columns: list[str]) -> list[pa.Array]:
    """String columns aligned to reply rows ``[start, start + size)`` from a bucket file
    (null where a row has nothing to fetch); the file is removed."""
    if path is None:
        return [pa.nulls(size, pa.string()) for _ in columns]
    with pa.OSFile(path) as handle:
        table = pa.ipc.open_stream(handle).read_all()
    os.unlink(path)
    positions = np.full(size, -1, dtype=np.int64)
    positions[table.column("row").to_numpy() - start] = np.arange(len(table))
    index = pa.array(positions, mask=positions < 0)
    return [table.column(c).combine_chunks().take(index) for c in columns]


class ContextJoin:
    """The ``replies_in_context`` rows of one split, from its *posts* and *replies* files
    (in the Features' form), a batch per batch of the replies file (:meth:`batches`);
    *folder* takes the bucket files, *others* are the other splits' replies files."""

    def __init__(self, posts: SplitFile, replies: SplitFile, folder: str, others: list[str]):
        self.posts, self.replies, self.folder = posts, replies, folder
        # One ``index_in`` call per lookup over all the replies' ids: each call hashes
        # its value set, so a call per batch would hash every reply id once per batch.
        wanted: dict[str, list[pa.Array]] = {"id": [], "post_id": [], "parent_id": []}
        sizes = [0]
        for batch in read_batches(replies.path, list(wanted)):
            sizes.append(len(batch))
            for column, chunks in wanted.items():
                chunks.append(_own(batch.column(column)))
        # Each column's pieces go as soon as they are joined.
        reply_ids, post_keys, parent_keys = (
            pa.chunked_array(wanted.pop(column), type=pa.string()).combine_chunks()
            for column in ("id", "post_id", "parent_id")
        )
        self.offsets: Rows = np.cumsum(sizes)
        self.post_rows = _rows_in(post_keys, _column(posts.path, "id"))
        del post_keys
        self.parent_rows = _rows_in(parent_keys, reply_ids)
        del reply_ids
        self.foreign = _foreign_parents(parent_keys, self.parent_rows, others)

    def batches(self) -> Iterator[pa.RecordBatch]:
        """The rows, a batch per batch of the replies file (the join runs as they are
        asked for)."""
        offsets, posts, replies, folder = self.offsets, self.posts, self.replies, self.folder
        release()  # what finding the rows freed (the ids: tens of MB) before the texts come
        # Buckets of whole batches: bucket k holds the rows from starts[k] to starts[k + 1].
        step = max(1, math.ceil((len(offsets) - 1) / MAX_BUCKETS))
        starts = np.append(offsets[:-1][::step], offsets[-1])
        post_files = _scatter(posts.path, self.post_rows, ["title", "text"], starts, folder, "post")
        parent_files = _scatter(replies.path, self.parent_rows, ["text"], starts, folder, "parent")
        del self.post_rows, self.parent_rows
        schema = features_schema("replies_in_context")
        loaded = -1
        titles = texts = parent_texts = pa.array([], pa.string())
        # Only the columns the rows take (``extra`` alone is most of a replies file).
        taken = [*(c.name for c in REPLIES_IN_CONTEXT if c.name in replies.schema.names), "author"]
        read = read_batches(replies.path, taken)
        for (low, high), batch in zip(pairwise(int(o) for o in offsets), read, strict=True):
            number = int(_bucket_of(low, starts))
            start = int(starts[number])
            if number != loaded:
                size = int(starts[number + 1]) - start
                titles, texts = _gather(
                    post_files.pop(number, None), start, size, ["title", "text"]
                )
                (parent_texts,) = _gather(parent_files.pop(number, None), start, size, ["text"])
                loaded = number
            cut = slice(low - start, high - start)
            post_text = texts[cut]
            parent_text = pc.if_else(
                pc.is_null(batch.column("parent_id")), post_text, parent_texts[cut]
            )
            if self.foreign is not None:
                rows, found = self.foreign
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
            yield pa.record_batch(list(columns.values()), schema=schema)
