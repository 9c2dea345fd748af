"""Parsing over input shards in worker processes, with output identical to one process.

One input file is one shard, except a large plain Pushshift NDJSON file, which is cut
into byte ranges on line boundaries (:mod:`tearcorpus._spans`; records keep their line
numbers). Each worker parses its shard (and applies the transforms that are safe per
shard, see below) and writes a private part file in a scratch folder next to the output:

- for JSONL and CSV, the lines of its records, encoded by the exporter's own encoders;
  the parent writes the headers, copies the parts into place **in input order** and
  writes the manifest; for Parquet and the Hub folder, Arrow record batches, which the
  parent cuts into a one-process run's batches and exports (:func:`export_in_workers`);
- otherwise (``inspect``, transforms that run in the parent) the records themselves; the
  parent streams the parts back in input order into the one exporter.

Either way the files are byte-identical to a run with one worker, and the
:class:`~tearcorpus.Report` holds one :class:`~tearcorpus.SourceReport` per input (the
ranges of one file merged), in input order, with the same counts.

Transforms and shards:

- normalise, filter, scrub, and anonymise with a name list collected first (two-pass, the
  default) look at one record at a time: workers run them;
- dedup and near-dedup remember what they have seen, and one-pass anonymisation learns
  names as records go by: they, and every step after them, run in the parent over the
  merged stream, in input order, exactly as with one worker;
- with ``--write-dropped`` every transform runs in the parent, so that the dropped file
  lists records in input order.

The name list of two-pass anonymisation is collected by the workers too (a first pass
over the shards), merged in input order so that the first author seen with a name keeps
it, as in :func:`~tearcorpus.transforms.collect_names`.

Record part files are pickled batches of records: private to the run (they never leave the
scratch folder, which is removed at the end, on success or error), exact, and far
cheaper to load than JSON.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import shutil
import tempfile
from collections import Counter
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any, Final

from attrs import frozen

from ._byid import KeyCheck, Repeated, write_keys
from ._io import (
    DEFAULT_MAX_RECORD_BYTES,
    is_utf8,
    plain_size,
    provenance_name,
    provenance_root,
)
from ._spans import (
    MIN_SPAN_BYTES,
    SPANS_PER_WORKER,
    Span,
    count_lines,
    cuttable,
    plan_spans,
)
from .errors import ExportError, TearcorpusError
from .model import Record
from .reader import InputPath, _as_list, _counted
from .report import MAX_KEPT_ERRORS, Report, SourceReport

if TYPE_CHECKING:
    from .exporters import ExportOptions, ExportResult
    from .job import ConvertJob
    from .transforms import Transform

__all__ = [
    "BATCH",
    "MIN_WORKER_BYTES",
    "default_workers",
    "export_in_workers",
    "iter_job_records",
    "iter_records",
    "shard_count",
    "worth_workers",
]

#: Records per pickled batch in a part file.
BATCH: Final = 1024
#: ``--workers`` reads inputs smaller than this in all (local, uncompressed bytes) in one
#: process: each worker is an interpreter to start (with pyarrow for Parquet), which costs
#: more than it saves on a few tens of MB. Compressed and remote inputs count as large.
MIN_WORKER_BYTES: int = 2 * MIN_SPAN_BYTES

_Names = dict[str, tuple[str, str]]


def default_workers() -> int:
    """One worker per CPU the process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@frozen
