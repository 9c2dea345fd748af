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
import os
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from .._byid import KeyCheck
from .._io import DEFAULT_MAX_RECORD_BYTES, plain_size
from .._spans import MIN_SPAN_BYTES
from ..model import Record
from ..reader import InputPath, ReadSettings, _as_list, _records
from ..report import Report
from ._parent import launched, outcomes, plan_shards, read_part, rebatched
from ._worker import BATCH, Outcome

if TYPE_CHECKING:
    from ..exporters import ExportOptions, ExportResult
    from ..job import ConvertJob
    from ..typing import BatchWriter, ExportWriter, Transform

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

#: ``--workers`` reads inputs smaller than this in all (local, uncompressed bytes) in one
#: process: each worker is an interpreter to start (with pyarrow for Parquet), which costs
#: more than it saves on a few tens of MB. Compressed and remote inputs count as large.
MIN_WORKER_BYTES: int = 2 * MIN_SPAN_BYTES


def default_workers() -> int:
    """One worker per CPU the process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _prepare(job: ConvertJob | None) -> tuple[bytes | None, list[Transform]]:
    """The key and the transform steps of *job*, built once here: a missing key or a bad
    option fails before any worker starts."""
    if job is None:
        return None, []
    key = job.load_key()
    return key, job.build_transforms(key, {})


def shard_count(
    inputs: Sequence[str], workers: int, format: str | None, encoding: str | None
) -> int:
    """How many shards *inputs* make for *workers* workers: one an input, more for a
    large plain NDJSON file cut into ranges. With one, workers gain nothing."""
    return len(plan_shards(list(inputs), workers, format, encoding))


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


def _run(
    paths: Sequence[str],
    workers: int,
    report: Report,
    reading: ReadSettings,
    job: ConvertJob | None,
    near: str | None,
    check: KeyCheck | None = None,
) -> Iterator[Record]:
    """Parse *paths* in a pool of *workers* processes; yield the records in input order.

    Options are checked now (a missing key fails before any work); parsing starts when
    the first record is asked for.
    """
    from ..transforms import DroppedWriter, apply_transforms

    key, steps = _prepare(job)
    dropped_writer = None
    if job is not None and job.write_dropped:
        dropped_writer = DroppedWriter(job.write_dropped, overwrite=job.overwrite)

    def stream() -> Iterator[Record]:
        with contextlib.ExitStack() as stack:
            if dropped_writer is not None:
                stack.enter_context(dropped_writer)
            shards, futures, rest = stack.enter_context(
                launched(
                    paths,
                    workers=workers,
                    reading=reading,
                    job=job,
                    key=key,
                    steps=steps,
                    near=near,
                    keys=check is not None,
                )
            )

            def merged() -> Iterator[Record]:
                for outcome in outcomes(shards, futures, report, check):
                    yield from read_part(outcome.part)

            if rest:
                yield from apply_transforms(merged(), rest, report, dropped=dropped_writer)
            else:
                yield from merged()

    return stream()


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
    from ..exporters import ARROW_EXPORTERS, LINE_EXPORTERS, hub
    from ..exporters._base import write_errors

    arrow = job.to in ARROW_EXPORTERS
    if job.write_dropped or not (arrow or job.to in LINE_EXPORTERS):
        return None
    key, steps = _prepare(job)
    if job.shard_steps() < len(steps):
        return None
    outcomes = _worker_outcomes(job, report, key, steps, options, check)
    writer: ExportWriter
    batches: BatchWriter
    if not arrow:
        writer = parts = LINE_EXPORTERS[job.to].open(job.out, options)
    elif job.to == hub.name:
        # The Hub folder: the workers are done when the shards are written, so a second
        # thread may use their cores (see :func:`tearcorpus.exporters.hub.open`).
        writer = batches = hub.open(job.out, options, overlap=True)
    else:
        writer = batches = ARROW_EXPORTERS[job.to].open(job.out, options)
    with write_errors(job.out):
        try:
            with contextlib.closing(outcomes):
                if arrow:  # cut again into the batches one process makes
                    for table, batch in rebatched(outcomes):
                        batches.write_batch(table, batch)
                else:  # the part files of lines, in input order
                    for outcome in outcomes:
                        assert outcome.parts is not None
                        parts.write_parts(outcome.parts, outcome.written)
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
) -> Generator[Outcome, None, None]:
    """Each shard's outcome, in input order, the workers encoding the ``job.to`` output;
    the workers start when the first outcome is asked for."""
    import attrs

    with launched(
        list(job.inputs),
        workers=job.workers,
        reading=job._reading,
        job=job,
        key=key,
        steps=steps,
        near=job.out,
        output=job.to,
        export=attrs.evolve(options, report=None, progress=None),
        keys=check is not None,
    ) as (shards, futures, _rest):
        done = _shard_progress(job.progress, len(shards), f"converting to {job.to}")
        for outcome in outcomes(shards, futures, report, check):
            done(sum(outcome.written))
            yield outcome


def _shard_progress(show: bool, shards: int, desc: str) -> Callable[[int], None]:
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
    reading = ReadSettings(format, strict, encoding, options, max_record_bytes, root)
    if workers <= 1 or shard_count(paths, workers, format, encoding) <= 1:
        return _records(paths, reading, report)
    return _run(paths, workers, report, reading, None, None)


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
    runs = job if transforms else None
    return _run(list(job.inputs), job.workers, report, job._reading, runs, job.out, check)
