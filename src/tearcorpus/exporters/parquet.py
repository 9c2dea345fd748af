"""Parquet: ``posts.parquet`` and ``replies.parquet`` with the declared Arrow schema.

The schema is :func:`tearcorpus.schema.arrow_schema` (never inferred from data): one row
per record, ``author`` and ``provenance`` as structs, ``extra`` as JSON text, times as
``timestamp[us, tz=UTC]``, ``platform`` as its name. Records are written in record
batches of :data:`BATCH_SIZE` as they stream in, so memory stays bounded by one batch per
table. Read back with :func:`tearcorpus.schema.records_from_table`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any, Final, Literal

import orjson

from .._atomic import OutputDir
from .._version import __version__
from ..errors import ExportError, MissingDependencyError
from ..model import Post, Record
from ..schema import arrow_schema
from ..serialize import SCHEMA_TAG
from ._base import ExportOptions, ExportResult

__all__ = ["BATCH_SIZE", "COMPRESSIONS", "description", "export", "name", "write_parquet"]

name = "parquet"
description = "Parquet: posts.parquet and replies.parquet with an explicit Arrow schema"

#: Records per Arrow record batch (and Parquet row group).
BATCH_SIZE: Final = 10_000
#: Accepted ``--compression`` values.
COMPRESSIONS: Final = ("zstd", "snappy", "gzip", "none")


def _pq() -> Any:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingDependencyError("Parquet export", "hf", "pyarrow") from None
    return pq


def check_compression(compression: str) -> str:
    """*compression* if it is one of :data:`COMPRESSIONS`, else an :class:`ExportError`."""
    if compression not in COMPRESSIONS:
        raise ExportError(
            f"unknown compression {compression!r}; choose one of: {', '.join(COMPRESSIONS)}"
        )
    return compression


class _TableWriter:
    """Turns records of one table into record batches and writes them."""

    def __init__(
        self, handle: IO[bytes], table: Literal["posts", "replies"], compression: str
    ) -> None:
        from ..hf import BatchBuilder

        pq = _pq()
        self.table: Literal["posts", "replies"] = table
        self.builder = BatchBuilder(table, BATCH_SIZE)
        self.count = 0
        self.writer = pq.ParquetWriter(
            handle, arrow_schema(table), compression=compression, use_dictionary=True
        )

    def add(self, record: Record) -> None:
        self.count += 1
        try:
            batch = self.builder.add(record)
        except (OverflowError, ValueError) as exc:
            raise ExportError(f"{self.table}: a value does not fit its column: {exc}") from None
        if batch is not None:
            self.writer.write_batch(batch)

    def flush(self) -> None:
        try:
            batch = self.builder.flush()
        except (OverflowError, ValueError) as exc:
            raise ExportError(f"{self.table}: a value does not fit its column: {exc}") from None
        if batch is not None:
            self.writer.write_batch(batch)

    def close(self) -> None:
        self.flush()
        self.writer.close()


def export(records: Iterable[Record], outdir: str, options: ExportOptions) -> ExportResult:
    compression = check_compression(options.compression)
    _pq()  # fail before creating anything when pyarrow is missing
    with OutputDir(outdir, overwrite=options.overwrite) as out:
        posts = _TableWriter(out.open("posts.parquet"), "posts", compression)
        replies = _TableWriter(out.open("replies.parquet"), "replies", compression)
        try:
            for record in records:
                (posts if isinstance(record, Post) else replies).add(record)
        except BaseException:
            posts.writer.close()
            replies.writer.close()
            raise
        posts.close()
        replies.close()
        manifest = {
            "format": "tearcorpus-parquet",
            "schema": SCHEMA_TAG,
            "tearcorpus_version": __version__,
            "compression": compression,
            "posts": posts.count,
            "replies": replies.count,
            "files": {"posts": "posts.parquet", "replies": "replies.parquet"},
            "read": options.report.to_dict() if options.report is not None else None,
        }
        out.open("manifest.json").write(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    files = [f"{outdir}/{n}" for n in ("posts.parquet", "replies.parquet", "manifest.json")]
    return ExportResult(name, outdir, files, posts.count, replies.count)


def write_parquet(
    records: Iterable[Record],
    outdir: str,
    *,
    compression: str = "zstd",
    overwrite: bool = False,
) -> ExportResult:
    """Write *records* as ``posts.parquet`` and ``replies.parquet`` in *outdir*, atomically."""
    return export(records, outdir, ExportOptions(overwrite=overwrite, compression=compression))
