"""What every exporter module uses: its options (:class:`ExportOptions`), its result
(:class:`ExportResult`), the open-write-close loop (:func:`export_records`) and the
manifest.

Every exporter module provides ``name``, ``description``, ``open(outdir, options)`` and
``export(records, outdir, options)``: it is a :class:`tearcorpus.typing.Exporter`.
``open`` starts an export and gives a :class:`~tearcorpus.typing.ExportWriter`: records go
in with ``write`` (as many times as needed), ``close`` finishes and commits the folder and
gives the :class:`ExportResult`, ``abort`` leaves nothing behind. ``export`` is
:func:`export_records`: open, write, close, or abort on any error. The writers of the Arrow
formats also take Arrow record batches converted elsewhere
(:class:`~tearcorpus.typing.BatchWriter`: ``--workers``), and those of the line formats
part files of lines encoded elsewhere (:class:`~tearcorpus.typing.PartWriter`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterable, Iterator
from typing import IO

import attrs
import orjson
from attrs import define, field

from .._atomic import describe, on_error
from .._version import __version__
from ..errors import ExportError, TearcorpusError
from ..model import Record
from ..report import Report
from ..serialize import SCHEMA_TAG
from ..typing import Exporter, ProgressFactory

__all__ = [
    "ExportOptions",
    "ExportResult",
    "export_records",
    "manifest",
    "write_errors",
]


@define
class ExportOptions:
    """Options of the exporters; each says which it reads."""

    overwrite: bool = False
    #: Counts from reading, recorded in manifests and dataset cards.
    report: Report | None = None
    #: CSV: defuse formula cells and write a BOM (the reader undoes both).
    excel_safe: bool = False
    #: Parquet and Hub folder: ``zstd``, ``snappy``, ``gzip`` or ``none``.
    compression: str = "zstd"
    #: Hub folder: largest Parquet shard, in bytes (``push_to_hub``'s default, 500 MB).
    max_shard_size: int = 500_000_000
    #: Hub folder: train/validation/test ratios of threads, and the split seed.
    split_ratios: tuple[float, float, float] = (0.8, 0.1, 0.1)
    seed: int = 0
    #: Hub folder card: ISO 639-1 language codes (empty: not stated), licence id, name.
    languages: tuple[str, ...] = ()
    license: str | None = None
    pretty_name: str | None = None
    #: Progress of the long steps that follow reading (the Hub folder's join and shard
    #: writing, counted in rows); ``None`` shows none. The command line passes ``tqdm``.
    progress: ProgressFactory | None = None
    #: Hub folder card: the digest of the opt-out list applied (``--exclude``), if any.
    exclude_digest: str | None = None
    #: Hub folder: a labels folder (``annotate import``) written as the ``labels`` config.
    labels: str | None = None
    #: Messages (``--to messages``, the Hub folder's ``messages`` config): ``path`` (the
    #: post and every reply down to this one) or ``pair`` (the parent and the reply).
    conversation: str = "path"
    #: Messages: ``uploader`` (the uploader's / OP's turns are ``assistant``, the post is
    #: ``system``) or ``none`` (every turn ``user``). See :mod:`tearcorpus.conversations`.
    assistant: str = "uploader"
    #: Hub folder: add the ``messages`` config (``--messages``).
    messages: bool = False


@define
class ExportResult:
    """What an exporter wrote."""

    format: str
    outdir: str
    files: list[str]
    posts: int
    replies: int
    #: The counts of the run (read, rejected, dropped, merged), when it was a
    #: :func:`tearcorpus.convert` run.
    report: Report | None = field(default=None, eq=False, repr=False)
    #: What the export noticed without costing a record, by kind (the conversation
    #: exports' incomplete threads: ``missing-post``, ``missing-parent``, ``parent-cycle``).
    notes: dict[str, int] = field(factory=dict)

    @property
    def written(self) -> int:
        """Posts and replies written."""
        return self.posts + self.replies


def export_records(
    exporter: Exporter,
    records: Iterable[Record],
    outdir: str,
    options: ExportOptions,
    *,
    unique: bool = False,
) -> ExportResult:
    """Open an export, write *records*, close it; abort on any error. A
    :class:`~tearcorpus.Corpus` given without ``options.report`` brings its own report,
    so that manifests and cards record the inputs.

    One record per id: unless *unique* (the caller vouches for it, as
    :func:`tearcorpus.convert` does, and as a ``Corpus`` does), the ids are checked on the
    way. Records given as a collection (a list) with an id that repeats are written again,
    merged by id (:mod:`tearcorpus.merge`; counted in the report's ``merged``); an
    iterator, which cannot be read twice, is refused with an
    :class:`~tearcorpus.errors.ExportError` and nothing is written.
    """
    from .._byid import beside, once_per_id
    from ..corpus import Corpus

    if isinstance(records, Corpus) and options.report is None:
        options = attrs.evolve(options, report=records.report)  # what the corpus read
    if unique:
        return _export_once(exporter, records, outdir, options)
    report = Report() if options.report is None else options.report  # where merges are counted
    options = attrs.evolve(options, report=report)
    return once_per_id(
        records,
        lambda stream: _export_once(exporter, stream, outdir, options),
        report=report,
        folder=beside(outdir),
        target=outdir,
    )


def _export_once(
    exporter: Exporter, records: Iterable[Record], outdir: str, options: ExportOptions
) -> ExportResult:
    writer = exporter.open(outdir, options)
    with write_errors(outdir):
        with on_error(writer.abort):
            writer.write(records)
        result = writer.close()
    if result.report is None:
        result.report = options.report
    return result


@contextlib.contextmanager
def write_errors(outdir: str) -> Iterator[None]:
    """An ``OSError`` of writing (a full disk, a folder made read-only) in the block
    becomes an :class:`~tearcorpus.errors.ExportError` naming *outdir*: one line."""
    try:
        yield
    except OSError as exc:
        if isinstance(exc, TearcorpusError):
            raise
        raise ExportError(f"{outdir}: cannot write: {describe(exc)}") from None


def manifest(
    format: str,
    posts: int,
    replies: int,
    files: dict[str, str],
    options: ExportOptions,
    **more: object,
) -> bytes:
    """The ``manifest.json`` of an export: format, schema, version, counts, files, the
    export's own settings (*more*) and what was read (the report)."""
    data: dict[str, object] = {
        "format": f"tearcorpus-{format}",
        "schema": SCHEMA_TAG,
        "tearcorpus_version": __version__,
        **more,
        "posts": posts,
        "replies": replies,
        "files": files,
        "read": options.report.to_dict() if options.report is not None else None,
    }
    return orjson.dumps(data, option=orjson.OPT_INDENT_2)


def append_part(handle: IO[bytes], path: str) -> None:
    """Copy the part file *path* to the end of *handle*, then remove it.

    ``os.copy_file_range`` copies inside the kernel (about 10 times faster here than
    reading and writing through Python); where it is missing or refused, a plain copy.
    """
    with open(path, "rb") as part:
        handle.flush()
        left = os.fstat(part.fileno()).st_size
        copy = getattr(os, "copy_file_range", None)
        try:
            while copy is not None and left > 0:
                done = copy(part.fileno(), handle.fileno(), left)
                if done == 0:
                    break
                left -= done
        except OSError:
            pass  # another file system, or no support: copy the rest by hand
        if left > 0:
            part.seek(os.fstat(part.fileno()).st_size - left)
            handle.seek(0, os.SEEK_END)
            shutil.copyfileobj(part, handle, 1 << 22)
    os.unlink(path)