class _Shard:
    """What a worker needs for one input (or one byte range of it); pickled to the worker
    process."""

    index: int
    path: str
    format: str | None
    strict: bool
    encoding: str | None
    options: dict[str, str]
    part: str
    #: The job whose transforms the worker runs, or ``None`` for none.
    job: ConvertJob | None = None
    key: bytes | None = None
    names: _Names | None = None
    #: How many leading transforms the worker runs (the rest run in the parent).
    local: int = 0
    #: Records larger than this are rejected (``--max-record-size``).
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES
    #: The folder provenance names the inputs from (the same for every shard).
    root: str | None = None
    #: A byte range of the input, for a large plain NDJSON file cut into several shards.
    span: Span | None = None
    #: The number of the range's first line in the file.
    first_line: int = 1
    #: The index of the input the shard belongs to.
    input: int = 0
    #: ``"records"``: pickled records for the parent's exporter; else the exporter whose
    #: output the worker encodes itself, in a posts and a replies part file: the lines of
    #: a line-oriented one (``jsonl``, ``csv``, with *export* options), or Arrow record
    #: batches for ``parquet`` and ``hub``.
    output: str = "records"
    export: ExportOptions | None = None
    #: Write the kind and id of every parsed record to ``part + ".keys"`` (for
    #: :class:`~tearcorpus._byid.KeyCheck` in the parent).
    keys: bool = False


@frozen
class _Outcome:
    """What a worker sends back: its counts, or the error that stopped it."""

    source: SourceReport | None
    dropped: Counter[str]
    scrubbed: Counter[str]
    names: _Names | None = None
    error: TearcorpusError | None = None
    part: str = ""
    #: The part files (posts, replies) of a shard whose output the worker encoded, and
    #: how many records each holds.
    parts: tuple[str, str] | None = None
    written: tuple[int, int] = (0, 0)


# -- worker side (top-level functions: safe with the spawn start method) ------------------


def _parse(shard: _Shard, report: Report) -> Iterator[Record]:
    if shard.span is not None:
        return _parse_span(shard, report)
    from .reader import iter_records as serial

    return serial(
        [shard.path],
        format=shard.format,
        strict=shard.strict,
        encoding=shard.encoding,
        options=shard.options,
        report=report,
        max_record_bytes=shard.max_record_bytes,
        root=shard.root,
    )


def _parse_span(shard: _Shard, report: Report) -> Iterator[Record]:
    """The records of one byte range, numbered by line as in the whole file."""
    from .parsers import ParseContext, get_parser

    assert shard.span is not None
    assert shard.format is not None
    ctx = ParseContext(
        source=shard.path,
        format=shard.format,
        strict=shard.strict,
        encoding=shard.encoding,
        options=shard.options,
        span=(shard.span, shard.first_line),
        max_record_bytes=shard.max_record_bytes,
        label=provenance_name(shard.path, shard.root),
    )
    report.sources.append(ctx.report)
    return _counted(get_parser(shard.format).parse(ctx), ctx)


def _portable(exc: TearcorpusError) -> TearcorpusError:
    """*exc* if it survives pickling, else a plain error with the same message."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return TearcorpusError(str(exc))
    return exc


def _collect_shard_names(shard: _Shard) -> _Outcome:
    """Pass one of two anonymisation: the names of one shard's authors."""
    from .transforms import collect_names

    try:
        names = collect_names(_parse(shard, Report()))
    except TearcorpusError as exc:
        return _Outcome(None, Counter(), Counter(), error=_portable(exc))
    return _Outcome(None, Counter(), Counter(), names=names)


def _convert_shard(shard: _Shard) -> _Outcome:
    """Parse one shard, run its share of the transforms, write the part file."""
    from ._process import own_process
    from .exporters import ARROW_OUTPUTS
    from .transforms import apply_transforms

    own_process(arrow=shard.output in ARROW_OUTPUTS)  # a worker of ours: see _process

    report = Report()
    try:
        with contextlib.ExitStack() as stack:
            records: Iterable[Record] = _parse(shard, report)
            if shard.keys:
                keys = stack.enter_context(open(shard.part + ".keys", "wb", buffering=1 << 20))
                records = write_keys(records, keys)
            if shard.local:
                assert shard.job is not None
                steps = shard.job.build_transforms(shard.key, shard.names)[: shard.local]
                records = apply_transforms(records, steps, report)
            parts, written = None, (0, 0)
            if shard.output in ARROW_OUTPUTS:
                parts, written = _write_arrow(records, shard.part)
            elif shard.output != "records":
                assert shard.export is not None
                parts, written = _write_lines(records, shard.part, shard.output, shard.export)
            else:
                _write_records(records, shard.part)
    except TearcorpusError as exc:
        return _Outcome(None, report.dropped, report.scrubbed, error=_portable(exc))
    source = report.sources[0] if report.sources else None
    return _Outcome(
        source, report.dropped, report.scrubbed, part=shard.part, parts=parts, written=written
    )


