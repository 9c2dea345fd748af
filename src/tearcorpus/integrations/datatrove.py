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

The pipeline above streams: a record seen in two files is written twice and placeholder
posts stay. For one record per id, merged by :mod:`tearcorpus.merge` as
:func:`tearcorpus.read` merges, run two stages, a shuffle by key and a merge, as
datatrove's own dedup stages do::

    stage1, stage2 = merge_pipelines(
        TearcorpusReader("dumps/"),
        "buckets/",  # scratch: {bucket}/{rank}.jsonl
        buckets=64,
        after=[TearcorpusTransform(Normalizer()), TearcorpusWriter("corpus/")],
    )
    first = LocalPipelineExecutor(pipeline=stage1, tasks=16, logging_dir="logs/1")
    LocalPipelineExecutor(pipeline=stage2, tasks=64, logging_dir="logs/2", depends=first).run()

- :class:`TearcorpusBucketWriter` (stage 1, any number of tasks) writes each record, with
  its observation order (:data:`ORDER_KEY`), to the file of its bucket
  (:func:`bucket_of`, a stable hash of kind and id);
- :class:`TearcorpusMergeReader` (stage 2, one task per bucket) folds each bucket's
  observations in input order and yields one document per id, first-seen order, counting
  ``merged/<reason>``. A task holds one bucket, about ``1/buckets`` of the records, in
  memory: choose *buckets* so that it fits.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import IO, TYPE_CHECKING, Final

from ..errors import MissingDependencyError

try:
    from datatrove.data import Document, DocumentsPipeline
    from datatrove.io import DataFolderLike, get_datafolder
    from datatrove.pipeline.base import PipelineStep
    from datatrove.pipeline.readers.base import BaseDiskReader
    from datatrove.pipeline.writers.disk_base import DiskWriter
except ImportError:  # pragma: no cover - exercised only without the extra
    raise MissingDependencyError("datatrove pipelines", "datatrove", "datatrove") from None

import orjson

from ..merge import merge, merge_reason
from ..model import JsonValue, Post, Record
from ..report import Report
from ..schema import POSTS, REPLIES, table_for
from ..serialize import from_dict, to_dict, to_json_line
from ..transforms import Drop, Transform

if TYPE_CHECKING:
    from ..exporters.parquet import _TableWriter

__all__ = [
    "EXTRA_KEY",
    "ORDER_KEY",
    "TearcorpusBucketWriter",
    "TearcorpusMergeReader",
    "TearcorpusParquetWriter",
    "TearcorpusReader",
    "TearcorpusTransform",
    "TearcorpusWriter",
    "bucket_of",
    "from_document",
    "merge_pipelines",
    "to_document",
]

#: Key of ``extra`` where metadata added by other datatrove steps is kept.
EXTRA_KEY: Final = "datatrove"
#: Document metadata key of a record's observation order, ``[file index, record index]``:
#: the index of its file in the reader's sorted file list and its place in that file. Set
#: by :class:`TearcorpusReader` (and, for a merged record, by :class:`TearcorpusMergeReader`:
#: its first observation's); never part of the record (:func:`from_document` leaves it out).
ORDER_KEY: Final = "tearcorpus_order"


#: Keys of a serialised record (besides ``text``); anything else in metadata is foreign.
_KEYS: Final = frozenset({"schema", "kind", *(c.name for c in (*POSTS, *REPLIES))} - {"text"})


def to_document(record: Record, *, extra_metadata: Mapping[str, object] | None = None) -> Document:
    """A datatrove ``Document`` for *record*: its text, its id, the rest as metadata."""
    fields = to_dict(record)
    text = fields.pop("text")
    metadata: Mapping[str, object] = {**fields, **extra_metadata} if extra_metadata else fields
    return Document(text=text, id=record.id, metadata=metadata)


