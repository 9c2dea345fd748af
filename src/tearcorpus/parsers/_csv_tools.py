"""Shared pieces of the parsers for YouTube comment CSV exports (``ytdt``, ``ytcomments``).

Rows are read with the stdlib :mod:`csv` module from text decoded line by line, so an
undecodable byte is reported at its own line, and every row is located at the physical
line where it starts (quoted newlines span several lines). The exports hold no video
id: :func:`parse_export` takes it from the ``video_id`` option or the file name and
yields the placeholder post the corpus replaces with a real one when it is read too.
"""

from __future__ import annotations

import codecs
import csv
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import PurePosixPath
from typing import Final

from .._io import _BOM, open_binary
from .._read import bounded_lines, decode_text, read_bytes
from ..errors import InputError, ParseError
from ..model import Record, Reply
from ._base import ParseContext
from ._common import CommentIds, csv_rows
from .ycd import _LINE_PART, _SEPARATORS, _VIDEO_ID, _video_post, video_id_from_name

__all__ = ["count", "header_matches", "parse_export", "read_rows"]

_SUFFIXES: Final = (".gz", ".bz2", ".xz", ".zst", ".csv", ".txt", ".tsv")


def header_matches(head: bytes, header: Sequence[str]) -> bool:
    """Whether the first line of *head* (after an optional BOM) is exactly *header*."""
    first = head.removeprefix(_BOM).split(b"\n", 1)[0].removesuffix(b"\r")
    try:
        text = first.decode("utf-8")
        cells = next(csv.reader([text]), [])
    except (UnicodeDecodeError, csv.Error):
        return False
    return cells == list(header)


def _id_inside_name(path: str) -> str | None:
    """An 11-character id between separators anywhere in the name
    (``videoinfo_BaW_jenozKc_2025_06_01-12_00_00_comments.csv``) that mixes upper and
    lower case, as random ids nearly always do (``00_comments`` does not)."""
    name = PurePosixPath(path.replace("\\", "/")).name
    for start in range(len(name) - 10):
        end = start + 11
        if start > 0 and name[start - 1] not in _SEPARATORS:
            continue
        if end < len(name) and name[end] not in _SEPARATORS:
            continue
        candidate = name[start:end]
        if (
            _VIDEO_ID.fullmatch(candidate)
            and any(c.isupper() for c in candidate)
            and any(c.islower() for c in candidate)
        ):
            return candidate
    return None


def count(value: str) -> int | None:
    """A non-negative integer cell; ``None`` for an empty cell.

    Raises :class:`ValueError` for anything else.
    """
    text = value.strip()
    if not text:
        return None
    if not text.isdecimal():
        raise ValueError(f"not a count: {value!r}")
    return int(text)


def _lines(ctx: ParseContext) -> Iterator[str]:
    """The input's text, one physical line at a time with its line ending."""
    encoding = ctx.encoding or "utf-8-sig"
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise InputError(ctx.source, f"unknown encoding {ctx.encoding!r}") from None
    if "\n".encode(info.name) != b"\n":  # UTF-16/32: bytes cannot be split on b"\n"
        text = decode_text(ctx.source, read_bytes(ctx.source, ctx.limits), ctx.encoding)
        yield from _LINE_PART.findall(text.removeprefix("\ufeff"))
        return
    decoder = info.incrementaldecoder("strict")
    shown = ctx.encoding or "utf-8"
    number = 0
    pending = ""
    with open_binary(ctx.source, ctx.limits) as stream:
        for _, raw in bounded_lines(ctx.source, stream, ctx.limits):
            try:
                chunk = decoder.decode(raw)
            except UnicodeDecodeError:
                raise InputError(
                    ctx.source,
                    f"bytes are not valid {shown} (tried {shown}); pass --encoding to choose "
                    "another (e.g. --encoding cp1252 or latin-1)",
                    line=number + 1,
                ) from None
            parts = _LINE_PART.findall(pending + chunk)
            # A trailing lone CR may be the first half of a CRLF split across reads.
            pending = parts.pop() if parts and not parts[-1].endswith("\n") else ""
            for part in parts:
                number += 1
                yield part
        try:
            pending += decoder.decode(b"", True)
        except UnicodeDecodeError:
            raise InputError(
                ctx.source,
                f"bytes are not valid {shown} (the file ends inside a character); "
                "pass --encoding to choose another",
                line=number + 1,
            ) from None
        yield from _LINE_PART.findall(pending)


def read_rows(
    ctx: ParseContext, expected: Sequence[str], what: str
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line, row)`` for each data row of a CSV whose header has the *expected*
    columns (in any order; unknown extra columns are kept in the row).

    A row with the wrong number of fields or unreadable CSV is rejected with the line it
    starts on; blank rows are skipped. Raises :class:`ParseError` when the header lacks
    an expected column (*what* names the export in the message).
    """
    reader = csv.reader(_lines(ctx))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ParseError(ctx.source, f"unreadable CSV header: {exc}", line=1) from None
    if header is None:
        raise ParseError(ctx.source, f"no CSV header; not a {what}", line=1)
    header = [column.removeprefix("\ufeff").strip() for column in header]
    missing = [column for column in expected if column not in header]
    if missing:
        raise ParseError(
            ctx.source,
            f"the CSV header lacks {', '.join(missing)}; not a {what}",
            line=1,
        )
    for line, row in csv_rows(ctx, reader):
        if not row or (row == [""] * len(row) and len(row) < len(header)):
            continue
        if len(row) != len(header):
            ctx.reject(
                "invalid-row", f"row has {len(row)} fields, the header {len(header)}", line=line
            )
            continue
        yield line, dict(zip(header, row, strict=True))


class CommentRows(CommentIds):
    """Comment ids and parents of one export, and the replies of each of its rows."""

    def replies(self, line: int, row: dict[str, str]) -> Iterable[Reply]:
        """The replies of one row (none for a rejected row)."""
        raise NotImplementedError


def parse_export(
    ctx: ParseContext,
    header: Sequence[str],
    what: str,
    comments: Callable[[str], CommentRows],
) -> Iterator[Record]:
    """The placeholder post, then the replies of every row, in order.

    The header is checked before anything is yielded, so a file that is not this export
    yields no records at all.
    """
    post = _video_post(
        ctx, _id_inside_name(ctx.source) or video_id_from_name(ctx.source), _SUFFIXES
    )
    rows = read_rows(ctx, header, what)
    first = next(rows, None)
    yield post
    state = comments(post.id)
    for line, row in rows if first is None else itertools.chain([first], rows):
        yield from state.replies(line, row)
    state.finish()