def _write_records(records: Iterable[Record], part: str) -> None:
    with open(part, "wb", buffering=1 << 20) as out:
        batch: list[Record] = []
        for record in records:
            batch.append(record)
            if len(batch) >= BATCH:
                pickle.dump(batch, out, protocol=pickle.HIGHEST_PROTOCOL)
                batch = []
        if batch:
            pickle.dump(batch, out, protocol=pickle.HIGHEST_PROTOCOL)


def _write_lines(
    records: Iterable[Record], part: str, exporter: str, options: ExportOptions
) -> tuple[tuple[str, str], tuple[int, int]]:
    """The lines of *records* as the line-oriented *exporter* encodes them, into a posts
    and a replies part file; returns the two paths and their line counts."""
    from .exporters import get_exporter
    from .exporters._lines import write_lines

    module: Any = get_exporter(exporter)
    paths = (part + ".posts", part + ".replies")
    with (
        open(paths[0], "wb", buffering=1 << 20) as posts,
        open(paths[1], "wb", buffering=1 << 20) as replies,
    ):
        counts = write_lines(records, (posts, replies), module.encoders(options))
    return paths, counts


def _write_arrow(records: Iterable[Record], part: str) -> tuple[tuple[str, str], tuple[int, int]]:
    """The Arrow record batches of *records* (converted as the Parquet export converts
    them) into a posts and a replies Arrow stream file; the two paths and row counts."""
    from .hf import SpillWriter, record_batches
    from .schema import arrow_schema

    paths = (part + ".posts.arrow", part + ".replies.arrow")
    counts = {"posts": 0, "replies": 0}
    writers = {
        table: SpillWriter(path, arrow_schema(table), stream=True)
        for table, path in zip(counts, paths, strict=True)
    }
    try:
        for table, batch in record_batches(records):
            writers[table].write(batch)
            counts[table] += len(batch)
    finally:
        for writer in writers.values():
            writer.close()
    return paths, (counts["posts"], counts["replies"])


def _arrow_batches(path: str) -> Iterator[Any]:
    """The record batches of an Arrow stream part file, then the file is removed."""
    import pyarrow as pa

    with pa.OSFile(path) as handle:
        yield from pa.ipc.open_stream(handle)
    os.unlink(path)


# -- parent side --------------------------------------------------------------------------


@contextlib.contextmanager
def _scratch(near: str | None) -> Iterator[str]:
    """A private folder for the part files, next to *near* when possible; removed after."""
    folder = None
    if near is not None:
        parent = os.path.dirname(os.path.abspath(near))
        with contextlib.suppress(OSError):
            folder = tempfile.mkdtemp(prefix=".tearcorpus-shards-", dir=parent)
    if folder is None:
        try:
            folder = tempfile.mkdtemp(prefix="tearcorpus-shards-")
        except OSError as exc:
            raise ExportError(f"cannot create a scratch folder: {exc.strerror or exc}") from None
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _read_part(path: str) -> Iterator[Record]:
    with open(path, "rb", buffering=1 << 20) as fh:
        while True:
            try:
                batch: list[Record] = pickle.load(fh)
            except EOFError:
                break
            yield from batch
    os.unlink(path)


def _result(future: Future[_Outcome]) -> _Outcome:
    try:
        outcome = future.result()
    except BrokenProcessPool:
        raise TearcorpusError(
            "a worker process died (out of memory, killed, or a script without an "
            "`if __name__ == '__main__':` guard started workers); rerun with --workers 1"
        ) from None
    if outcome.error is not None:
        raise outcome.error
    return outcome


