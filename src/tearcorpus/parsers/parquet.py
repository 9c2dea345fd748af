"""tearcorpus's own Parquet tables: ``posts.parquet`` / ``replies.parquet`` written by
``convert --to parquet``, and the ``posts`` / ``replies`` shards of a Hub folder
(``convert --to hub``), read with the declared schema
(as :func:`tearcorpus.schema.records_from_table` reads them).

Which table a file holds is told by its columns. The Hub folder's ``replies_in_context``
config is derived from the other two: its shards are recognised and skipped with a note.
pyarrow is imported only here, when a Parquet input is read (``pip install
'tearcorpus[hf]'``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Final, Literal

from .._io import is_remote, is_stream
from ..errors import FormatError, InputError, MissingDependencyError
from ..model import Record
from ._base import ParseContext

__all__ = ["BINARY", "SPANS", "description", "name", "parse", "sniff"]

name = "parquet"
description = "tearcorpus Parquet (posts.parquet / replies.parquet, Hub folder shards)"
SPANS = False
#: Sniffed before the binary-data check: Parquet is binary by nature.
BINARY = True

_MAGIC: Final = b"PAR1"
#: Rows converted at a time: a batch's records are held together, no more.
_BATCH_ROWS: Final = 4096


def sniff(head: bytes, path: str) -> int:
    return 100 if head.startswith(_MAGIC) else 0


def _table(names: list[str]) -> Literal["posts", "replies", "replies_in_context"] | None:
    from ..schema import TABLES

    for table in ("replies_in_context", "replies", "posts"):
        if all(column.name in names for column in TABLES[table]):
            return table
    return None


def parse(ctx: ParseContext) -> Iterator[Record]:
    from .._arrow import record_from_row
    from ..schema import TABLES

    try:  # imported on first use
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingDependencyError("reading Parquet inputs", "hf", "pyarrow") from None
    if is_stream(ctx.source):
        raise InputError(
            ctx.source, "Parquet is read by seeking in a file: save the stream to a file first"
        )
    handle: IO[bytes] | None = None
    if is_remote(ctx.source):
        import fsspec

        handle = fsspec.open(ctx.source, "rb").open()
    try:
        try:
            table_file = pq.ParquetFile(handle or ctx.source.removeprefix("file://"))
        except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
            raise InputError(ctx.source, f"not a readable Parquet file: {exc}") from None
        names = list(table_file.schema_arrow.names)
        table = _table(names)
        if table == "replies_in_context":
            ctx.note("derived-table-skipped")  # rebuilt from posts and replies on export
            return
        if table is None:
            raise FormatError(
                ctx.source, "a Parquet file, but not a tearcorpus posts or replies table"
            )
        columns = TABLES[table]
        index = 0
        for batch in table_file.iter_batches(batch_size=_BATCH_ROWS, columns=None):
            for row in batch.to_pylist():
                try:
                    record = record_from_row(row, table, columns)
                except (ValueError, TypeError, KeyError) as exc:
                    ctx.reject("invalid-record", str(exc), index=index)
                else:
                    yield record
                index += 1
    finally:
        if handle is not None:
            handle.close()
