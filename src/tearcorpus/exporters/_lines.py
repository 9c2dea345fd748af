"""The loop of the line-oriented exporters (JSON Lines, CSV).

Such an exporter module is a :class:`tearcorpus.typing.LineExporter`; it provides, besides
what every exporter does:

- ``tables(out, options)``: opens ``posts`` and ``replies`` files in the
  :class:`~tearcorpus._atomic.OutputDir` (binary handles, headers written);
- ``encoders(options)``: the functions giving a post's and a reply's line as bytes;
- ``finish(out, posts, replies, options)``: the manifest and the commit; returns the
  files written.

:class:`LinesWriter` is the :class:`~tearcorpus.typing.PartWriter` of every such
module: records are encoded here, or, with ``--workers``, by the workers with the same
``encoders`` into part files that the writer appends in input order
(:meth:`LinesWriter.write_parts`), so both write the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from .._atomic import OutputDir, on_error
from ..model import Post, Record, Reply
from ..typing import Encoder, LineExporter
from ._base import ExportOptions, ExportResult, append_part

__all__ = ["LinesWriter", "write_lines"]


class LinesWriter:
    """An export of a line-oriented *exporter* into *outdir* (see the module docs)."""

    def __init__(self, exporter: LineExporter, outdir: str, options: ExportOptions) -> None:
        self.exporter = exporter
        self.outdir = outdir
        self.options = options
        self.counts = (0, 0)
        self.out = OutputDir(outdir, overwrite=options.overwrite)
        with on_error(self.out.abort):
            self.files = exporter.tables(self.out, options)
            self.encoders = exporter.encoders(options)

    def write(self, records: Iterable[Record]) -> None:
        posts, replies = write_lines(records, self.files, self.encoders)
        self.counts = (self.counts[0] + posts, self.counts[1] + replies)

    def write_parts(self, parts: tuple[str, str], counts: tuple[int, int]) -> None:
        for handle, part in zip(self.files, parts, strict=True):
            append_part(handle, part)
        self.counts = (self.counts[0] + counts[0], self.counts[1] + counts[1])

    def close(self) -> ExportResult:
        posts, replies = self.counts
        with on_error(self.abort):
            written = self.exporter.finish(self.out, posts, replies, self.options)
        return ExportResult(self.exporter.name, self.outdir, written, posts, replies)

    def abort(self) -> None:
        self.out.abort()


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
