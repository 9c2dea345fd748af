"""Reading a yt-dlp info.json for :mod:`tearcorpus.parsers.ytdlp`: the whole document,
or, for a plain local UTF-8 file, the document without its ``comments`` list and that list
in pieces of about a megabyte (:class:`_Pieces`), so that a file of a million comments is
never held as Python objects all at once."""

from __future__ import annotations

import contextlib
import mmap
import re
import secrets
from collections.abc import Iterator
from typing import Final

import orjson
from attrs import define

from .._io import _BOM, map_plain
from .._read import load_json
from ..errors import ParseError
from ..model import JsonValue
from ._base import ParseContext


def _load(ctx: ParseContext) -> JsonValue:
    """The whole document: for a plain local UTF-8 file, parsed from a read-only memory
    map of it (:func:`~tearcorpus._io.map_plain`); for anything else, and for a document
    orjson refuses, :func:`~tearcorpus._read.load_json`, which names the line of an error.

    Mapped, the file's bytes are not copied into fresh memory first: at 686 MB that is
    some 160,000 fewer page faults and 0.3-0.5 s less system time.
    """
    mapped = map_plain(ctx.source, ctx.encoding)
    if mapped is not None:
        with mapped:
            info = _load_mapped(mapped)
        if info is not None:  # a null document is read again below: the same null
            return info
    return load_json(ctx.source, encoding=ctx.encoding, limits=ctx.limits)


def _body(mapped: mmap.mmap) -> int:
    """Where the document in *mapped* starts: after a UTF-8 BOM, if any."""
    return len(_BOM) if mapped[: len(_BOM)] == _BOM else 0


def _load_mapped(mapped: mmap.mmap) -> JsonValue:
    """The document in *mapped*, or ``None`` when orjson refuses it."""
    try:
        with memoryview(mapped)[_body(mapped) :] as body:
            document: JsonValue = orjson.loads(body)
            return document
    except orjson.JSONDecodeError:
        return None


#: A top-level ``"comments": [`` (the key, JSON whitespace, the colon, the bracket).
_COMMENTS_KEY: Final = re.compile(rb'"comments"[ \t\n\r]*:[ \t\n\r]*\[')
#: Where an object element of a list may end: ``}``, whitespace, then ``,`` or ``]``.
_ELEMENT_END: Final = re.compile(rb"\}[ \t\n\r]*[,\]]")
#: How far apart the comments array is cut (bytes, at least).
_PIECE_SIZE: Final = 1 << 20


@define
class _Pieces:
    """The ``comments`` array of a memory-mapped info.json, cut between elements into
    runs of about :data:`_PIECE_SIZE` bytes, and the document without it (*info*, whose
    ``comments`` is a placeholder string).

    The pieces are parsed once to find the cuts and once more, one at a time, by
    :meth:`lists`: at a million comments, some 3 GB of dicts never live at once.
    """

    _mapped: mmap.mmap
    _view: memoryview
    info: dict[str, JsonValue]
    _bounds: list[tuple[int, int]]

    def lists(self, ctx: ParseContext) -> Iterator[list[JsonValue]]:
        """The comments, piece by piece: lists that add up to the array."""
        for start, end in self._bounds:
            try:
                items = _parse_piece(self._view, start, end)
            except ValueError:  # orjson.JSONDecodeError included
                items = None
            if items is None:  # parsed a moment ago: changed by another process since
                raise ParseError(ctx.source, "the file changed while it was read")
            _unmap(self._mapped, start, end)
            yield items

    def close(self) -> None:
        self._view.release()
        self._mapped.close()


def _parse_piece(view: memoryview, start: int, end: int) -> list[JsonValue] | None:
    """``view[start:end]`` parsed as the items of a list nested as deep as the comments
    of an info.json (so orjson's depth limit is met the same way): their list, or
    ``None`` when those bytes are not exactly a run of complete JSON values."""
    with view[start:end] as part:
        text = b"".join((b"[[", part, b"]]"))
    outer: JsonValue = orjson.loads(text)
    if type(outer) is list and len(outer) == 1 and type(outer[0]) is list:
        return outer[0]
    return None  # the bytes closed the list and opened another: no run of values


_DONTNEED: Final = getattr(mmap, "MADV_DONTNEED", None)


