"""The parent side of :mod:`tearcorpus.parallel`: the shard plan, the pool of workers, and
the part files read back in input order."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

import attrs

from .._byid import KeyCheck, Repeated
from .._io import is_utf8, provenance_root
from .._pickled import load_batches
from .._spans import SPANS_PER_WORKER, Span, count_lines, cuttable, plan_spans
from ..errors import ExportError, TearcorpusError
from ..model import Record
from ..report import MAX_KEPT_ERRORS, Report, SourceReport
from ._worker import Outcome, Shard, collect_shard_names, convert_shard

if TYPE_CHECKING:
    import pyarrow as pa

    from ..exporters import ExportOptions
    from ..job import ConvertJob, Names
    from ..reader import ReadSettings
    from ..transforms import Transform


def plan_shards(
    paths: Sequence[str], workers: int, format: str | None, encoding: str | None
) -> list[tuple[int, str, Span | None, str | None]]:
    """The shards: ``(input index, path, byte range, format)``. A large plain file of a
    format that reads ranges (Pushshift NDJSON) is cut into :data:`SPANS_PER_WORKER`
    ranges a worker; any other input is one shard."""
    from .._read import read_head
    from ..parsers import detect_format, get_parser

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
                readable = get_parser(name).SPANS
            except TearcorpusError:
                readable = False  # the shard's worker reports it, as one process would
            if readable:
                spans = plan_spans(path, parts)
            if spans is None:
                name = format
        ranges: list[Span | None] = list(spans) if spans is not None else [None]
        plan.extend((number, path, span, name) for span in ranges)
    return plan


@contextlib.contextmanager
def scratch(near: str | None) -> Iterator[str]:
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


def read_part(path: str) -> Iterator[Record]:
    """The records of a worker's part file, in order; then the file is removed."""
    yield from load_batches(path, buffering=1 << 20)
    os.unlink(path)


def result(future: Future[Outcome]) -> Outcome:
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


def arrow_batches(path: str) -> Iterator[pa.RecordBatch]:
    """The record batches of an Arrow stream part file, then the file is removed."""
    import pyarrow as pa

    with pa.OSFile(path) as handle:
        yield from pa.ipc.open_stream(handle)
    os.unlink(path)


def merge_source(into: SourceReport, more: SourceReport) -> None:
    """Add the counts of one more range of an input to its report."""
    into.posts += more.posts
    into.replies += more.replies
    into.rejected_by_reason.update(more.rejected_by_reason)
    into.notes.update(more.notes)
    into.errors.extend(more.errors[: max(0, MAX_KEPT_ERRORS - len(into.errors))])


@contextlib.contextmanager
def launched(
    paths: Sequence[str],
    *,
    workers: int,
    reading: ReadSettings,
    job: ConvertJob | None,
    key: bytes | None,
    steps: list[Transform],
    near: str | None,
    output: str = "records",
    export: ExportOptions | None = None,
    keys: bool = False,
) -> Iterator[tuple[list[Shard], list[Future[Outcome]], list[Transform]]]:
    """Start the workers on every shard; give the shards, their futures (in input order)
    and the transform steps left for the parent. The scratch folder and the pool go when
    the block ends."""
    if reading.root is None:
        reading = attrs.evolve(reading, root=provenance_root(paths))
    context = multiprocessing.get_context("spawn")
    with contextlib.ExitStack() as stack:
        folder = stack.enter_context(scratch(near))
        plan = plan_shards(paths, workers, reading.format, reading.encoding)
        pool = ProcessPoolExecutor(max_workers=min(workers, len(plan)), mp_context=context)
        stack.callback(pool.shutdown, wait=True, cancel_futures=True)

        first_lines: list[int] = []

        def shard(index: int) -> Shard:
            """The shard of *index* in the plan: what to read (the work is added after)."""
            number, path, span, name = plan[index]
            part = os.path.join(folder, f"{index:05d}.part")
            return Shard(
                path,
                attrs.evolve(reading, format=name),
                part,
                span=span,
                first_line=first_line(index),
                input=number,
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

        names: Names | None = None
        if job is not None and job.two_pass_names():
            names = {}
            firsts = [pool.submit(collect_shard_names, shard(i)) for i in range(len(plan))]
            for future in firsts:
                for name, who in (result(future).names or {}).items():
                    names.setdefault(name, who)  # the first author seen keeps a name
            steps = job.build_transforms(key, names)
        local = job.shard_steps() if job is not None else 0
        shards: list[Shard] = []
        futures: list[Future[Outcome]] = []
        for i in range(len(plan)):
            shards.append(
                attrs.evolve(
                    shard(i),
                    job=job,
                    key=key,
                    names=names,
                    local=local,
                    output=output,
                    export=export,
                    keys=keys,
                )
            )
            futures.append(pool.submit(convert_shard, shards[-1]))
        yield shards, futures, steps[local:]


def outcomes(
    shards: Sequence[Shard],
    futures: Sequence[Future[Outcome]],
    report: Report,
    check: KeyCheck | None = None,
) -> Iterator[Outcome]:
    """Each shard's outcome, in input order, its counts added to *report* (the ranges of
    one input make one per-input report). With *check*, the ids the workers parsed are
    noted in it, and :class:`~tearcorpus._byid.Repeated` is raised after the last
    outcome when an id came twice."""
    last = -1
    for shard, future in zip(shards, futures, strict=True):
        outcome = result(future)
        assert outcome.source is not None
        if shard.input == last:
            merge_source(report.sources[-1], outcome.source)
        else:
            report.sources.append(outcome.source)
        last = shard.input
        report.dropped_by_reason.update(outcome.dropped)
        report.scrubbed.update(outcome.scrubbed)
        if check is not None:
            check.add_keys(shard.part + ".keys")
            os.unlink(shard.part + ".keys")
        yield outcome
    if check is not None and check.repeated():
        raise Repeated(check.count)


def rebatched(outcomes: Iterable[Outcome]) -> Iterator[tuple[str, pa.RecordBatch]]:
    """The workers' Arrow batches as ``(table, batch)`` in the batches of
    :func:`tearcorpus.hf.record_batches` (the same rows, cut the same way)."""
    from .._batches import Rebatcher

    rebatchers = {"posts": Rebatcher(), "replies": Rebatcher()}
    for outcome in outcomes:
        assert outcome.parts is not None
        for (table, rebatcher), part in zip(rebatchers.items(), outcome.parts, strict=True):
            for batch in arrow_batches(part):
                for full in rebatcher.add(batch):
                    yield table, full
    for table, rebatcher in rebatchers.items():
        rest = rebatcher.flush()
        if rest is not None:
            yield table, rest
