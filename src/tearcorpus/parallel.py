"""Parsing over input shards in worker processes, with output identical to one process.

One input file is one shard. Each worker parses its shard (and applies the transforms
that are safe per shard, see below) and writes the records to a private part file in a
scratch folder next to the output; the parent streams the parts back **in input order**
into the one exporter. The export is therefore the ordinary single-writer one, and its
files are byte-identical to a run with one worker; the :class:`~tearcorpus.Report` holds
one :class:`~tearcorpus.SourceReport` per input, in input order, with the same counts.

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

Part files are pickled batches of records: private to the run (they never leave the
scratch folder, which is removed at the end, on success or error), exact, and far
cheaper to load than JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import pickle
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Final

from attrs import frozen

from .errors import ExportError, TearcorpusError
from .model import Record
from .reader import InputPath, _as_list
from .report import Report, SourceReport

__all__ = ["BATCH", "default_workers", "iter_records", "iter_records_from_args"]

#: Records per pickled batch in a part file.
BATCH: Final = 1024

_Names = dict[str, tuple[str, str]]


def default_workers() -> int:
    """One worker per CPU the process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@frozen
class _Shard:
    """What a worker needs for one input; pickled to the worker process."""

    index: int
    path: str
    format: str | None
    strict: bool
    encoding: str | None
    options: dict[str, str]
    part: str
    #: Command-line options of the transforms, or ``None`` for none.
    args: argparse.Namespace | None = None
    key: bytes | None = None
    names: _Names | None = None
    #: How many leading transforms the worker runs (the rest run in the parent).
    local: int = 0


@frozen
class _Outcome:
    """What a worker sends back: its counts, or the error that stopped it."""

    source: SourceReport | None
    dropped: Counter[str]
    scrubbed: Counter[str]
    names: _Names | None = None
    error: TearcorpusError | None = None
    part: str = ""


# -- worker side (top-level functions: safe with the spawn start method) ------------------


def _parse(shard: _Shard, report: Report) -> Iterator[Record]:
    from .reader import iter_records as serial

    return serial(
        [shard.path],
        format=shard.format,
        strict=shard.strict,
        encoding=shard.encoding,
        options=shard.options,
        report=report,
    )


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
    from .transforms import apply_transforms

    report = Report()
    try:
        records: Iterable[Record] = _parse(shard, report)
        if shard.local:
            assert shard.args is not None
            steps = _steps(shard.args, shard.key, shard.names)[: shard.local]
            records = apply_transforms(records, steps, report)
        with open(shard.part, "wb", buffering=1 << 20) as out:
            batch: list[Record] = []
            for record in records:
                batch.append(record)
                if len(batch) >= BATCH:
                    pickle.dump(batch, out, protocol=pickle.HIGHEST_PROTOCOL)
                    batch = []
            if batch:
                pickle.dump(batch, out, protocol=pickle.HIGHEST_PROTOCOL)
    except TearcorpusError as exc:
        return _Outcome(None, report.dropped, report.scrubbed, error=_portable(exc))
    source = report.sources[0] if report.sources else None
    return _Outcome(source, report.dropped, report.scrubbed, part=shard.part)


# -- transforms ----------------------------------------------------------------------------


def _steps(args: argparse.Namespace, key: bytes | None, names: _Names | None) -> list[Any]:
    """The transforms of the command line, built exactly as the one-process path does;
    *key* and *names* come from the parent so every worker uses the same ones."""
    from .cli import transform_steps

    return list(transform_steps(args, key, names))


def _shard_safe(step: Any, args: argparse.Namespace) -> bool:
    """Whether *step* sees one record at a time, with nothing learnt from earlier ones."""
    from . import transforms as tf

    if isinstance(step, tf.Normalizer | tf.Filter | tf.Scrubber):
        return True
    return isinstance(step, tf.Anonymizer) and not args.one_pass


def _local_count(steps: Sequence[Any], args: argparse.Namespace) -> int:
    """How many leading steps the workers run: all up to the first stateful one."""
    if args.write_dropped:
        return 0
    count = 0
    for step in steps:
        if not _shard_safe(step, args):
            break
        count += 1
    return count


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