def _unmap(mapped: mmap.mmap, start: int, end: int) -> None:
    """Let go of the whole pages of *mapped* from the one holding byte *start* to the one
    before byte *end*'s (read again from the page cache if touched): the file does not
    pile up in the process's memory."""
    first = start - start % mmap.PAGESIZE
    last = end - end % mmap.PAGESIZE
    if _DONTNEED is not None and last > first:
        with contextlib.suppress(OSError):
            mapped.madvise(_DONTNEED, first, last - first)


def _open_pieces(ctx: ParseContext, piece_size: int = _PIECE_SIZE) -> _Pieces | None:
    """The comments of a plain local UTF-8 file in pieces, or ``None`` when it is no
    such file or any check fails: then the whole document is read as before, so every
    error stays what it was."""
    mapped = map_plain(ctx.source, ctx.encoding)
    if mapped is None:
        return None
    view = memoryview(mapped)
    found = None
    try:
        found = _split(mapped, view, _body(mapped), piece_size)
    finally:
        if found is None:
            view.release()
            mapped.close()
    return None if found is None else _Pieces(mapped, view, *found)


def _split(
    mapped: mmap.mmap, view: memoryview, begin: int, piece_size: int = _PIECE_SIZE
) -> tuple[dict[str, JsonValue], list[tuple[int, int]]] | None:
    """The document in *mapped* (from byte *begin*; *view* is a view of it) without its
    top-level ``comments`` array, and the ``(start, end)`` byte ranges of that array's
    pieces; ``None`` when the document is not one whose top-level ``comments`` is an
    array that splits so.

    Sound whatever the bytes: each piece must parse as a run of complete values (a
    non-empty one unless it is the whole, empty, array), consecutive pieces are
    separated by one comma, the last ends at a ``]``, and the bytes before the array,
    a random string literal, and the bytes after it must parse as an object whose
    top-level ``comments`` is that string. Then the whole document is valid JSON and
    parses to that object with the pieces' items as ``comments``, at the same depths.
    """
    for match in _COMMENTS_KEY.finditer(mapped, begin):
        quote = match.start()
        slashes = 0
        while quote - slashes - 1 >= begin and mapped[quote - slashes - 1] == 0x5C:
            slashes += 1
        if slashes % 2 == 0:  # an escaped quote is in a string: take the next
            break
    else:
        return None
    bounds = _cut(mapped, view, match.end(), piece_size)
    if bounds is None:
        return None
    placeholder = "tearcorpus-" + secrets.token_hex(16)
    with view[begin : match.end() - 1] as head, view[bounds[-1][1] + 1 :] as tail:
        text = b"".join((head, b'"', placeholder.encode(), b'"', tail))
    try:
        info: JsonValue = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if type(info) is not dict or info.get("comments") != placeholder:
        return None  # the key was not the top-level one, or is repeated
    return info, bounds


def _cut(
    mapped: mmap.mmap, view: memoryview, start: int, piece_size: int = _PIECE_SIZE
) -> list[tuple[int, int]] | None:
    """The pieces of the array whose items start at byte *start*: see :func:`_split`.

    A piece runs to the first possible object end *piece_size* bytes or more on;
    when it does not parse but ends well (the cut was inside a string or a nested
    value), it runs twice as far, and so on; when orjson stops inside it, the array
    may have ended before: the piece runs to the last ``]`` before that point.
    """
    bounds: list[tuple[int, int]] = []
    size = len(mapped)
    while True:
        reach = piece_size
        while True:
            found = _ELEMENT_END.search(mapped, start + reach)
            end = found.end() - 1 if found is not None else size
            try:
                items = _parse_piece(view, start, end)
            except orjson.JSONDecodeError as exc:
                if not exc.doc:
                    return None  # not UTF-8
                if exc.pos >= len(exc.doc) - 2:  # all the piece read: cut too early
                    if found is None:
                        return None  # the file ends inside the array
                    reach = max(2 * reach, end - start + 1)
                    continue
                stop = start + len(exc.doc[: exc.pos].encode(errors="surrogatepass")) - 2
                end = mapped.rfind(b"]", start, stop)
                if end < 0:
                    return None
                try:
                    items = _parse_piece(view, start, end)
                except orjson.JSONDecodeError:
                    return None
                if items is None or (not items and bounds):
                    return None
                bounds.append((start, end))
                return bounds
            if items is None or found is None:
                return None
            bounds.append((start, end))
            if mapped[end] == 0x5D:  # "]"
                return bounds
            _unmap(mapped, start, end)
            start = end + 1
            break
