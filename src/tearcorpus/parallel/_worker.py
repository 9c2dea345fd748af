"""The worker side of :mod:`tearcorpus.parallel`: what a worker process is given for one
shard, what it sends back, and the functions it runs (top-level: safe with the ``spawn``
start method). A worker parses its shard, runs its share of the transforms and writes a
part file: pickled records, an exporter's lines, or Arrow record batches."""

from __future__ import annotations

import contextlib
import pickle
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Final

from attrs import frozen

from .._byid import write_keys
from .._pickled import dump_batches
from .._spans import Span
from ..errors import TearcorpusError
from ..model import Record
from ..parsers import get_parser
from ..reader import ReadSettings, _counted, _records
from ..report import Report, SourceReport

if TYPE_CHECKING:
    from ..exporters import ExportOptions
    from ..job import ConvertJob, Names

#: Records per pickled batch in a part file.
BATCH: Final = 1024


@frozen
class Shard:
    """What a worker needs for one input (or one byte range of it); pickled to the worker
    process."""

    path: str
    #: How the input is read: the run's settings, with the format the plan found.
    reading: ReadSettings
    part: str
    #: The job whose transforms the worker runs, or ``None`` for none.
    job: ConvertJob | None = None
    key: bytes | None = None
    names: Names | None = None
    #: How many leading transforms the worker runs (the rest run in the parent).
    local: int = 0
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
class Outcome:
    """What a worker sends back: its counts, or the error that stopped it."""

    source: SourceReport | None
    dropped: Counter[str]
    scrubbed: Counter[str]
    names: Names | None = None
    error: TearcorpusError | None = None
    part: str = ""
    #: The part files (posts, replies) of a shard whose output the worker encoded, and
    #: how many records each holds.
    parts: tuple[str, str] | None = None
    written: tuple[int, int] = (0, 0)


def parse(shard: Shard, report: Report) -> Iterator[Record]:
    """The records of the shard: its whole input, or the byte range, numbered by line as
    in the whole file."""
    if shard.span is None:
        return _records([shard.path], shard.reading, report)
    assert shard.reading.format is not None
    ctx = shard.reading.context(
        shard.path, shard.reading.format, shard.reading.encoding, (shard.span, shard.first_line)
    )
    report.sources.append(ctx.report)
    return _counted(get_parser(shard.reading.format).parse(ctx), ctx)


def portable(exc: TearcorpusError) -> TearcorpusError:
    """*exc* if it survives pickling, else a plain error with the same message."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return TearcorpusError(str(exc))
    return exc


def collect_shard_names(shard: Shard) -> Outcome:
    """Pass one of two anonymisation: the names of one shard's authors."""
    from ..transforms import collect_names

    try:
        names = collect_names(parse(shard, Report()))
    except TearcorpusError as exc:
        return Outcome(None, Counter(), Counter(), error=portable(exc))
    return Outcome(None, Counter(), Counter(), names=names)


def convert_shard(shard: Shard) -> Outcome:
    """Parse one shard, run its share of the transforms, write the part file."""
    from .._process import own_process
    from ..exporters import ARROW_OUTPUTS
    from ..transforms import apply_transforms

    own_process(arrow=shard.output in ARROW_OUTPUTS)  # a worker of ours: see _process

    report = Report()
    try:
        with contextlib.ExitStack() as stack:
            records: Iterable[Record] = parse(shard, report)
            if shard.keys:
                keys = stack.enter_context(open(shard.part + ".keys", "wb", buffering=1 << 20))
                records = write_keys(records, keys)
            if shard.local:
                assert shard.job is not None
                steps = shard.job.build_transforms(shard.key, shard.names)[: shard.local]
                records = apply_transforms(records, steps, report)
            parts, written = None, (0, 0)
            if shard.output in ARROW_OUTPUTS:
                parts, written = write_arrow(records, shard.part)
            elif shard.output != "records":
                assert shard.export is not None
                parts, written = write_lines(records, shard.part, shard.output, shard.export)
            else:
                write_records(records, shard.part)
    except TearcorpusError as exc:
        return Outcome(None, report.dropped_by_reason, report.scrubbed, error=portable(exc))
    source = report.sources[0] if report.sources else None
    return Outcome(
        source,
        report.dropped_by_reason,
        report.scrubbed,
        part=shard.part,
        parts=parts,
        written=written,
    )


def write_records(records: Iterable[Record], part: str) -> None:
    """*records* pickled into the part file *part*, :data:`BATCH` at a time."""
    with open(part, "wb", buffering=1 << 20) as out:
        dump_batches(records, out, BATCH)


def write_lines(
    records: Iterable[Record], part: str, exporter: str, options: ExportOptions
) -> tuple[tuple[str, str], tuple[int, int]]:
    """The lines of *records* as the line-oriented *exporter* encodes them, into a posts
    and a replies part file; returns the two paths and their line counts."""
    from ..exporters import LINE_EXPORTERS
    from ..exporters._lines import write_lines

    paths = (part + ".posts", part + ".replies")
    with (
        open(paths[0], "wb", buffering=1 << 20) as posts,
        open(paths[1], "wb", buffering=1 << 20) as replies,
    ):
        counts = write_lines(records, (posts, replies), LINE_EXPORTERS[exporter].encoders(options))
    return paths, counts


def write_arrow(records: Iterable[Record], part: str) -> tuple[tuple[str, str], tuple[int, int]]:
    """The Arrow record batches of *records* (converted as the Parquet export converts
    them) into a posts and a replies Arrow stream file; the two paths and row counts."""
    from .._batches import SpillWriter, record_batches
    from ..schema import arrow_schema

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