def _prepare(job: ConvertJob | None) -> tuple[bytes | None, list[Transform], Any]:
    """The key, the transform steps and the dropped-records writer of *job*. Options are
    checked now: a missing key fails before any work."""
    if job is None:
        return None, [], None
    key = job.load_key()
    # Build the steps once here: bad options fail before any worker starts.
    steps = job.build_transforms(key, {})
    dropped_writer = None
    if job.write_dropped:
        from .transforms import DroppedWriter

        dropped_writer = DroppedWriter(job.write_dropped, overwrite=job.overwrite)
    return key, steps, dropped_writer


def _plan(
    paths: Sequence[str], workers: int, format: str | None, encoding: str | None
) -> list[tuple[int, str, Span | None, str | None]]:
    """The shards: ``(input index, path, byte range, format)``. A large plain file of a
    format that reads ranges (Pushshift NDJSON) is cut into :data:`SPANS_PER_WORKER`
    ranges a worker; any other input is one shard."""
    from ._io import read_head
    from .parsers import detect_format, get_parser

    plan: list[tuple[int, str, Span | None, str | None]] = []
    for number, path in enumerate(paths):
        spans = None
        name = format
        parts = workers * SPANS_PER_WORKER
        # The format first: cutting looks for line starts, which a large JSON document
        # (a yt-dlp info.json, one line) has none of.
        if is_utf8(encoding) and cuttable(path, parts):
            try:
                name = format or detect_format(read_head(path), path)
                readable = bool(getattr(get_parser(name), "SPANS", False))
            except TearcorpusError:
                readable = False  # the shard's worker reports it, as one process would
            if readable:
                spans = plan_spans(path, parts)
            if spans is None:
                name = format
        ranges: list[Span | None] = list(spans) if spans is not None else [None]
        plan.extend((number, path, span, name) for span in ranges)
    return plan


def shard_count(
    inputs: Sequence[str], workers: int, format: str | None, encoding: str | None
) -> int:
    """How many shards *inputs* make for *workers* workers: one an input, more for a
    large plain NDJSON file cut into ranges. With one, workers gain nothing."""
    return len(_plan(list(inputs), workers, format, encoding))


def worth_workers(
    inputs: Sequence[str], workers: int, format: str | None, encoding: str | None
) -> bool:
    """Whether ``--workers`` *workers* should start processes for *inputs*: more than one
    worker and more than one shard, and at least :data:`MIN_WORKER_BYTES` of input (the
    output is the same either way; only the time differs)."""
    if workers <= 1:
        return False
    total = 0
    for path in inputs:
        size = plain_size(path)
        if size is None:  # compressed, remote or unreadable: the workers deal with it
            total = MIN_WORKER_BYTES
            break
        total += size
    if total < MIN_WORKER_BYTES:
        return False
    return shard_count(inputs, workers, format, encoding) > 1


def _merge_source(into: SourceReport, more: SourceReport) -> None:
    """Add the counts of one more range of an input to its report."""
    into.posts += more.posts
    into.replies += more.replies
    into.rejected.update(more.rejected)
    into.notes.update(more.notes)
    into.errors.extend(more.errors[: max(0, MAX_KEPT_ERRORS - len(into.errors))])