def from_document(document: Document) -> Record:
    """The record a :func:`to_document` document holds, with its (possibly changed) text.

    Metadata keys that are not record fields (added by other datatrove steps) are kept
    in ``extra["datatrove"]``; :data:`ORDER_KEY` is left out.
    """
    data: dict[str, object] = {}
    foreign: dict[str, object] = {}
    for key, value in document.metadata.items():
        if key != ORDER_KEY:
            (data if key in _KEYS else foreign)[key] = value
    data["text"] = document.text
    if foreign:
        extra = data.get("extra") or {}
        kept = (extra.get(EXTRA_KEY) or {}) if isinstance(extra, dict) else None
        if not isinstance(extra, dict) or not isinstance(kept, dict):
            raise ValueError(
                f"document {document.id!r} is not a tearcorpus record: its extra is not an "
                f"object with an object {EXTRA_KEY!r}"
            )
        data["extra"] = {**extra, EXTRA_KEY: {**kept, **foreign}}
    try:
        return from_dict(data)
    except ValueError as exc:
        raise ValueError(f"document {document.id!r} is not a tearcorpus record: {exc}") from None


class TearcorpusReader(BaseDiskReader):  # type: ignore[misc]
    """Parse the dump files of *data_folder* with tearcorpus, one ``Document`` per record.

    *format*, *strict*, *encoding* and *options* are those of
    :func:`tearcorpus.iter_records`; the other arguments are datatrove's (``glob_pattern``
    to pick files, ``paths_file`` for an explicit list, ``limit``/``skip`` per task).
    Counts go to the step's stats: ``posts``, ``replies``, ``rejected/<reason>``.

    Each document's metadata holds its observation order under :data:`ORDER_KEY`:
    ``[file index, record index]``, where task *rank* of *world_size* reads the files
    ``rank, rank + world_size, ...`` of the sorted list (or of *paths_file*), so the order
    is the order :func:`tearcorpus.read` would see the same files in. The merge stage
    (:class:`TearcorpusBucketWriter`, :class:`TearcorpusMergeReader`) folds observations in
    that order; ``shuffle_files=True`` reads a task's files in another order, and the file
    indexes then follow the shuffled order, so do not shuffle before a merge.
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
        default_metadata: dict[str, object] | None = None,
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
        self._rank = 0
        self._world_size = 1
        self._files_read = 0

    def run(
        self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1
    ) -> DocumentsPipeline:
        """The documents of the files of task *rank* of *world_size*: files ``rank``,
        ``rank + world_size``, ... of the sorted list."""
        # The k-th file this task reads is file rank + k * world_size of the whole list.
        self._rank, self._world_size, self._files_read = rank, world_size, 0
        yield from super().run(data, rank, world_size)

    def read_file(self, filepath: str) -> DocumentsPipeline:
        from ..reader import iter_records

        file_index = self._rank + self._files_read * self._world_size
        self._files_read += 1
        metadata = dict(self.default_metadata or {})
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
        for position, record in enumerate(records):
            metadata[ORDER_KEY] = [file_index, position]
            yield to_document(record, extra_metadata=metadata)
        for source in report.sources:
            self.stat_update("posts", value=source.posts)
            self.stat_update("replies", value=source.replies)
            for kind, count in source.rejected_by_reason.items():
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
                foreign = {k: v for k, v in document.metadata.items() if k not in _KEYS}
                yield to_document(out, extra_metadata=foreign)
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

    def _write(
        self, document: dict[str, JsonValue], file_handler: IO[bytes], filename: str
    ) -> None:
        file_handler.write(orjson.dumps(document, option=orjson.OPT_APPEND_NEWLINE))


def _adapt(_writer: DiskWriter, document: Document) -> dict[str, JsonValue]:
    return to_dict(from_document(document))


class _SelfWriting(DiskWriter):  # type: ignore[misc]
    """A writer whose :meth:`write` does all the work: no adapted document is written."""

    def _write(self, document: dict[str, object], file_handler: IO[bytes], filename: str) -> None:
        raise NotImplementedError  # write() does the work


class TearcorpusParquetWriter(_SelfWriting):
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
        self._tables: dict[str, _TableWriter] = {}

    def write(self, document: Document, rank: int = 0, **kwargs: object) -> None:
        """Add *document*'s record to the Parquet file of its table for task *rank*."""
        from ..exporters.parquet import _TableWriter

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

    def close(self) -> None:
        """Finish the Parquet files of this task."""
        for writer in self._tables.values():
            writer.close()
        self._tables.clear()
        super().close()


