"""Reading opened inputs: the head of a file, its bytes, text and lines, and JSON
documents, within the size limits of :class:`~tearcorpus._io.ReadLimits`, with errors that
name the file and line."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from functools import partial
from typing import IO, Final

import orjson

from ._io import (
    _BOM,
    _DEFAULT_LIMITS,
    _SKIP_CHUNK,
    HEAD_SIZE,
    READ_BUFFER,
    ReadLimits,
    open_binary,
)
from .errors import InputError, ParseError, RecordTooLargeError
from .model import JsonValue

__all__ = [
    "bom_encoding",
    "bounded_lines",
    "byte_size",
    "decode_text",
    "iter_binary_lines",
    "iter_text_lines",
    "lines_of",
    "load_json",
    "overlong",
    "read_bytes",
    "read_head",
    "skip_line",
    "too_large",
    "transcode_head",
]


def read_head(path: str, size: int = HEAD_SIZE) -> bytes:
    """The first *size* decompressed bytes of *path* (for format detection). A stream
    (``-``, a FIFO) is replayed from its start when the parser opens it next."""
    with open_binary(path) as stream:
        return stream.read(size)


def bom_encoding(head: bytes) -> str | None:
    """``utf-16``/``utf-32`` when *head* starts with their byte-order mark (Notepad's
    "Unicode"), else ``None`` (UTF-8, with or without BOM, is the default)."""
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def transcode_head(head: bytes, encoding: str) -> bytes:
    """*head* re-encoded as UTF-8 for format detection (undecodable bytes dropped)."""
    try:
        decoder = codecs.getincrementaldecoder(encoding)("ignore")
    except LookupError:
        return head
    return decoder.decode(head).encode("utf-8")


def read_bytes(path: str, limits: ReadLimits | None = None) -> bytes:
    """The whole decompressed content of *path*: one record (a JSON document).

    Raises :class:`~tearcorpus.errors.RecordTooLargeError` (at line 1, where the record
    starts) past ``limits.max_record_bytes``, having held no more than that."""
    limits = limits or _DEFAULT_LIMITS
    limit = limits.max_record_bytes
    chunks: list[bytes] = []
    total = 0
    with open_binary(path, limits) as stream:
        while chunk := stream.read(min(READ_BUFFER, limit + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                chunks.clear()
                raise RecordTooLargeError(path, limit, line=1)
    return b"".join(chunks)


def too_large(path: str, limits: ReadLimits, line: int) -> None:
    """Line *line* of *path* is longer than a record may be: tell ``limits.too_large``,
    or raise :class:`~tearcorpus.errors.RecordTooLargeError` without it."""
    if limits.too_large is None:
        raise RecordTooLargeError(path, limits.max_record_bytes, line=line)
    limits.too_large(line)


def skip_line(stream: IO[bytes]) -> None:
    """Read on to the end of the current line of *stream*, holding a chunk at a time."""
    while True:
        chunk = stream.readline(_SKIP_CHUNK)
        if not chunk or chunk.endswith(b"\n"):
            return


def bounded_lines(
    path: str, stream: IO[bytes], limits: ReadLimits | None = None, first: int = 1
) -> Iterator[tuple[int, bytes]]:
    """``(line_number, raw_line)`` of *stream*, numbered from *first*; a line longer than
    ``limits.max_record_bytes`` is never held whole: it is reported (see :func:`too_large`)
    and skipped, and reading goes on at the next line."""
    limits = limits or _DEFAULT_LIMITS
    limit = limits.max_record_bytes
    number = first - 1
    for raw in iter(partial(stream.readline, limit + 1), b""):
        number += 1
        if len(raw) > limit and not raw.endswith(b"\n"):
            too_large(path, limits, number)
            skip_line(stream)
            continue
        yield number, raw


def lines_of(stream: IO[bytes], limit: int) -> Iterator[bytes]:
    """The lines of *stream* as ``for line in stream`` gives them, each at most
    *limit* + 1 bytes (a longer line comes in pieces: check with :func:`overlong`)."""
    return iter(partial(stream.readline, limit + 1), b"")


def overlong(raw: bytes, limit: int) -> bool:
    """Whether *raw*, from :func:`lines_of`, is the start of a line past *limit* bytes."""
    return len(raw) > limit and not raw.endswith(b"\n")


def _decode_error(path: str, encoding: str, data: bytes, exc: UnicodeDecodeError) -> InputError:
    line = data.count(b"\n", 0, exc.start) + 1
    column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1)
    hint = (
        "pass --encoding to choose another (e.g. --encoding cp1252 or latin-1)"
        if encoding.replace("_", "-").lower().startswith("utf-8")
        else "pass another --encoding"
    )
    where = f"the first bad byte is 0x{data[exc.start]:02x}, at offset {column}"
    return InputError(
        path, f"bytes are not valid {encoding} (tried {encoding}); {hint}; {where}", line=line
    )


def decode_text(path: str, data: bytes, encoding: str | None = None) -> str:
    """Decode *data* read from *path*; UTF-8 (with or without BOM) unless told otherwise."""
    enc = encoding or "utf-8-sig"
    try:
        return data.decode(enc)
    except UnicodeDecodeError as exc:
        raise _decode_error(path, encoding or "utf-8", data, exc) from None
    except LookupError:
        raise InputError(path, f"unknown encoding {encoding!r}") from None


_LINE_BREAK: Final = re.compile(r"\r\n|\r|\n")


def iter_text_lines(
    path: str, encoding: str | None = None, limits: ReadLimits | None = None
) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, line)`` without line endings; LF, CRLF and lone CR all end a line.

    Decoding is per line, so an undecodable byte is reported at its own line. A line past
    ``limits.max_record_bytes`` is reported and skipped (see :func:`bounded_lines`).
    """
    enc = encoding or "utf-8-sig"
    try:
        info = codecs.lookup(enc)
    except LookupError:
        raise InputError(path, f"unknown encoding {encoding!r}") from None
    shown = encoding or "utf-8"
    if "\n".encode(info.name) != b"\n":  # UTF-16/32: bytes cannot be split on b"\n"
        text = decode_text(path, read_bytes(path, limits), encoding)
        yield from enumerate(_LINE_BREAK.split(text.removesuffix("\n")), 1)
        return
    decoder = info.incrementaldecoder("strict")
    number = 0
    pending = ""
    with open_binary(path, limits) as stream:
        for _, raw in bounded_lines(path, stream, limits):
            try:
                chunk = decoder.decode(raw)
            except UnicodeDecodeError:
                raise InputError(
                    path,
                    f"bytes are not valid {shown} (tried {shown}); pass --encoding to choose "
                    "another (e.g. --encoding cp1252 or latin-1)",
                    line=number + 1,
                ) from None
            parts = _LINE_BREAK.split(pending + chunk)
            pending = parts.pop()
            for part in parts:
                number += 1
                yield number, part
        if pending:
            yield number + 1, pending