@contextlib.contextmanager
def _launched(
    paths: Sequence[str],
    *,
    workers: int,
    shard_options: tuple[str | None, bool, str | None, dict[str, str], int, str | None],
    job: ConvertJob | None,
    key: bytes | None,
    steps: list[Transform],
    near: str | None,
    output: str = "records",
    export: ExportOptions | None = None,
    keys: bool = False,
) -> Iterator[tuple[list[_Shard], list[Future[_Outcome]], list[Transform]]]:
    """Start the workers on every shard; give the shards, their futures (in input order)
    and the transform steps left for the parent. The scratch folder and the pool go when
    the block ends."""
    format, strict, encoding, options, max_record_bytes, root = shard_options
    if root is None:
        root = provenance_root(paths)
    context = multiprocessing.get_context("spawn")
    with contextlib.ExitStack() as stack:
        folder = stack.enter_context(_scratch(near))
        plan = _plan(paths, workers, format, encoding)
        pool = ProcessPoolExecutor(max_workers=min(workers, len(plan)), mp_context=context)
        stack.callback(pool.shutdown, wait=True, cancel_futures=True)

        first_lines: list[int] = []

        def shard(index: int, **more: Any) -> _Shard:
            number, path, span, name = plan[index]
            part = os.path.join(folder, f"{index:05d}.part")
            return _Shard(
                index,
                path,
                name,
                strict,
                encoding,
                options,
                part,
                max_record_bytes=max_record_bytes,
                root=root,
                span=span,
                first_line=first_line(index),
                input=number,
                **more,
            )

        def first_line(index: int) -> int:
            # A range's first line follows the lines of the ranges before it: counted
            # here, one range at a time as the shards are handed out, while the workers
            # already parse the first ones.
            while len(first_lines) <= index:
                at = len(first_lines)
                _, path, span, _ = plan[at]
                before = plan[at - 1] if at else None
                if span is None or span.start == 0 or before is None or before[2] is None:
                    first_lines.append(1)
                else:
                    first_lines.append(first_lines[-1] + count_lines(path, before[2]))
            return first_lines[index]

        names: _Names | None = None
        if job is not None and job.two_pass_names():
            names = {}
            firsts = [pool.submit(_collect_shard_names, shard(i)) for i in range(len(plan))]
            for future in firsts:
                for name, who in (_result(future).names or {}).items():
                    names.setdefault(name, who)  # the first author seen keeps a name
            steps = job.build_transforms(key, names)
        local = job.shard_steps() if job is not None else 0
        shards: list[_Shard] = []
        futures: list[Future[_Outcome]] = []
        for i in range(len(plan)):
            shards.append(
                shard(
                    i,
                    job=job,
                    key=key,
                    names=names,
                    local=local,
                    output=output,
                    export=export,
                    keys=keys,
                )
            )
            futures.append(pool.submit(_convert_shard, shards[-1]))
        yield shards, futures, steps[local:]


def _outcomes(
    shards: Sequence[_Shard],
    futures: Sequence[Future[_Outcome]],
    report: Report,
    check: KeyCheck | None = None,
) -> Iterator[_Outcome]:
    """Each shard's outcome, in input order, its counts added to *report* (the ranges of
    one input make one per-input report). With *check*, the ids the workers parsed are
    noted in it, and :class:`~tearcorpus._byid.Repeated` is raised after the last
    outcome when an id came twice."""
    last = -1
    for shard, future in zip(shards, futures, strict=True):
        outcome = _result(future)
        assert outcome.source is not None
        if shard.input == last:
            _merge_source(report.sources[-1], outcome.source)
        else:
            report.sources.append(outcome.source)
        last = shard.input
        report.dropped.update(outcome.dropped)
        report.scrubbed.update(outcome.scrubbed)
        if check is not None:
            check.add_keys(shard.part + ".keys")
            os.unlink(shard.part + ".keys")
        yield outcome
    if check is not None and check.repeated():
        raise Repeated(check.count)


def _run(
    paths: Sequence[str],
    *,
    workers: int,
    report: Report,
    format: str | None,
    strict: bool,
    encoding: str | None,
    options: Mapping[str, str],
    job: ConvertJob | None,
    near: str | None,
    check: KeyCheck | None = None,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    root: str | None = None,
) -> Iterator[Record]:
    """Parse *paths* in a pool of *workers* processes; yield the records in input order.

    Options are checked now (a missing key fails before any work); parsing starts when
    the first record is asked for.
    """
    key, steps, dropped_writer = _prepare(job)
    return _stream(
        paths,
        workers=workers,
        report=report,
        shard_options=(format, strict, encoding, dict(options), max_record_bytes, root),
        job=job,
        key=key,
        steps=steps,
        dropped_writer=dropped_writer,
        near=near,
        check=check,
    )


