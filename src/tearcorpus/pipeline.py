"""Running a :class:`~tearcorpus.job.ConvertJob`: read, merge by id, transform, export.

:func:`convert` (``tearcorpus.convert``) and ``tearcorpus convert`` both end in
:func:`run`. Whatever the path (one process or ``workers``, any output format), what is
written holds one record per id, merged by the policy of :mod:`tearcorpus.merge`, and
the report's counts add up: ``read == written + rejected + dropped + merged``.

How, in bounded memory and without slowing the common case (ids that never repeat, as in
a Pushshift month):

1. The job runs as a plain stream into the exporter, with the id of every parsed record
   noted on the way (:class:`~tearcorpus._byid.KeyCheck`, 8 bytes a record, flat).
2. If no id came twice, that run is the result.
3. If one did, the exporter is stopped before it commits anything (the output folder is
   as it was), and the job runs again with the records merged by id out of core
   (:func:`~tearcorpus._byid.merge_by_id`) before the transforms. Inputs that cannot be
   read twice (a pipe, standard input) take this path from the start.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, ParamSpec

from ._byid import KeyCheck, Repeated, beside, merge_by_id
from ._io import is_stream
from .job import ConvertJob
from .model import Record
from .report import Report

if TYPE_CHECKING:
    from .exporters import ExportResult, Progress

__all__ = ["convert", "run", "worth_workers"]

_P = ParamSpec("_P")


def _job_parameters(
    make: Callable[_P, ConvertJob],
) -> Callable[[Callable[[ConvertJob], ExportResult]], Callable[_P, ExportResult]]:
    """A function of a job made a function of the job's parameters: those of *make*, for
    mypy and for :func:`inspect.signature` alike (no copy of the list to keep equal)."""

    def decorate(body: Callable[[ConvertJob], ExportResult]) -> Callable[_P, ExportResult]:
        @functools.wraps(body)
        def call(*args: _P.args, **kwargs: _P.kwargs) -> ExportResult:
            return body(make(*args, **kwargs))

        shown = inspect.signature(make).replace(
            return_annotation=inspect.signature(body).return_annotation
        )
        vars(call)["__signature__"] = shown
        return call

    return decorate


@_job_parameters(ConvertJob)
def convert(job: ConvertJob) -> ExportResult:
    """Convert *inputs* to the format *to* in the folder *out*: ``tearcorpus convert`` from
    Python. Takes the fields of :class:`~tearcorpus.job.ConvertJob` as keywords
    (``format``, ``strict``, ``transforms``, ``workers``, ``overwrite``, ``split_ratios``,
    ``license``, ...). Returns the :class:`~tearcorpus.ExportResult`, whose ``report``
    holds the counts.

    With ``workers`` above 1, call it under ``if __name__ == "__main__":``, as any
    :mod:`multiprocessing` code.
    """
    return run(job)


def run(job: ConvertJob, *, settle_process: bool = False) -> ExportResult:
    """Run *job*; returns what was written, with the run's report.

    *settle_process* tunes this process for a long run (the command line's own process:
    see :mod:`tearcorpus._process`); a library caller's process is left as it is.
    """
    from .exporters import ARROW_OUTPUTS

    if settle_process:
        from ._process import own_process

        own_process(arrow=job.to in ARROW_OUTPUTS)
    job.load_key()  # a missing key fails before any work
    if any(is_stream(path) for path in job.inputs):  # cannot be read a second time
        return _run(job, merging=True)
    try:
        return _run(job, merging=False)
    except Repeated as found:
        expected = found.count
    # Outside the handler: the first run's frames (its exporter's state), which the
    # exception's traceback holds, are freed before the second run starts, and the memory
    # Arrow kept for them is given back (at 300k comments passed twice to the Hub folder,
    # 60 MB of the 194 MB held after the first run).
    pyarrow = sys.modules.get("pyarrow")
    if pyarrow is not None:
        pyarrow.default_memory_pool().release_unused()
    if job.progress:
        print("tearcorpus: some ids came more than once: merging them by id", file=sys.stderr)
    return _run(job, merging=True, expected=expected)


def worth_workers(job: ConvertJob) -> bool:
    """Whether *job*'s workers pay for starting (see :func:`tearcorpus.parallel.worth_workers`)."""
    from .parallel import worth_workers as worth

    return worth(list(job.inputs), job.workers, job.format, job.encoding)


def _run(job: ConvertJob, *, merging: bool, expected: int = 0) -> ExportResult:
    from .exporters import export_records, get_exporter
    from .reader import _records

    report = Report()
    options = job.export_options(report, _bar if job.progress else None)
    result = None
    workers = worth_workers(job)
    # With workers and no merging, the workers parse and run the shard-safe transforms.
    in_workers = workers and not merging
    check = None if merging else KeyCheck(beside(job.out))
    try:
        if in_workers:
            # --workers to JSONL, CSV, Parquet or the Hub folder: the workers encode.
            from .parallel import export_in_workers

            result = export_in_workers(job, report, options, check=check)
        if result is None:
            records: Iterable[Record]
            if workers:
                from .parallel import iter_job_records

                # Merging comes before the transforms: then the workers only parse.
                records = iter_job_records(job, report, transforms=not merging, check=check)
            else:
                # The ids are noted in the loop that counts the records (no layer of its own).
                records = _records(job.inputs, job._reading, report, check)
            if merging:
                records = merge_by_id(records, report, folder=beside(job.out), expected=expected)
            records = with_progress(records, job.progress, f"converting to {job.to}")
            if not in_workers:
                records = _transformed(job, records, report)
            # One record per id already: checked on the way, or merged.
            result = export_records(get_exporter(job.to), records, job.out, options, unique=True)
    finally:
        if check is not None:
            check.close()
    result.report = report
    return result


def _transformed(job: ConvertJob, records: Iterable[Record], report: Report) -> Iterable[Record]:
    """*records* through *job*'s transforms, in their order."""
    if not job.transforms:
        return records
    from . import transforms as tf
    from .reader import _records

    key = job.load_key()
    names = None
    if job.two_pass_names():
        # Pass one of two: every author's name, so that mentions can be rewritten.
        names = tf.collect_names(_records(job.inputs, job._reading))
    steps = job.build_transforms(key, names)
    if not job.write_dropped:
        return tf.apply_transforms(records, steps, report)
    writer = tf.DroppedWriter(job.write_dropped, overwrite=job.overwrite)

    def run() -> Iterator[Record]:
        with writer:
            yield from tf.apply_transforms(records, steps, report, dropped=writer)

    return run()


def with_progress(records: Iterable[Record], show: bool, desc: str) -> Iterable[Record]:
    """*records*, counted on a progress bar on stderr when *show*."""
    if not show:
        return records
    from tqdm import tqdm

    return tqdm(records, desc=desc, unit=" records", file=sys.stderr, mininterval=0.5)


def _bar(desc: str, total: int, unit: str) -> Progress:
    """A progress bar on stderr for a long step of an export."""
    from tqdm import tqdm

    bar: Progress = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, mininterval=0.5)
    return bar
