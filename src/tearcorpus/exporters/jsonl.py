"""tearcorpus JSON Lines: ``posts.jsonl``, ``replies.jsonl`` and ``manifest.json``.

Lossless: :func:`tearcorpus.read` on the files gives records equal to the ones written,
provenance included. Each line is one record, tagged ``"schema": "tearcorpus/1"``.
"""

from __future__ import annotations

from collections.abc import Iterable

import orjson

from .._atomic import OutputDir
from .._version import __version__
from ..model import Post, Record
from ..report import Report
from ..serialize import SCHEMA_TAG, to_dict
from ._base import ExportOptions, ExportResult

__all__ = ["description", "export", "name", "write_jsonl"]

name = "jsonl"
description = "tearcorpus JSON Lines: posts.jsonl and replies.jsonl, lossless"


def export(records: Iterable[Record], outdir: str, options: ExportOptions) -> ExportResult:
    posts = replies = 0
    dumps = orjson.dumps
    with OutputDir(outdir, overwrite=options.overwrite) as out:
        post_file = out.open("posts.jsonl")
        reply_file = out.open("replies.jsonl")
        for record in records:
            line = dumps(to_dict(record)) + b"\n"
            if isinstance(record, Post):
                post_file.write(line)
                posts += 1
            else:
                reply_file.write(line)
                replies += 1
        manifest = {
            "format": "tearcorpus-jsonl",
            "schema": SCHEMA_TAG,
            "tearcorpus_version": __version__,
            "posts": posts,
            "replies": replies,
            "files": {"posts": "posts.jsonl", "replies": "replies.jsonl"},
            "read": options.report.to_dict() if options.report is not None else None,
        }
        out.open("manifest.json").write(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    files = [f"{outdir}/posts.jsonl", f"{outdir}/replies.jsonl", f"{outdir}/manifest.json"]
    return ExportResult(name, outdir, files, posts, replies)


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