def _stream(
    paths: Sequence[str],
    *,
    workers: int,
    report: Report,
    shard_options: tuple[str | None, bool, str | None, dict[str, str], int, str | None],
    job: ConvertJob | None,
    key: bytes | None,
    steps: list[Transform],
    dropped_writer: Any,
    near: str | None,
    check: KeyCheck | None,
) -> Iterator[Record]:
    from .transforms import apply_transforms

    with contextlib.ExitStack() as stack:
        if dropped_writer is not None:
            stack.enter_context(dropped_writer)
        shards, futures, rest = stack.enter_context(
            _launched(
                paths,
                workers=workers,
                shard_options=shard_options,
                job=job,
                key=key,
                steps=steps,
                near=near,
                keys=check is not None,
            )
        )

        def merged() -> Iterator[Record]:
            for outcome in _outcomes(shards, futures, report, check):
                yield from _read_part(outcome.part)

        if rest:
            yield from apply_transforms(merged(), rest, report, dropped=dropped_writer)
        else:
            yield from merged()


def export_in_workers(
    job: ConvertJob, report: Report, options: ExportOptions, *, check: KeyCheck | None = None
) -> ExportResult | None:
    """``convert --workers N`` with the output encoded by the workers, so that no record
    crosses a process:

    - JSONL and CSV: the workers write the lines (the exporter's own encoders); the parent
      opens the tables, copies the parts into place in input order, and finishes (see
      :mod:`tearcorpus.exporters._lines`);
    - Parquet and the Hub folder: the workers convert their records to Arrow record
      batches; the parent cuts them again into the batches one process makes, in input
      order, and writes them as a one-process export does.

    The files are byte-identical to one worker's. With *check*, the workers note every
    id they parse and :class:`~tearcorpus._byid.Repeated` is raised, before anything is
    committed, when one came twice. Returns the
    :class:`~tearcorpus.exporters.ExportResult`, or ``None`` when a transform must run in
    the parent (dedup, one-pass anonymisation, ``write_dropped``): then use the record
    stream of :func:`iter_job_records`."""
    from .exporters import (
        ARROW_OUTPUTS,
        LINE_OUTPUTS,
        BatchWriter,
        ExportWriter,
        PartWriter,
        get_exporter,
        hub,
    )
    from .exporters._base import write_errors

    arrow = job.to in ARROW_OUTPUTS
    if job.write_dropped or not (arrow or job.to in LINE_OUTPUTS):
        return None
    key, steps, _ = _prepare(job)
    if job.shard_steps() < len(steps):
        return None
    # The Hub folder: the workers are done when the shards are written, so a second thread
    # may use their cores (see :func:`tearcorpus.exporters.hub.open`).
    writer: ExportWriter
    if job.to == hub.name:
        writer = hub.open(job.out, options, overlap=True)
    else:
        writer = get_exporter(job.to).open(job.out, options)
    outcomes = _worker_outcomes(job, report, key, steps, options, check)
    with write_errors(job.out):
        try:
            with contextlib.closing(outcomes):
                if isinstance(writer, BatchWriter):
                    for table, batch in _rebatched(outcomes):
                        writer.write_batch(table, batch)
                else:
                    assert isinstance(writer, PartWriter)
                    for outcome in outcomes:
                        assert outcome.parts is not None
                        writer.write_parts(outcome.parts, outcome.written)
        except BaseException:
            writer.abort()
            raise
        return writer.close()


def _worker_outcomes(
    job: ConvertJob,
    report: Report,
    key: bytes | None,
    steps: list[Transform],
    options: ExportOptions,
    check: KeyCheck | None,
) -> Generator[_Outcome, None, None]:
    """Each shard's outcome, in input order, the workers encoding the ``job.to`` output;
    the workers start when the first outcome is asked for."""
    import attrs

    with _launched(
        list(job.inputs),
        workers=job.workers,
        shard_options=(
            job.format,
            job.strict,
            job.encoding,
            dict(job.options),
            job.max_record_bytes,
            job.root,
        ),
        job=job,
        key=key,
        steps=steps,
        near=job.out,
        output=job.to,
        export=attrs.evolve(options, report=None, progress=None),
        keys=check is not None,
    ) as (shards, futures, _rest):
        done = _shard_progress(job.progress, len(shards), f"converting to {job.to}")
        for outcome in _outcomes(shards, futures, report, check):
            done(sum(outcome.written))
            yield outcome


