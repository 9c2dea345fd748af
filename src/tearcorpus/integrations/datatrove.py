"""tearcorpus as datatrove pipeline steps: the same parsing, transforms and output, run by
datatrove's executors (local, Slurm, Ray) over deterministic file shards.

::

    from datatrove.executor import LocalPipelineExecutor
    from tearcorpus.integrations.datatrove import (
        TearcorpusReader, TearcorpusTransform, TearcorpusWriter,
    )
    from tearcorpus.transforms import Filter, Normalizer

    LocalPipelineExecutor(
        pipeline=[
            TearcorpusReader("dumps/", glob_pattern="RC_*.zst"),
            TearcorpusTransform(Normalizer()),
            TearcorpusTransform(Filter()),
            TearcorpusWriter("corpus/"),  # corpus/00000.jsonl, corpus/00001.jsonl, ...
        ],
        tasks=16,
        workers=4,
        logging_dir="logs/",  # completed tasks are skipped when the run is started again
    ).run()

- :class:`TearcorpusReader` is a datatrove ``BaseDiskReader``: the files of its folder
  are sorted and task *rank* of *world_size* reads files ``rank, rank + world_size, ...``.
  Each record becomes a datatrove ``Document`` (see :func:`to_document`): ``text`` is the
  record's text, ``id`` its id, ``metadata`` the rest of :func:`tearcorpus.to_dict`.
- :class:`TearcorpusTransform` runs one tearcorpus transform on the documents (a dropped
  record is counted in the step's stats as ``dropped/<reason>``). Stateful transforms
  (dedup, one-pass anonymisation) see only their own task's documents.
- :class:`TearcorpusWriter` writes tearcorpus JSON Lines (``${rank}.jsonl``) and
  :class:`TearcorpusParquetWriter` Parquet with tearcorpus's explicit schema
  (``${table}/${rank}.parquet``, one folder each for posts and replies).

Other datatrove steps may sit in between: a change they make to ``text`` flows back into
the record, and metadata keys they add are kept in the record's ``extra["datatrove"]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any, Final

from ..errors import MissingDependencyError

try:
    from datatrove.data import Document, DocumentsPipeline
    from datatrove.io import DataFolderLike
    from datatrove.pipeline.base import PipelineStep
    from datatrove.pipeline.readers.base import BaseDiskReader
    from datatrove.pipeline.writers.disk_base import DiskWriter
except ImportError:  # pragma: no cover - exercised only without the extra
    raise MissingDependencyError("datatrove pipelines", "datatrove", "datatrove") from None

import orjson

from ..model import Record
from ..report import Report
from ..serialize import from_dict, to_dict
from ..transforms import Drop, Transform

__all__ = [
    "EXTRA_KEY",
    "TearcorpusParquetWriter",
    "TearcorpusReader",
    "TearcorpusTransform",
    "TearcorpusWriter",
    "from_document",
    "to_document",
]

#: Key of ``extra`` where metadata added by other datatrove steps is kept.
EXTRA_KEY: Final = "datatrove"


def _record_keys() -> frozenset[str]:
    import attrs

    from ..model import Post, Reply

    names = {"schema", "kind"}
    for cls in (Post, Reply):
        names.update(a.name for a in attrs.fields(cls))
    names.discard("text")
    return frozenset(names)


#: Keys of a serialised record (besides ``text``); anything else in metadata is foreign.
_KEYS: Final = _record_keys()


def to_document(record: Record, *, extra_metadata: Mapping[str, Any] | None = None) -> Document:
    """A datatrove ``Document`` for *record*: its text, its id, the rest as metadata."""
    metadata = to_dict(record)
    text = metadata.pop("text")
    if extra_metadata:
        metadata.update(extra_metadata)
    return Document(text=text, id=record.id, metadata=metadata)


def from_document(document: Document) -> Record:
    """The record a :func:`to_document` document holds, with its (possibly changed) text.

    Metadata keys that are not record fields (added by other datatrove steps) are kept
    in ``extra["datatrove"]``.
    """
    data: dict[str, Any] = {}
    foreign: dict[str, Any] = {}
    for key, value in document.metadata.items():
        (data if key in _KEYS else foreign)[key] = value
    data["text"] = document.text
    if foreign:
        extra = dict(data.get("extra") or {})
        extra[EXTRA_KEY] = {**(extra.get(EXTRA_KEY) or {}), **foreign}
        data["extra"] = extra
    try:
        return from_dict(data)
    except ValueError as exc:
        raise ValueError(f"document {document.id!r} is not a tearcorpus record: {exc}") from None


def _foreign(document: Document) -> dict[str, Any]:
    return {k: v for k, v in document.metadata.items() if k not in _KEYS}


class TearcorpusReader(BaseDiskReader):  # type: ignore[misc]
    """Parse the dump files of *data_folder* with tearcorpus, one ``Document`` per record.

    *format*, *strict*, *encoding* and *options* are those of
    :func:`tearcorpus.iter_records`; the other arguments are datatrove's (``glob_pattern``
    to pick files, ``paths_file`` for an explicit list, ``limit``/``skip`` per task).
    Counts go to the step's stats: ``posts``, ``replies``, ``rejected/<reason>``.
    """

    name = "💧 tearcorpus"

    def __init__(
        self,
        data_folder: DataFolderLike,
        paths_file: str | None = None,
        *,
        format: str | None = None,
        strict: bool = False,
        encoding: str | None = None,
        options: Mapping[str, str] | None = None,
        limit: int = -1,
        skip: int = 0,
        file_progress: bool = False,
        doc_progress: bool = False,
        default_metadata: dict[str, Any] | None = None,
        recursive: bool = True,
        glob_pattern: str | None = None,
        shuffle_files: bool = False,
    ) -> None:
        super().__init__(
            data_folder,
            paths_file,
            limit=limit,
            skip=skip,
            file_progress=file_progress,
            doc_progress=doc_progress,
            default_metadata=default_metadata,
            recursive=recursive,
            glob_pattern=glob_pattern,
            shuffle_files=shuffle_files,
            add_file_path=False,  # provenance already names the file
        )
        self.format = format
        self.strict = strict
        self.encoding = encoding
        self.options = dict(options or {})

    def read_file(self, filepath: str) -> DocumentsPipeline:
        from ..reader import iter_records

        path = self.data_folder.resolve_paths(filepath)
        report = Report()
        records = iter_records(
            path,
            format=self.format,
            strict=self.strict,
            encoding=self.encoding,
            options=self.options,
            report=report,
        )
        for record in records:
            yield to_document(record, extra_metadata=self.default_metadata)
        for source in report.sources:
            self.stat_update("posts", value=source.posts)
            self.stat_update("replies", value=source.replies)
            for kind, count in source.rejected.items():
                self.stat_update(f"rejected/{kind}", value=count)


class TearcorpusTransform(PipelineStep):  # type: ignore[misc]
    """Run a tearcorpus transform (``Normalizer()``, ``Filter()``, ``Scrubber()``, ...)
    on the documents of a :class:`TearcorpusReader`.

    Dropped records leave the pipeline and count as ``dropped/<reason>``; personal data
    replaced by a scrubber counts as ``scrubbed/<kind>``. A transform that keeps state
    (dedup, one-pass anonymisation) keeps it per task.
    """

    type = "🔨 - tearcorpus"

    def __init__(self, transform: Transform) -> None:
        super().__init__()
        self.transform = transform
        self.name = f"tearcorpus {transform.name}"

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        report = Report()
        with self.track_time():
            for document in data or ():
                out = self.transform.apply(from_document(document), report)
                if isinstance(out, Drop):
                    self.stat_update("dropped", f"dropped/{out.reason}")
                    continue
                self.stat_update("kept")
                yield to_document(out, extra_metadata=_foreign(document))
        for kind, count in report.scrubbed.items():
            self.stat_update(f"scrubbed/{kind}", value=count)


class TearcorpusWriter(DiskWriter):  # type: ignore[misc]
    """Write the documents' records as tearcorpus JSON Lines, one file per task.

    *output_filename* may use ``${rank}`` and any record field of the metadata, e.g.
    ``${kind}/${rank}.jsonl`` for separate post and reply files. The files read back with
    :func:`tearcorpus.read` (``--from jsonl``).
    """

    default_output_filename = "${rank}.jsonl"
    name = "💧 tearcorpus jsonl"

    def __init__(
        self,
        output_folder: DataFolderLike,
        output_filename: str | None = None,
        compression: str | None = None,
        max_file_size: int = -1,
    ) -> None:
        super().__init__(
            output_folder,
            output_filename=output_filename,
            compression=compression,
            adapter=_adapt,
            mode="wb",
            max_file_size=max_file_size,
        )

    def _write(self, document: dict[str, Any], file_handler: IO[bytes], filename: str) -> None:
        file_handler.write(orjson.dumps(document, option=orjson.OPT_APPEND_NEWLINE))


def _adapt(_writer: Any, document: Document) -> dict[str, Any]:
    return to_dict(from_document(document))


class TearcorpusParquetWriter(DiskWriter):  # type: ignore[misc]
    """Write the documents' records as Parquet with tearcorpus's explicit Arrow schema.

    Posts and replies have different columns, so they go to separate files:
    ``${table}`` in *output_filename* is ``posts`` or ``replies`` (default
    ``${table}/${rank}.parquet``). Needs ``pyarrow`` (``tearcorpus[hf]``).
    """

    default_output_filename = "${table}/${rank}.parquet"
    name = "💧 tearcorpus parquet"

    def __init__(
        self,
        output_folder: DataFolderLike,
        output_filename: str | None = None,
        compression: str = "zstd",
    ) -> None:
        from ..exporters.parquet import check_compression

        super().__init__(
            output_folder, output_filename=output_filename, compression=None, mode="wb"
        )
        self.parquet_compression = check_compression(compression)
        self._tables: dict[str, Any] = {}

    def write(self, document: Document, rank: int = 0, **kwargs: Any) -> None:
        from ..exporters.parquet import _TableWriter
        from ..schema import table_for

        record = from_document(document)
        table = table_for(record)
        filename = self._get_output_filename(document, rank, table=table, **kwargs)
        writer = self._tables.get(filename)
        if writer is None:
            handle = self.output_mg.get_file(filename)
            writer = self._tables[filename] = _TableWriter(handle, table, self.parquet_compression)
        writer.add(record)
        self.stat_update(table)
        self.update_doc_stats(document)

    def _write(self, document: dict[str, Any], file_handler: IO[bytes], filename: str) -> None:
        raise NotImplementedError  # write() above does the work

    def close(self) -> None:
        for writer in self._tables.values():
            writer.close()
        self._tables.clear()
        super().close()