def iter_binary_lines(path: str, limits: ReadLimits | None = None) -> Iterator[tuple[int, bytes]]:
    """Yield ``(line_number, raw_line)`` for newline-delimited formats, BOM stripped. A
    line past ``limits.max_record_bytes`` is reported and skipped (:func:`bounded_lines`)."""
    with open_binary(path, limits) as stream:
        for number, line in bounded_lines(path, stream, limits):
            if number == 1 and line.startswith(_BOM):
                line = line[len(_BOM) :]
            yield number, line


def load_json(
    path: str,
    data: bytes | None = None,
    encoding: str | None = None,
    limits: ReadLimits | None = None,
) -> JsonValue:
    """Parse a whole JSON document; errors name the file and line.

    Raises :class:`tearcorpus.errors.ParseError` for malformed JSON, and
    :class:`~tearcorpus.errors.RecordTooLargeError` for a document past
    ``limits.max_record_bytes``.
    """
    if data is None:
        data = read_bytes(path, limits)
    data = data.removeprefix(_BOM)
    if encoding is not None and encoding.replace("_", "-").lower() not in ("utf-8", "utf8"):
        data = decode_text(path, data, encoding).encode("utf-8")
    try:
        document: JsonValue = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if "not valid UTF-8" in str(exc) or "surrogates" in str(exc):
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as uexc:
                raise _decode_error(path, "utf-8", data, uexc) from None
        reason = f"invalid JSON: {exc.msg}"
        if exc.pos >= len(data.rstrip()):
            reason += " (the file looks truncated)"
        raise ParseError(path, reason, line=exc.lineno) from None
    return document


def byte_size(text: str) -> int:
    """Bytes from ``64MiB``, ``500MB``, ``2G``, ``1.5GiB`` or a plain number (``KiB``,
    ``MiB``, ``GiB`` are powers of 1024, ``KB``, ``MB``, ``GB`` of 1000); ``ValueError``
    for anything else or a size under one byte."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:([KMGT])(I)?)?B?\s*", text.upper())
    if match is None:
        raise ValueError(f"not a size: {text!r} (e.g. 64MiB, 500MB, 2GiB)")
    number, prefix, binary = match.groups()
    unit = 1 if prefix is None else (1024 if binary else 1000) ** ("KMGT".index(prefix) + 1)
    value = int(float(number) * unit)
    if value < 1:
        raise ValueError(f"not a size of at least one byte: {text!r}")
    return value