def _rebatched(outcomes: Iterable[_Outcome]) -> Iterator[tuple[str, Any]]:
    """The workers' Arrow batches as ``(table, batch)`` in the batches of
    :func:`tearcorpus.hf.record_batches` (the same rows, cut the same way)."""
    from .hf import Rebatcher

    rebatchers = {"posts": Rebatcher(), "replies": Rebatcher()}
    for outcome in outcomes:
        assert outcome.parts is not None
        for (table, rebatcher), part in zip(rebatchers.items(), outcome.parts, strict=True):
            for batch in _arrow_batches(part):
                for full in rebatcher.add(batch):
                    yield table, full
    for table, rebatcher in rebatchers.items():
        rest = rebatcher.flush()
        if rest is not None:
            yield table, rest


def _shard_progress(show: bool, shards: int, desc: str) -> Any:
    """A callback for each shard done (with its record count) that advances a progress
    bar on stderr over the shards when *show*; else a no-op."""
    if not show:
        return lambda records: None
    import sys

    from tqdm import tqdm

    bar = tqdm(total=shards, desc=desc, unit=" shards", file=sys.stderr, mininterval=0.5)
    written = 0

    def done(records: int) -> None:
        nonlocal written
        written += records
        bar.set_postfix(records=f"{written:,}", refresh=False)
        bar.update(1)
        if bar.n >= shards:
            bar.close()

    return done


def iter_records(
    inputs: InputPath | Iterable[InputPath],
    *,
    workers: int | None = None,
    format: str | None = None,
    strict: bool = False,
    encoding: str | None = None,
    options: Mapping[str, str] | None = None,
    report: Report | None = None,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    root: str | None = None,
) -> Iterator[Record]:
    """:func:`tearcorpus.iter_records`, with inputs parsed in *workers* processes.

    Yields the same records in the same order, and fills *report* with the same counts,
    as the one-process reader; errors are the same too (the first failing input, in input
    order, raises). One input is one shard: a single input gains nothing. Transforms
    apply to the stream as usual (``apply_transforms(iter_records(...), steps)``), in the
    calling process.

    Workers are started with ``spawn``: a script that calls this must do so under
    ``if __name__ == "__main__":``, as with any :mod:`multiprocessing` code.
    """
    paths = _as_list(inputs)
    report = Report() if report is None else report
    workers = default_workers() if workers is None else workers
    if workers <= 1 or shard_count(paths, workers, format, encoding) <= 1:
        from .reader import iter_records as serial

        return serial(
            paths,
            format=format,
            strict=strict,
            encoding=encoding,
            options=options,
            report=report,
            max_record_bytes=max_record_bytes,
            root=root,
        )
    return _run(
        paths,
        workers=workers,
        report=report,
        format=format,
        strict=strict,
        encoding=encoding,
        options=options or {},
        job=None,
        near=None,
        max_record_bytes=max_record_bytes,
        root=root,
    )


def iter_job_records(
    job: ConvertJob,
    report: Report,
    *,
    transforms: bool = True,
    check: KeyCheck | None = None,
) -> Iterator[Record]:
    """The records of *job*'s inputs, parsed in ``job.workers`` processes (and, with
    *transforms*, transformed as the job says): the same records, in the same order, with
    the same counts, as one process. With *check*, the workers note every id they parse
    and :class:`~tearcorpus._byid.Repeated` is raised after the last record when one came
    twice."""
    return _run(
        list(job.inputs),
        workers=job.workers,
        report=report,
        format=job.format,
        strict=job.strict,
        encoding=job.encoding,
        options=job.options,
        job=job if transforms else None,
        near=job.out,
        check=check,
        max_record_bytes=job.max_record_bytes,
        root=job.root,
    )