# One record per id: a shuffle by key, then a merge stage (as datatrove's dedup stages do).


def bucket_of(record: Record, buckets: int) -> int:
    """The bucket (``0 .. buckets - 1``) of *record*'s kind and id: a CRC-32 of both, so
    the same on every process and machine (never Python's salted ``hash()``)."""
    kind = b"P" if type(record) is Post else b"R"
    return zlib.crc32(kind + record.id.encode()) % buckets


def _check_buckets(buckets: int) -> int:
    if type(buckets) is not int or buckets < 1:
        raise ValueError(f"buckets must be a positive integer, not {buckets!r}")
    return buckets


class TearcorpusBucketWriter(_SelfWriting):
    """Stage 1 of the merge: write each record of a :class:`TearcorpusReader` into the
    file of its bucket, ``{bucket:05d}/{rank:05d}.jsonl`` in *output_folder*, with
    ``bucket = bucket_of(record, buckets)``.

    A line is ``{"order": [file index, record index], "record": <tearcorpus JSON line>}``
    (the order from :data:`ORDER_KEY`, so that stage 2 folds the observations in the
    order :func:`tearcorpus.read` sees them). Put no transform before this step: the merge
    is to see every observation. Stage 2 is :class:`TearcorpusMergeReader` with the same
    *output_folder* and *buckets*, run with ``tasks=buckets``; choose *buckets* so that one
    bucket (about ``1/buckets`` of all records read) fits in a stage-2 task's memory.
    Start from an empty folder: files left by an earlier run with more tasks would be read
    as well. *compression* (``"gzip"``, ``"zstd"`` or ``None``) is read back by stage 2.
    """

    default_output_filename = "${bucket}/${rank}.jsonl"
    name = "💧 tearcorpus buckets"

    def __init__(
        self, output_folder: DataFolderLike, buckets: int, compression: str | None = None
    ) -> None:
        super().__init__(output_folder, compression=compression, mode="wb")
        self.buckets = _check_buckets(buckets)

    def write(self, document: Document, rank: int = 0, **kwargs: object) -> None:
        """Append *document*'s record, with its observation order, to the file of its
        bucket for task *rank*."""
        order = document.metadata.get(ORDER_KEY)
        if (
            not isinstance(order, list | tuple)
            or len(order) != 2
            or not all(type(n) is int for n in order)
        ):
            raise ValueError(
                f"document {document.id!r} has no {ORDER_KEY!r} metadata: "
                "TearcorpusBucketWriter takes the documents of a TearcorpusReader"
            )
        record = from_document(document)
        bucket = bucket_of(record, self.buckets)
        filename = self._get_output_filename(document, rank, bucket=f"{bucket:05d}", **kwargs)
        line = b'{"order":[%d,%d],"record":' % (order[0], order[1])
        self.output_mg.get_file(filename).write(line + to_json_line(record)[:-1] + b"}\n")
        self.stat_update("posts" if type(record) is Post else "replies")
        self.update_doc_stats(document)