def _run(
    paths: Sequence[str],
    *,
    workers: int,
    report: Report,
    format: str | None,
    strict: bool,
    encoding: str | None,
    options: Mapping[str, str],
    args: argparse.Namespace | None,
    near: str | None,
) -> Iterator[Record]:
    """Parse *paths* in a pool of *workers* processes; yield the records in input order.

    Options are checked now (a missing key fails before any work); parsing starts when
    the first record is asked for.
    """
    key: bytes | None = None
    if args is not None and args.anonymize:
        from .transforms import load_key

        key = load_key(args.key_file)
    # Build the steps once here: bad options fail before any worker starts.
    steps = _steps(args, key, {}) if args is not None else []
    dropped_writer = None
    if args is not None and args.write_dropped:
        from .transforms import DroppedWriter

        dropped_writer = DroppedWriter(args.write_dropped, overwrite=args.overwrite)
    return _stream(
        paths,
        workers=workers,
        report=report,
        shard_options=(format, strict, encoding, dict(options)),
        args=args,
        key=key,
        steps=steps,
        dropped_writer=dropped_writer,
        near=near,
    )


def _stream(
    paths: Sequence[str],
    *,
    workers: int,
    report: Report,
    shard_options: tuple[str | None, bool, str | None, dict[str, str]],
    args: argparse.Namespace | None,
    key: bytes | None,
    steps: list[Any],
    dropped_writer: Any,
    near: str | None,
) -> Iterator[Record]:
    from .transforms import apply_transforms

    context = multiprocessing.get_context("spawn")
    with contextlib.ExitStack() as stack:
        if dropped_writer is not None:
            stack.enter_context(dropped_writer)
        folder = stack.enter_context(_scratch(near))
        pool = ProcessPoolExecutor(max_workers=min(workers, len(paths)), mp_context=context)
        stack.callback(pool.shutdown, wait=True, cancel_futures=True)

        def shard(index: int, path: str, **more: Any) -> _Shard:
            part = os.path.join(folder, f"{index:05d}.part")
            return _Shard(index, path, *shard_options, part, **more)

        names: _Names | None = None
        if args is not None and args.anonymize and not args.one_pass:
            names = {}
            firsts = [pool.submit(_collect_shard_names, shard(i, p)) for i, p in enumerate(paths)]
            for future in firsts:
                for name, who in (_result(future).names or {}).items():
                    names.setdefault(name, who)  # the first author seen keeps a name
            steps = _steps(args, key, names)
        local = _local_count(steps, args) if args is not None else 0
        futures = [
            pool.submit(_convert_shard, shard(i, p, args=args, key=key, names=names, local=local))
            for i, p in enumerate(paths)
        ]

        def merged() -> Iterator[Record]:
            for future in futures:
                outcome = _result(future)
                assert outcome.source is not None
                report.sources.append(outcome.source)
                report.dropped.update(outcome.dropped)
                report.scrubbed.update(outcome.scrubbed)
                yield from _read_part(outcome.part)

        rest = steps[local:]
        if rest:
            yield from apply_transforms(merged(), rest, report, dropped=dropped_writer)
        else:
            yield from merged()


def iter_records(
    inputs: InputPath | Iterable[InputPath],
    *,
    workers: int | None = None,
    format: str | None = None,
    strict: bool = False,
    encoding: str | None = None,
    options: Mapping[str, str] | None = None,
    report: Report | None = None,
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
    if workers <= 1 or len(paths) <= 1:
        from .reader import iter_records as serial

        return serial(
            paths,
            format=format,
            strict=strict,
            encoding=encoding,
            options=options,
            report=report,
        )
    return _run(
        paths,
        workers=workers,
        report=report,
        format=format,
        strict=strict,
        encoding=encoding,
        options=options or {},
        args=None,
        near=None,
    )


def iter_records_from_args(args: argparse.Namespace, report: Report) -> Iterator[Record]:
    """The records ``tearcorpus convert`` exports, parsed and transformed in ``args.workers``
    processes: the same records, in the same order, with the same counts, as one process.
    """
    return _run(
        list(args.inputs),
        workers=args.workers,
        report=report,
        format=args.format,
        strict=args.strict,
        encoding=args.encoding,
        options={"video_id": args.video_id} if args.video_id else {},
        args=args if hasattr(args, "anonymize") else None,
        near=getattr(args, "output", None),
    )
