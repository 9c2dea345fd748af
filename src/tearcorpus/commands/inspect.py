"""``tearcorpus inspect INPUT...``: formats, counts, rejects, threads, authors, times."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import TextIO, TypedDict

from ..model import Post, Record
from ..report import Report
from ._options import (
    EXIT_OK,
    Subparsers,
    add_input_args,
    add_run_args,
    print_json,
    print_rejects,
    read_keywords,
    wants_progress,
)

__all__ = ["register", "run"]


def register(subparsers: Subparsers) -> None:
    """Add ``inspect`` to the command line's *subparsers*."""
    inspect = subparsers.add_parser("inspect", help="summarise inputs: formats, counts, rejects")
    add_input_args(inspect)
    add_run_args(inspect)
    inspect.add_argument("--json", action="store_true", help="print one JSON object")
    inspect.set_defaults(handler=run)


class _StatsDict(TypedDict):
    threads: int
    authors: int
    platforms: dict[str, int]
    time_range: list[str] | None
    estimated_times: int


class _Stats:
    """Streaming summary for ``inspect``: constant work per record."""

    def __init__(self) -> None:
        self.threads: set[str] = set()
        self.authors: set[str] = set()
        self.first: datetime | None = None
        self.last: datetime | None = None
        self.estimated = 0
        self.platforms: dict[str, int] = {}

    def add(self, record: Record) -> None:
        self.threads.add(record.id if isinstance(record, Post) else record.post_id)
        if record.author is not None and record.author.id is not None:
            self.authors.add(record.author.id)
        self.platforms[record.platform.value] = self.platforms.get(record.platform.value, 0) + 1
        when = record.created_at
        if when is not None:
            if self.first is None or when < self.first:
                self.first = when
            if self.last is None or when > self.last:
                self.last = when
            if record.created_at_estimated:
                self.estimated += 1

    def to_dict(self) -> _StatsDict:
        return {
            "threads": len(self.threads),
            "authors": len(self.authors),
            "platforms": dict(sorted(self.platforms.items())),
            "time_range": None
            if self.first is None or self.last is None
            else [self.first.isoformat(), self.last.isoformat()],
            "estimated_times": self.estimated,
        }


def _summary(report: Report, stats: _Stats, out: TextIO) -> None:
    for source in report.sources:
        print(f"{source.source}  [{source.format}]", file=out)
        line = f"  posts {source.posts}  replies {source.replies}  rejected {source.rejected}"
        print(line, file=out)
        for what, counts in (("rejected", source.rejected_by_reason), ("noted", source.notes)):
            for kind, count in sorted(counts.items()):
                print(f"    {what} {kind}: {count}", file=out)
    info = stats.to_dict()
    if len(report.sources) > 1:
        print(
            f"total  posts {report.posts}  replies {report.replies}  rejected {report.rejected}",
            file=out,
        )
    print(f"threads {info['threads']}  authors {info['authors']}", file=out)
    if info["time_range"]:
        first, last = info["time_range"]
        print(f"time range {first} .. {last}", file=out)
    if report.rejected:
        print_rejects(report, out)


def run(args: argparse.Namespace) -> int:
    """Read the inputs once; print (or ``--json``) what they hold."""
    from ..parallel import iter_records, worth_workers
    from ..pipeline import with_progress

    report = Report()
    stats = _Stats()
    # --workers: inputs parsed in processes (tearcorpus.parallel), the same stream.
    workers = (
        args.workers if worth_workers(args.inputs, args.workers, args.format, args.encoding) else 1
    )
    source = iter_records(
        args.inputs,
        workers=workers,
        report=report,
        **read_keywords(args),
        root=args.root,
    )
    for record in with_progress(source, wants_progress(args.progress), "reading"):
        stats.add(record)
    if args.json:
        counts = report.to_dict()
        formats = counts["formats"]
        print_json(
            {**counts, "format": formats[0] if len(formats) == 1 else formats, **stats.to_dict()}
        )
    else:
        _summary(report, stats, sys.stdout)
    return EXIT_OK