class TearcorpusMergeReader(PipelineStep):  # type: ignore[misc]
    """Stage 2 of the merge: task *rank* reads every file of bucket *rank* written by
    :class:`TearcorpusBucketWriter` in *input_folder*, folds the observations of each id
    by :func:`tearcorpus.merge.merge` in input order (the :data:`ORDER_KEY` of each line),
    and yields one document per id, in the order each id was first seen.

    Run it with ``tasks=buckets`` (one task per bucket; another number is an error, since
    buckets would be missed or split). A task holds its whole bucket in memory: every
    observation of about ``1/buckets`` of the records read, then their merged records.
    Counts go to the step's stats: ``posts`` and ``replies`` yielded, ``observations``
    read, and ``merged/<reason>`` (the reasons of ``Report.merged``), so that over all
    tasks ``observations == posts + replies + merged``. The documents carry their first
    observation's :data:`ORDER_KEY`; put :class:`TearcorpusTransform` steps and a writer
    after this step.
    """

    type = "📖 - READER"
    name = "💧 tearcorpus merge"

    def __init__(self, input_folder: DataFolderLike, buckets: int) -> None:
        super().__init__()
        self.input_folder = get_datafolder(input_folder)
        self.buckets = _check_buckets(buckets)

    def run(
        self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1
    ) -> DocumentsPipeline:
        if data:
            yield from data
        if world_size != self.buckets:
            raise ValueError(
                f"TearcorpusMergeReader runs one task per bucket: tasks={self.buckets}, "
                f"not {world_size}"
            )
        observations = self._load(f"{rank:05d}")
        observations.sort(key=lambda item: item[0])
        merged: dict[tuple[bool, str], Record] = {}
        firsts: dict[tuple[bool, str], tuple[int, int]] = {}
        reasons: Counter[str] = Counter()
        for order, record in observations:
            key = (type(record) is Post, record.id)
            old = merged.get(key)
            if old is None:
                merged[key] = record
                firsts[key] = order
                continue
            reasons[merge_reason(old, record)] += 1
            merged[key] = merge(old, record)
        self.stat_update("observations", value=len(observations))
        del observations
        for reason, count in sorted(reasons.items()):
            self.stat_update(f"merged/{reason}", value=count)
        # Observations were folded in order, so the dict holds the ids in first-seen order.
        for key, record in merged.items():
            self.stat_update("posts" if key[0] else "replies")
            document = to_document(record, extra_metadata={ORDER_KEY: list(firsts[key])})
            self.update_doc_stats(document)
            yield document

    def _load(self, bucket: str) -> list[tuple[tuple[int, int], Record]]:
        """Every observation in the files of *bucket*, with its order."""
        out: list[tuple[tuple[int, int], Record]] = []
        if not self.input_folder.isdir(bucket):
            return out  # no record fell in this bucket
        for path in self.input_folder.list_files(subdirectory=bucket):
            self.stat_update("input_files")
            with self.input_folder.open(path, "rb", compression="infer") as handle:
                for number, line in enumerate(handle, 1):
                    try:
                        data = orjson.loads(line)
                        file_index, position = data["order"]
                        record = from_dict(data["record"])
                    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                        raise ValueError(
                            f"{path}:{number}: not a tearcorpus bucket line: {exc}"
                        ) from None
                    out.append(((int(file_index), int(position)), record))
        return out


def merge_pipelines(
    reader: TearcorpusReader,
    folder: DataFolderLike,
    buckets: int,
    after: Sequence[PipelineStep] = (),
    *,
    compression: str | None = None,
) -> tuple[list[PipelineStep], list[PipelineStep]]:
    """The two pipelines of a run with one record per id: ``(stage1, stage2)``.

    ``stage1`` is ``[reader, TearcorpusBucketWriter(folder, buckets)]`` (any number of
    tasks); ``stage2`` is ``[TearcorpusMergeReader(folder, buckets), *after]``, to be run
    with ``tasks=buckets`` once stage 1 is complete (``depends=`` on datatrove's
    executors). *after* holds the transforms and the writer. *folder* is scratch space for
    the buckets (start from an empty one); a stage-2 task holds one bucket, about
    ``1/buckets`` of the records, in memory.
    """
    if reader.shuffle_files:
        raise ValueError("a reader with shuffle_files=True loses the input order the merge needs")
    stage1: list[PipelineStep] = [
        reader,
        TearcorpusBucketWriter(folder, buckets, compression=compression),
    ]
    stage2: list[PipelineStep] = [TearcorpusMergeReader(folder, buckets), *after]
    return stage1, stage2
