"""Byte ranges of one line-oriented file, read as independent shards.

A large uncompressed NDJSON file (a decompressed Pushshift month) is cut into ranges that
start and end on line boundaries, so that several worker processes can each parse one.
A range knows the number of its first line, so records keep the line numbers a
one-process read gives them.
"""

from __future__ import annotations

import io
import itertools
from typing import IO, TYPE_CHECKING, Final

from attrs import frozen

from ._io import plain_size

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = [
    "MIN_SPAN_BYTES",
    "Span",
    "count_lines",
    "cuttable",
    "open_span",
    "plan_spans",
]

#: Files smaller than this are not cut (a worker's start-up costs more than it saves).
MIN_SPAN_BYTES: Final = 16 * 1024 * 1024
#: Ranges per worker: more, smaller ranges balance the workers and let the parent start
#: on the first ranges' output while the workers parse the next.
SPANS_PER_WORKER: Final = 4
_CHUNK: Final = 1 << 23
_SCAN: Final = 1 << 16


@frozen
class Span:
    """Bytes ``[start, end)`` of a file; both ends fall on line starts (or the file end)."""

    start: int
    end: int


def cuttable(path: str, parts: int, min_bytes: int | None = None) -> bool:
    """Whether *path* is worth cutting into *parts* ranges: a local, uncompressed file of
    at least two ranges of *min_bytes* (by default :data:`MIN_SPAN_BYTES`). Cheap: the
    size and the first bytes only."""
    return _size_to_cut(path, parts, min_bytes) is not None


def _size_to_cut(path: str, parts: int, min_bytes: int | None) -> int | None:
    """The size of *path* when :func:`cuttable` says yes, else ``None``."""
    size = plain_size(path)
    if min_bytes is None:
        min_bytes = MIN_SPAN_BYTES
    if size is None or parts < 2 or size < 2 * min_bytes:
        return None
    return size


def plan_spans(path: str, parts: int, min_bytes: int | None = None) -> list[Span] | None:
    """*path* cut into at most *parts* ranges on line boundaries, or ``None`` when it is
    not worth cutting (see :func:`cuttable`) or has no line boundary to cut at."""
    if min_bytes is None:
        min_bytes = MIN_SPAN_BYTES
    size = _size_to_cut(path, parts, min_bytes)
    if size is None:
        return None
    parts = min(parts, size // min_bytes)
    cuts = [0]
    with open(path.removeprefix("file://"), "rb", buffering=0) as handle:
        for index in range(1, parts):
            cut = _line_start(handle, max(size * index // parts - 1, cuts[-1]))
            if cut is None:
                break
            if cut > cuts[-1]:
                cuts.append(cut)
    cuts.append(size)
    spans = [Span(a, b) for a, b in itertools.pairwise(cuts) if b > a]
    return spans if len(spans) > 1 else None


def _line_start(handle: IO[bytes], offset: int) -> int | None:
    """The offset of the first line start after byte *offset* of *handle*, or ``None``
    when no newline follows it (found in small reads: a file of one long line, such as
    a JSON document, is not read into memory)."""
    handle.seek(offset)
    while chunk := handle.read(_SCAN):
        found = chunk.find(b"\n")
        if found >= 0:
            return offset + found + 1
        offset += len(chunk)
    return None


def count_lines(path: str, span: Span) -> int:
    """How many newlines bytes ``[span.start, span.end)`` of *path* hold."""
    count = 0
    left = span.end - span.start
    # One buffer read into again and again: a fresh bytes object per read costs page
    # faults (about a fifth of the time over a 1.26 GB file).
    buffer = bytearray(min(_CHUNK, max(left, 0)))
    view = memoryview(buffer)
    with open(path.removeprefix("file://"), "rb", buffering=0) as handle:
        handle.seek(span.start)
        while left > 0:
            got = handle.readinto(view[: min(len(buffer), left)])
            if not got:
                break
            count += buffer.count(b"\n", 0, got)
            left -= got
    return count


class _RangeReader(io.RawIOBase):
    """Raw reads of a file that end at a byte offset."""

    def __init__(self, raw: io.FileIO, end: int) -> None:
        self._raw = raw
        self._left = end - raw.tell()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        if self._left <= 0:
            return 0
        view = memoryview(buffer).cast("B")
        got = self._raw.readinto(view[: min(len(view), self._left)]) or 0
        self._left -= got
        return got

    def close(self) -> None:
        self._raw.close()
        super().close()


def open_span(path: str, span: Span) -> IO[bytes]:
    """Bytes ``[span.start, span.end)`` of *path* as a buffered binary stream (iterate it
    for its lines)."""
    raw = open(path.removeprefix("file://"), "rb", buffering=0)  # noqa: SIM115 - returned
    raw.seek(span.start)
    return io.BufferedReader(_RangeReader(raw, span.end), buffer_size=1 << 20)
