"""tearcorpus's own CSV (``posts.csv`` / ``replies.csv`` written by ``convert --to csv``).

Detected from the header row. The reader parses RFC 4180 itself, because the standard
library's ``csv`` reader cannot tell an unquoted empty field (``None``) from a quoted one
(``""``); see :mod:`tearcorpus.exporters.csv` for the conventions. A file that starts
with a UTF-8 byte-order mark was written in Excel-safe mode: the ``'`` prefixes of its
text cells are removed. Files written before the ``created_at_precision`` column existed
are read too, with that field ``None``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from .._io import _BOM, open_binary
from .._read import bounded_lines
from ..errors import FormatError
from ..exporters.csv import decode_cells, header_line
from ..model import Record
from ..schema import POSTS, REPLIES, Column
from ..serialize import SCHEMA_TAG, from_dict
from ._base import ParseContext

__all__ = ["BINARY", "SPANS", "description", "name", "parse", "sniff", "split_fields"]

name = "tearcorpus-csv"
description = "tearcorpus CSV (posts.csv / replies.csv written by convert --to csv)"
BINARY = False
SPANS = False


def _before_precision(columns: tuple[Column, ...]) -> tuple[Column, ...]:
    """The columns of files written before ``created_at_precision`` was added."""
    return tuple(c for c in columns if c.name != "created_at_precision")


_HEADERS: Final = {
    header_line(POSTS).encode(): ("post", POSTS),
    header_line(REPLIES).encode(): ("reply", REPLIES),
    # Earlier files: read, their precision unknown (None).
    header_line(_before_precision(POSTS)).encode(): ("post", _before_precision(POSTS)),
    header_line(_before_precision(REPLIES)).encode(): ("reply", _before_precision(REPLIES)),
}
_FIELD: Final = re.compile(r'"((?:[^"]|"")*)"|([^,"]*)', re.DOTALL)


def sniff(head: bytes, path: str) -> int:
    head = head.removeprefix(_BOM)
    for header in _HEADERS:
        if head.startswith(header) or head.startswith(header.replace(b"\r\n", b"\n")):
            return 100
    return 0


def split_fields(row: str) -> list[str | None]:
    """The fields of one CSV record (without its line end); ``None`` for an unquoted
    empty field, ``""`` for a quoted one. Raises ``ValueError`` for malformed quoting."""
    fields: list[str | None] = []
    pos, end = 0, len(row)
    while True:
        match = _FIELD.match(row, pos)
        assert match is not None  # the second branch matches the empty string
        quoted, bare = match.groups()
        fields.append(bare or None if quoted is None else quoted.replace('""', '"'))
        pos = match.end()
        if pos == end:
            return fields
        if row[pos] != ",":
            raise ValueError(f"unexpected character {row[pos]!r} after field {len(fields)}")
        pos += 1
        if pos == end:
            fields.append(None)
            return fields


def parse(ctx: ParseContext) -> Iterator[Record]:
    limit = ctx.max_record_bytes
    with open_binary(ctx.source, ctx.limits) as stream:
        first = stream.readline(limit + 1)
        excel_safe = first.startswith(_BOM)
        first = first.removeprefix(_BOM)
        known = _HEADERS.get(first) or _HEADERS.get(first.replace(b"\n", b"\r\n"))
        if known is None:
            raise FormatError(
                ctx.source, "the header row is not that of a tearcorpus posts.csv or replies.csv"
            )
        kind, columns = known
        pending: list[bytes] = []
        size = 0  # of the row in ``pending``; past the limit it is dropped, not held
        quotes = 0
        start = 0
        skipping = False
        for number, raw in bounded_lines(ctx.source, stream, ctx.limits, first=2):
            if not pending and not skipping:
                start = number
            quotes += raw.count(b'"')
            if not skipping:
                pending.append(raw)
                size += len(raw)
                if size > limit:
                    ctx.reject_too_large(start)
                    pending.clear()
                    skipping = True
            if quotes % 2:
                continue  # inside a quoted field that spans lines
            data = b"".join(pending)
            data = data[:-2] if data.endswith(b"\r\n") else data.removesuffix(b"\n")
            pending.clear()
            size = quotes = 0
            if skipping:
                skipping = False
                continue
            if not data:
                continue
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                ctx.reject("invalid-encoding", f"not UTF-8: {exc.reason}", line=start)
                continue
            try:
                cells = split_fields(text)
            except ValueError as exc:
                ctx.reject("malformed-row", f"malformed CSV row: {exc}", line=start)
                continue
            if len(cells) != len(columns):
                ctx.reject(
                    "wrong-field-count",
                    f"expected {len(columns)} fields, found {len(cells)}",
                    line=start,
                )
                continue
            try:
                values = decode_cells(cells, columns, excel_safe=excel_safe)
                record = from_dict({"schema": SCHEMA_TAG, "kind": kind, **values})
            except ValueError as exc:
                ctx.reject("invalid-record", str(exc), line=start)
                continue
            yield record
        if pending:
            ctx.reject(
                "truncated-row",
                "a quoted field is not closed before the end of the file (truncated?)",
                line=start,
            )
