"""tearcorpus JSON Lines: ``posts.jsonl``, ``replies.jsonl`` and ``manifest.json``.

A table with no records is not written (an empty file is no valid input), and an older
file of that name is removed, so a directory never mixes two runs.

Lossless: :func:`tearcorpus.read` on the files gives records equal to the ones written,
provenance included. Each line is one record, tagged ``"schema": "tearcorpus/1"``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from .._atomic import OutputDir
from ..model import Record
from ..report import Report
from ..serialize import to_json_line
from ..typing import Encoder
from ._base import ExportOptions, ExportResult, export_records, manifest
from ._lines import LinesWriter

__all__ = [
    "description",
    "encoders",
    "export",
    "finish",
    "name",
    "open",
    "tables",
    "write_jsonl",
]

name = "jsonl"
description = "tearcorpus JSON Lines: posts.jsonl and replies.jsonl, lossless"


def open(outdir: str, options: ExportOptions) -> LinesWriter:
    """Start a JSON Lines export into *outdir*."""
    from . import jsonl  # this module, the LineExporter

    return LinesWriter(jsonl, outdir, options)


def export(records: Iterable[Record], outdir: str, options: ExportOptions) -> ExportResult:
    from . import jsonl

    return export_records(jsonl, records, outdir, options)


def tables(out: OutputDir, options: ExportOptions) -> tuple[IO[bytes], IO[bytes]]:
    """``posts.jsonl`` and ``replies.jsonl``, opened in *out*."""
    return out.open("posts.jsonl"), out.open("replies.jsonl")


def encoders(options: ExportOptions) -> tuple[Encoder, Encoder]:
    """The line of a post and of a reply: :func:`~tearcorpus.serialize.to_json_line`."""
    return to_json_line, to_json_line


def finish(out: OutputDir, posts: int, replies: int, options: ExportOptions) -> list[str]:
    """Drop the empty table files, write ``manifest.json`` and commit *out*; the files
    written. (Shared with the workers' JSONL path of :mod:`tearcorpus.parallel`.)"""
    # An empty JSONL file would not be a valid input: write only what has records.
    files = {}
    for kind, count in (("posts", posts), ("replies", replies)):
        if count:
            files[kind] = f"{kind}.jsonl"
        else:
            out.discard(f"{kind}.jsonl")
    out.open("manifest.json").write(manifest(name, posts, replies, files, options))
    return out.commit()


def write_jsonl(
    records: Iterable[Record],
    outdir: str,
    *,
    overwrite: bool = False,
    report: Report | None = None,
) -> ExportResult:
    """Write *records* (a :class:`~tearcorpus.Corpus` or any iterable) as JSON Lines.

    The files appear atomically: an error midway leaves nothing at the target paths.
    *report* (by default a corpus's own) goes into the manifest.
    """
    return export(records, outdir, ExportOptions(overwrite=overwrite, report=report))
