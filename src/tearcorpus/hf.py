"""``datasets`` objects from records: raw tables, thread-grouped splits, a modelling view.

Three configs, each a :class:`datasets.DatasetDict` of ``train`` / ``validation`` /
``test``:

- ``posts`` and ``replies``: the raw tables of :mod:`tearcorpus.schema`;
- ``replies_in_context``: one row per reply with its post's title and text and the text it
  answers (its parent reply's, or the post's for a direct reply).

**Splits** are grouped by thread: a thread (a post and every reply whose ``post_id`` is
its id) goes to one split, chosen from a hash of the seed and the post id, so no thread
appears in two splits, the assignment does not depend on record order, and the same
seed always gives the same splits. Ratios are of threads, not rows.

Datasets are built from Arrow tables with declared ``Features`` (``Dataset(table)``),
never through ``Dataset.from_list``.

**Memory**: records are consumed once and turned into Arrow record batches of
:data:`BATCH_SIZE` (converted :data:`CHUNK_SIZE` records at a time); with ``spill_dir``
the batches go to Arrow IPC files there and are memory-mapped back, so the Python objects
are never all held. Splitting and the ``replies_in_context`` join here work column-wise
with Arrow compute on whole tables; the Hub exporter does not use them but streams the
spilled files batch by batch (:mod:`tearcorpus.exporters._hubstream`).
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Final, Literal

from attrs import frozen

from .errors import ExportError
from .model import Post, Record
from .schema import (
    PLATFORM_NAMES,
    REPLIES_IN_CONTEXT,
    _datasets,
    arrow_schema,
    features,
    features_schema,
    record_batch,
)
from .schema import _pyarrow as _pa

if TYPE_CHECKING:
    import datasets
    import pyarrow as pa

__all__ = [
    "BATCH_SIZE",
    "CONFIGS",
    "SPLITS",
    "ArrowCorpus",
    "Rebatcher",
    "assign_split",
    "collect_tables",
    "context_table",
    "dataset_from_table",
    "record_batches",
    "spill_records",
    "split_tables",
    "to_dataset_dict",
    "to_dataset_dicts",
]

#: Records per Arrow record batch while reading.
BATCH_SIZE: Final = 10_000
#: Split names, in the order of the ratios.
SPLITS: Final = ("train", "validation", "test")
#: Config names: the two raw tables and the modelling view.
CONFIGS: Final = ("posts", "replies", "replies_in_context")

Config = Literal["posts", "replies", "replies_in_context", "labels"]


def check_ratios(ratios: Sequence[float]) -> tuple[float, float, float]:
    """*ratios* as a train/validation/test triple; ``ValueError`` unless three
    non-negative numbers summing to 1."""
    if len(ratios) != 3:
        raise ValueError(f"expected three split ratios (train, validation, test), got {ratios}")
    if any(not math.isfinite(r) or r < 0 for r in ratios):
        raise ValueError(f"split ratios must be non-negative numbers, got {list(ratios)}")
    if not math.isclose(sum(ratios), 1.0, abs_tol=1e-6):
        raise ValueError(f"split ratios must sum to 1, got {list(ratios)} (sum {sum(ratios)})")
    return (float(ratios[0]), float(ratios[1]), float(ratios[2]))


def assign_split(post_id: str, seed: int = 0, ratios: Sequence[float] = (0.8, 0.1, 0.1)) -> str:
    """The split of the thread *post_id*: a hash of seed and id mapped onto the ratios."""
    digest = hashlib.blake2b(f"{seed}\x00{post_id}".encode(), digest_size=8).digest()
    point = int.from_bytes(digest, "big") / 2.0**64
    edge = 0.0
    for name, ratio in zip(SPLITS, ratios, strict=True):
        edge += ratio
        if point < edge and ratio > 0:
            return name
    # Rounding at the top edge: the last split with a share.
    return next(n for n, r in zip(reversed(SPLITS), reversed(ratios), strict=True) if r > 0)


@frozen
class ArrowCorpus:
    """The ``posts`` and ``replies`` tables of a corpus, with the Parquet schema."""

    posts: pa.Table
    replies: pa.Table


#: Records converted to Arrow at a time while a batch fills (few Python objects held).
CHUNK_SIZE: Final = 1_000


class BatchBuilder:
    """Records of one table in, Arrow record batches of *rows* rows out.

    Records are converted every :data:`CHUNK_SIZE` and the Arrow pieces joined into one
    batch when *rows* are in: the batches are those of converting *rows* records at
    once, while only a chunk of Python records (not a batch's worth) is ever held.
    """

    def __init__(self, table: Literal["posts", "replies"], rows: int = BATCH_SIZE) -> None:
        self.table: Literal["posts", "replies"] = table
        self.rows = rows
        self._records: list[Record] = []
        self._pieces: list[Any] = []
        self._held = 0

    def add(self, record: Record) -> pa.RecordBatch | None:
        """Take *record*; return a full batch when one is ready."""
        records = self._records
        records.append(record)
        if len(records) >= CHUNK_SIZE or self._held + len(records) >= self.rows:
            self._convert()
            if self._held >= self.rows:
                return self.flush()
        return None

    def _convert(self) -> None:
        if self._records:
            try:
                self._pieces.append(record_batch(self._records, self.table))
            except (OverflowError, ValueError) as exc:  # an int beyond 64 bits
                raise _unfit(self.table, exc) from None
            self._held += len(self._records)
            self._records.clear()

    def flush(self) -> pa.RecordBatch | None:
        """The batch of what is held (``None`` when nothing is)."""
        self._convert()
        if not self._pieces:
            return None
        pieces, self._pieces, self._held = self._pieces, [], 0
        batch = pieces[0] if len(pieces) == 1 else _pa().concat_batches(pieces)
        del pieces
        # Converting grows and drops many buffers: give what Arrow's allocator freed back
        # once a batch is made, or it keeps tens of MB it would hand out again anyway.
        # (After every chunk of records instead, the pages given back and faulted in again
        # cost 15% of a Parquet export's time, for 7 MB less at the peak.)
        _pa().default_memory_pool().release_unused()
        return batch


def record_batches(records: Iterable[Record]) -> Iterator[tuple[str, pa.RecordBatch]]:
    """``(table, batch)`` for *records*, consumed once: record batches of :data:`BATCH_SIZE`
    rows per table (the last of each may be shorter), as each fills. A value that does
    not fit its column (an int beyond 64 bits) is an :class:`ExportError`."""
    builders: dict[bool, BatchBuilder] = {
        True: BatchBuilder("posts"),
        False: BatchBuilder("replies"),
    }
    for record in records:
        builder = builders[isinstance(record, Post)]
        batch = builder.add(record)
        if batch is not None:
            yield builder.table, batch
    for builder in builders.values():
        batch = builder.flush()
        if batch is not None:
            yield builder.table, batch


def _unfit(table: str, exc: Exception) -> ExportError:
    """The error for a value of *table* that Arrow refused for its column."""
    return ExportError(f"{table}: a value does not fit its column: {exc}")


class Rebatcher:
    """Record batches of any lengths in, batches of exactly *rows* rows out (the last one
    shorter): the batches :func:`record_batches` gives for the same rows, when the rows
    were converted elsewhere in other pieces (worker processes)."""

    def __init__(self, rows: int = BATCH_SIZE) -> None:
        self.rows = rows
        self._pending: list[Any] = []
        self._held = 0

    def add(self, batch: pa.RecordBatch) -> Iterator[pa.RecordBatch]:
        """Take *batch*; yield every full batch it completes."""
        if not self._pending and len(batch) == self.rows:
            yield batch  # already one (batches made here from records are)
            return
        self._pending.append(batch)
        self._held += len(batch)
        while self._held >= self.rows:
            whole = _pa().concat_batches(self._pending)
            rest = whole.slice(self.rows)
            yield whole.slice(0, self.rows)
            self._pending, self._held = ([rest] if len(rest) else []), len(rest)

    def flush(self) -> pa.RecordBatch | None:
        """The rows held (``None`` when none)."""
        pending, self._pending, self._held = self._pending, [], 0
        return _pa().concat_batches(pending) if pending else None


def collect_tables(records: Iterable[Record], *, spill_dir: str | None = None) -> ArrowCorpus:
    """Consume *records* once into Arrow tables, in batches.

    With *spill_dir*, batches are written to Arrow IPC files in that directory and the
    tables returned are memory-mapped from them (keep the directory while you use them).
    """
    pa = _pa()
    schemas = {"posts": arrow_schema("posts"), "replies": arrow_schema("replies")}
    if spill_dir is None:
        kept: dict[str, list[Any]] = {"posts": [], "replies": []}
        for name, batch in record_batches(records):
            kept[name].append(batch)
        return ArrowCorpus(
            pa.Table.from_batches(kept["posts"], schemas["posts"]),
            pa.Table.from_batches(kept["replies"], schemas["replies"]),
        )
    paths = spill_records(records, spill_dir)
    tables = {n: pa.ipc.open_file(pa.memory_map(paths[n])).read_all() for n in paths}
    return ArrowCorpus(tables["posts"], tables["replies"])


#: Arrow spill files are written through a buffer of this size (see :class:`SpillWriter`).
SPILL_BUFFER: Final = 1 << 20


class SpillWriter:
    """Record batches or tables into a new Arrow IPC spill file at *path* (the file
    format, or the stream format with *stream*), written through a buffer of
    *buffer_size* bytes: Arrow's IPC writers write each buffer of each column apart
    (unbuffered, 100k replies made 3,800 writes under 4 KiB)."""

    def __init__(
        self,
        path: str,
        schema: pa.Schema,
        *,
        stream: bool = False,
        buffer_size: int = SPILL_BUFFER,
    ) -> None:
        pa = _pa()
        self._sink = pa.BufferedOutputStream(pa.OSFile(path, "wb"), buffer_size)
        new = pa.ipc.new_stream if stream else pa.ipc.new_file
        self._writer = new(self._sink, schema)

    def write(self, data: pa.RecordBatch | pa.Table) -> None:
        self._writer.write(data)

    def close(self) -> None:
        """End the IPC file and flush the buffer (the IPC writer leaves its sink open)."""
        try:
            self._writer.close()
        finally:
            self._sink.close()


def spill_records(
    records: Iterable[Record],
    spill_dir: str,
    on_batch: Callable[[str, pa.RecordBatch], object] | None = None,
) -> dict[str, str]:
    """Consume *records* once into Arrow IPC files ``posts.arrow`` and ``replies.arrow``
    in *spill_dir*, in record batches of :data:`BATCH_SIZE` rows (the last may be
    shorter); returns table name → path. *on_batch* sees each ``(table, batch)`` as it
    is written."""
    schemas = {"posts": arrow_schema("posts"), "replies": arrow_schema("replies")}
    paths = {n: os.path.join(spill_dir, f"{n}.arrow") for n in schemas}
    writers = {n: SpillWriter(paths[n], schemas[n]) for n in schemas}
    try:
        for name, batch in record_batches(records):
            writers[name].write(batch)
            if on_batch is not None:
                on_batch(name, batch)
    finally:
        for writer in writers.values():
            writer.close()
    return paths


#: At most this many thread ids are remembered across batches by :func:`_split_of`.
SPLIT_CACHE_SIZE: Final = 200_000


def _split_of(
    ids: Any,
    seed: int,
    ratios: tuple[float, float, float],
    cache: dict[str, str] | None = None,
) -> pa.Array:
    """The split name of each row, from its thread id (hashing each distinct id once;
    with *cache*, once per run of batches while the cache holds it)."""
    pa = _pa()
    pc = pa.compute
    if len(ids) == 0:
        return pa.array([], pa.string())
    uniques = pc.unique(ids)
    if cache is None:
        cache = {}
    elif len(cache) > SPLIT_CACHE_SIZE:
        cache.clear()
    names = []
    for thread in uniques.to_pylist():
        name = cache.get(thread)
        if name is None:
            name = cache[thread] = assign_split(thread, seed, ratios)
        names.append(name)
    return pa.array(names, pa.string()).take(pc.index_in(ids, value_set=uniques))


def context_table(posts: pa.Table, replies: pa.Table) -> pa.Table:
    """The ``replies_in_context`` view (``platform`` as its name), joined column-wise."""
    pa = _pa()
    pc = pa.compute
    post_ids = posts["id"].combine_chunks()
    reply_ids = replies["id"].combine_chunks()
    at_post = pc.index_in(replies["post_id"], value_set=post_ids)
    post_text = posts["text"].take(at_post)
    at_parent = pc.index_in(replies["parent_id"], value_set=reply_ids)
    parent_text = pc.if_else(
        pc.is_null(replies["parent_id"]), post_text, replies["text"].take(at_parent)
    )
    author = replies["author"]
    columns = {
        "id": replies["id"],
        "post_id": replies["post_id"],
        "parent_id": replies["parent_id"],
        "platform": replies["platform"],
        "post_title": posts["title"].take(at_post),
        "post_text": post_text,
        "parent_text": parent_text,
        "text": replies["text"],
        "author_id": pc.struct_field(author, "id"),
        "author_is_uploader": pc.fill_null(pc.struct_field(author, "is_uploader"), False),
        "created_at": replies["created_at"],
        "like_count": replies["like_count"],
        "depth": replies["depth"],
    }
    assert list(columns) == [c.name for c in REPLIES_IN_CONTEXT]
    return pa.table(columns, schema=arrow_schema("replies_in_context"))


def hf_table(table: pa.Table, config: str) -> pa.Table:
    """*table* with ``platform`` as its ClassLabel index, cast to the config's Features."""
    pa = _pa()
    pc = pa.compute
    index = pc.index_in(table["platform"], value_set=pa.array(PLATFORM_NAMES))
    table = table.set_column(
        table.schema.get_field_index("platform"), "platform", index.cast(pa.int64())
    )
    return table.cast(features_schema(config))


def split_tables(
    corpus: ArrowCorpus, *, seed: int = 0, ratios: Sequence[float] = (0.8, 0.1, 0.1)
) -> Iterator[tuple[str, str, pa.Table]]:
    """``(config, split, table)`` for every config and every split with a positive ratio,
    tables ready for ``datasets`` (see :func:`hf_table`). Empty splits are included."""
    pa = _pa()
    pc = pa.compute
    shares = check_ratios(ratios)
    context = context_table(corpus.posts, corpus.replies)
    sources: list[tuple[str, Any, Any]] = [
        ("posts", corpus.posts, corpus.posts["id"]),
        ("replies", corpus.replies, corpus.replies["post_id"]),
        ("replies_in_context", context, context["post_id"]),
    ]
    for config, table, thread in sources:
        split_names = _split_of(thread, seed, shares)
        for split, share in zip(SPLITS, shares, strict=True):
            if share <= 0:
                continue
            part = table.filter(pc.equal(split_names, split)) if len(table) else table
            yield config, split, hf_table(part, config)


def dataset_from_table(table: pa.Table, config: str, split: str) -> datasets.Dataset:
    """A ``datasets.Dataset`` over *table* (from :func:`split_tables`) with the config's Features."""
    ds = _datasets()
    from datasets.table import InMemoryTable

    info = ds.DatasetInfo(features=features(config), config_name=config)
    return ds.Dataset(InMemoryTable(table), info=info, split=ds.NamedSplit(split))


def to_dataset_dicts(
    records: Iterable[Record],
    *,
    seed: int = 0,
    split_ratios: Sequence[float] = (0.8, 0.1, 0.1),
    labels: str | os.PathLike[str] | None = None,
) -> dict[str, datasets.DatasetDict]:
    """Every config (``posts``, ``replies``, ``replies_in_context``) as a ``DatasetDict``
    of thread-grouped splits, one record per id (see
    :func:`tearcorpus.exporters.export_records`); with *labels* (a labels folder of
    ``tearcorpus annotate import``), the ``labels`` config too (see
    :mod:`tearcorpus.annotate.hub`)."""
    from ._byid import once_per_id
    from .report import Report

    ds = _datasets()
    check_ratios(split_ratios)
    # One record per id, as every writer keeps (a repeated id of a list merged).
    corpus = once_per_id(
        records, collect_tables, report=Report(), folder=None, target="to_dataset_dicts"
    )
    out: dict[str, datasets.DatasetDict] = {c: ds.DatasetDict() for c in CONFIGS}
    for config, split, table in split_tables(corpus, seed=seed, ratios=split_ratios):
        out[config][split] = dataset_from_table(table, config, split)
    if labels is not None:
        from .annotate.hub import LABELS_CONFIG, labels_dataset_dict

        out[LABELS_CONFIG] = labels_dataset_dict(
            corpus, os.fspath(labels), seed=seed, split_ratios=split_ratios
        )
    return out


def to_dataset_dict(
    records: Iterable[Record],
    config: Config = "replies",
    *,
    seed: int = 0,
    split_ratios: Sequence[float] = (0.8, 0.1, 0.1),
    labels: str | os.PathLike[str] | None = None,
) -> datasets.DatasetDict:
    """One config of *records* as a ``datasets.DatasetDict`` split train/validation/test.

    *config* is ``"replies"`` (the raw replies table), ``"posts"``,
    ``"replies_in_context"`` (each reply with its post and parent text) or, with
    *labels* (a labels folder of ``tearcorpus annotate import``), ``"labels"`` (the
    labelled replies with their ClassLabel labels). Splits are grouped by thread and
    deterministic for *seed*; *split_ratios* are shares of threads.
    """
    if config == "labels" and labels is None:
        raise ValueError("config 'labels' needs labels= (a labels folder)")
    if config not in (*CONFIGS, "labels"):
        known = ", ".join((*CONFIGS, "labels"))
        raise ValueError(f"unknown config {config!r}; choose one of: {known}")
    dicts = to_dataset_dicts(records, seed=seed, split_ratios=split_ratios, labels=labels)
    return dicts[config]
