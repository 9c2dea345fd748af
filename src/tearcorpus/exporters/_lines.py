"""The loop of the line-oriented exporters (JSON Lines, CSV).

Such an exporter module provides, besides ``name``:

- ``tables(out, options)``: opens ``posts`` and ``replies`` files in the
  :class:`~tearcorpus._atomic.OutputDir` (binary handles, headers written);
- ``encoders(options)``: the functions giving a post's and a reply's line as bytes;
- ``finish(out, posts, replies, options)``: the manifest and the commit; returns the
  files written.

The one-process export is :func:`export_lines`; with ``--workers`` the workers encode the
lines of their shards with the same ``encoders`` and the parent copies them between
``tables`` and ``finish`` (:func:`tearcorpus.parallel.export_in_workers`), so both write the
same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import IO, Protocol

from .._atomic import OutputDir
from ..model import Post, Record, Reply
from ._base import ExportOptions, ExportResult

__all__ = ["LineExporter", "export_lines", "write_lines"]

Encoder = Callable[[Record], bytes]


class LineExporter(Protocol):
    """An exporter module that writes one line (or row) per record."""

    name: str

    def tables(self, out: OutputDir, options: ExportOptions) -> tuple[IO[bytes], IO[bytes]]: ...

    def encoders(self, options: ExportOptions) -> tuple[Encoder, Encoder]: ...

    def finish(
        self, out: OutputDir, posts: int, replies: int, options: ExportOptions
    ) -> list[str]: ...


def export_lines(
    exporter: LineExporter, records: Iterable[Record], outdir: str, options: ExportOptions
) -> ExportResult:
    """Write *records* with *exporter*'s tables, encoders and finish, atomically."""
    with OutputDir(outdir, overwrite=options.overwrite) as out:
        files = exporter.tables(out, options)
        posts, replies = write_lines(records, files, exporter.encoders(options))
        written = exporter.finish(out, posts, replies, options)
    return ExportResult(exporter.name, outdir, written, posts, replies)


def write_lines(
    records: Iterable[Record],
    files: tuple[IO[bytes], IO[bytes]],
    encoders: tuple[Encoder, Encoder],
) -> tuple[int, int]:
    """Write each record's line to the posts or the replies file; the two counts."""
    posts = replies = 0
    write_post, write_reply = files[0].write, files[1].write
    post_line, reply_line = encoders
    for record in records:
        if type(record) is Reply:  # the common case first, without isinstance
            write_reply(reply_line(record))
            replies += 1
        elif isinstance(record, Post):
            write_post(post_line(record))
            posts += 1
        else:
            write_reply(reply_line(record))
            replies += 1
    return posts, replies
