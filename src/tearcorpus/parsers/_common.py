"""Small helpers every parser needs: epoch times, JSON type names, JSON lines."""

from __future__ import annotations

import csv
from collections.abc import Generator, Iterable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import orjson

from .._io import is_utf8
from .._read import iter_binary_lines, iter_text_lines
from ..model import JsonValue
from ._base import ParseContext

if TYPE_CHECKING:
    import _csv

__all__ = [
    "csv_rows",
    "epoch_to_utc",
    "invalid_json_reason",
    "json_lines",
    "json_type",
    "reject_invalid_json",
    "utf8_lines",
]


def epoch_to_utc(value: object, *, strings: bool = True) -> datetime | None:
    """Seconds since the epoch (int, float, or with *strings* a numeric string) as an
    aware UTC datetime; ``None`` when the value is not one or is out of range."""
    if isinstance(value, bool):
        return None
    number: float
    if isinstance(value, int | float):
        number = value
    elif strings and isinstance(value, str):
        text = value.strip()
        try:
            number = int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                return None
    else:
        return None
    try:
        return datetime.fromtimestamp(number, UTC)
    except (OverflowError, OSError, ValueError):  # out of range, infinite, NaN
        return None


def json_type(value: object) -> str:
    """The JSON name of a parsed value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def utf8_lines(ctx: ParseContext) -> Generator[tuple[int, bytes], None, None]:
    """``(line_number, raw_line)`` of ``ctx.source`` as UTF-8 bytes: read as they are when
    the input's encoding is UTF-8, else decoded per line in ``ctx.encoding`` and encoded
    again (with the newline the decoding took off). A line past the record size limit
    is reported and skipped."""
    if is_utf8(ctx.encoding):
        yield from iter_binary_lines(ctx.source, ctx.limits)
        return
    for number, text in iter_text_lines(ctx.source, ctx.encoding, ctx.limits):
        yield number, text.encode("utf-8", "surrogatepass") + b"\n"


def json_lines(
    ctx: ParseContext, lines: Iterable[tuple[int, bytes]]
) -> Iterator[tuple[int, JsonValue]]:
    """``(line_number, value)`` for every non-blank line that is valid JSON; the others
    are rejected through *ctx* as ``invalid-json``, located by line."""
    loads = orjson.loads
    for number, raw in lines:
        if not raw.strip():
            continue
        try:
            value: JsonValue = loads(raw)
        except orjson.JSONDecodeError as exc:
            reject_invalid_json(ctx, number, raw, exc)
            continue
        yield number, value


def invalid_json_reason(raw: bytes | str, exc: orjson.JSONDecodeError) -> str:
    """What is wrong with the JSON line *raw*, for a reader: the first byte that is not
    UTF-8 and where, rather than orjson's "surrogates not allowed"."""
    if isinstance(raw, bytes) and ("UTF-8" in exc.msg or "surrogate" in exc.msg):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as bad:
            return f"invalid UTF-8 (byte 0x{raw[bad.start]:02x} at offset {bad.start})"
    cut = isinstance(raw, bytes) and not raw.endswith(b"\n")
    truncated = " (the line looks truncated)" if cut else ""
    return f"invalid JSON: {exc.msg}{truncated}"


def reject_invalid_json(
    ctx: ParseContext, number: int, raw: bytes, exc: orjson.JSONDecodeError
) -> None:
    """Reject line *number* (*raw*) of a JSON-lines input as ``invalid-json``, or as
    ``invalid-utf8`` when its bytes are not UTF-8."""
    reason = invalid_json_reason(raw, exc)
    kind = "invalid-utf8" if reason.startswith("invalid UTF-8") else "invalid-json"
    ctx.reject(kind, reason, line=number)


def csv_rows(ctx: ParseContext, reader: _csv.Reader) -> Iterator[tuple[int, list[str]]]:
    """``(line, row)`` for each row *reader* reads, with the line the row starts on;
    unreadable CSV is rejected as ``invalid-row`` at its line, and reading goes on."""
    previous = reader.line_num
    while True:
        try:
            row = next(reader, None)
        except csv.Error as exc:
            ctx.reject("invalid-row", f"unreadable CSV row: {exc}", line=previous + 1)
            previous = reader.line_num
            continue
        if row is None:
            return
        line = previous + 1
        previous = reader.line_num
        yield line, row


class CommentIds:
    """What one dump has shown so far: comment ids (for repeats) and parents named."""

    def __init__(self, ctx: ParseContext, post_id: str) -> None:
        self.ctx = ctx
        self.post_id = post_id
        self.seen: set[str] = set()
        self.parents: set[str] = set()

    def claim(
        self, cid: str, parent: str | None, *, line: int | None, index: int | None = None
    ) -> bool:
        """Record comment *cid*; ``False`` (and a counted drop) when it repeats one."""
        if cid in self.seen:
            self.ctx.drop(
                "duplicate-comment",
                f"comment {cid!r} repeats an earlier one",
                line=line,
                index=index,
            )
            return False
        self.seen.add(cid)
        if parent is not None:
            self.parents.add(parent)
        return True

    def finish(self) -> None:
        """Note replies whose parent never appeared in the dump."""
        orphans = len(self.parents - self.seen)
        if orphans:
            self.ctx.note("orphan-reply", orphans)
