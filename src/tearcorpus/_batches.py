"""Records to Arrow record batches, and Arrow IPC spill files written and read back
(the conversion of one batch is :mod:`tearcorpus._arrow`'s).

Records are consumed once and turned into record batches of :data:`BATCH_SIZE` rows per
table (converted :data:`CHUNK_SIZE` records at a time, so that only a chunk of Python
records is held); :class:`Rebatcher` cuts batches converted elsewhere (worker processes)
into the same batches. :class:`SpillWriter` writes batches to an IPC file through a
buffer, :func:`read_batches` reads them back one at a time. pyarrow is imported inside
the functions that need it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Final, Literal

from .errors import ExportError
from .model import Post, Record
from .schema import _pyarrow as _pa
from .schema import record_batch

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "BATCH_SIZE",
    "CHUNK_SIZE",
    "BatchBuilder",
    "Rebatcher",
    "SpillWriter",
    "read_batches",
    "record_batches",
    "release",
]

#: Records per Arrow record batch while reading.
BATCH_SIZE: Final = 10_000
#: Records converted to Arrow at a time while a batch fills (few Python objects held).
CHUNK_SIZE: Final = 1_000
#: Arrow spill files are written through a buffer of this size (see :class:`SpillWriter`).
SPILL_BUFFER: Final = 1 << 20


def release() -> None:
    """Give the memory Arrow's allocator freed back to the system now: it would keep it
    a while, and the next step's allocations would come on top."""
    _pa().default_memory_pool().release_unused()


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
        self._pieces: list[pa.RecordBatch] = []
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
                raise ExportError(f"{self.table}: a value does not fit its column: {exc}") from None
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
        # Converting grows and drops many buffers: give back what was freed once a batch
        # is made, or the allocator keeps tens of MB it would hand out again anyway.
        # (After every chunk of records instead, the pages given back and faulted in again
        # cost 15% of a Parquet export's time, for 7 MB less at the peak.)
        release()
        return batch


def record_batches(records: Iterable[Record]) -> Iterator[tuple[str, pa.RecordBatch]]:
    """``(table, batch)`` for *records*, consumed once: record batches of :data:`BATCH_SIZE`
    rows per table (the last of each may be shorter), as each fills. A value that does
    not fit its column (an int beyond 64 bits) is an :class:`ExportError`."""
    builders = {True: BatchBuilder("posts"), False: BatchBuilder("replies")}
    for record in records:
        builder = builders[isinstance(record, Post)]
        batch = builder.add(record)
        if batch is not None:
            yield builder.table, batch
    for builder in builders.values():
        batch = builder.flush()
        if batch is not None:
            yield builder.table, batch


class Rebatcher:
    """Record batches of any lengths in, batches of exactly *rows* rows out (the last one
    shorter): the batches :func:`record_batches` gives for the same rows, when the rows
    were converted elsewhere in other pieces (worker processes)."""

    def __init__(self, rows: int = BATCH_SIZE) -> None:
        self.rows = rows
        self._pending: list[pa.RecordBatch] = []
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
        """Append *data* (a batch or a table in the file's schema)."""
        self._writer.write(data)

    def close(self) -> None:
        """End the IPC file and flush the buffer (the IPC writer leaves its sink open)."""
        try:
            self._writer.close()
        finally:
            self._sink.close()


def read_batches(path: str, columns: list[str] | None = None) -> Iterator[pa.RecordBatch]:
    """The record batches of the Arrow IPC file *path*, read one at a time (only the
    buffers of *columns* when given) with plain reads (no memory map: the pages read are
    not the process's); Arrow's freed memory is given back between batches, so what the
    previous batch's work freed is not kept on top of the next."""
    pa = _pa()
    with pa.OSFile(path) as handle:
        reader = pa.ipc.open_file(handle)
        if columns is not None:
            fields = [reader.schema.get_field_index(c) for c in columns]
            options = pa.ipc.IpcReadOptions(included_fields=fields)
            reader = pa.ipc.open_file(handle, options=options)
        for i in range(reader.num_record_batches):
            yield reader.get_batch(i)
            release()
