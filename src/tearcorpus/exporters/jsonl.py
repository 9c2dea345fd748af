"""tearcorpus JSON Lines: ``posts.jsonl``, ``replies.jsonl`` and ``manifest.json``.

A table with no records is not written (an empty file is no valid input), and an older
file of that name is removed, so a directory never mixes two runs.

Lossless: :func:`tearcorpus.read` on the files gives records equal to the ones written,
provenance included. Each line is one record, tagged ``"schema": "tearcorpus/1"``.
"""

from __future__ import annotations

from collections.abc import Iterable

import orjson

from .._atomic import OutputDir
from .._version import __version__
from ..model import Post, Record, Reply
from ..report import Report
from ..serialize import SCHEMA_TAG, to_json_line
from ._base import ExportOptions, ExportResult

__all__ = ["description", "export", "finish", "name", "write_jsonl"]

name = "jsonl"
description = "tearcorpus JSON Lines: posts.jsonl and replies.jsonl, lossless"


def export(records: Iterable[Record], outdir: str, options: ExportOptions) -> ExportResult:
    posts = replies = 0
    with OutputDir(outdir, overwrite=options.overwrite) as out:
        post_file = out.open("posts.jsonl")
        reply_file = out.open("replies.jsonl")
        write_post, write_reply = post_file.write, reply_file.write
        line = to_json_line
        for record in records:
            if type(record) is Reply:  # the common case first, without isinstance
                write_reply(line(record))
                replies += 1
            elif isinstance(record, Post):
                write_post(line(record))
                posts += 1
            else:
                write_reply(line(record))
                replies += 1
        written = finish(out, posts, replies, options)
    return ExportResult(name, outdir, written, posts, replies)


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
    manifest = {
        "format": "tearcorpus-jsonl",
        "schema": SCHEMA_TAG,
        "tearcorpus_version": __version__,
        "posts": posts,
        "replies": replies,
        "files": files,
        "read": options.report.to_dict() if options.report is not None else None,
    }
    out.open("manifest.json").write(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
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
    """
    return export(records, outdir, ExportOptions(overwrite=overwrite, report=report))
