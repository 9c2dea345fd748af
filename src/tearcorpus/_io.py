"""Opening inputs: local or fsspec paths, decompressed by content, with clear errors."""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import lzma
import mmap
import os
import re
from collections.abc import Iterator
from typing import IO, Any, Final, Protocol, cast

import orjson

from .errors import InputError, MissingDependencyError

__all__ = [
    "decode_text",
    "is_remote",
    "iter_binary_lines",
    "iter_text_lines",
    "load_json",
    "map_plain",
    "open_binary",
    "plain_size",
    "read_bytes",
    "read_head",
]

#: Real Pushshift / Arctic Shift months are compressed with a 2 GiB window.
ZSTD_MAX_WINDOW: Final = 2**31
HEAD_SIZE: Final = 64 * 1024
#: Local files are read 1 MiB at a time (Python's default is the file system's block,
#: 4 KiB here: 31,000 read calls for 126 MB instead of 565).
READ_BUFFER: Final = 1 << 20
_BOM: Final = codecs.BOM_UTF8

_MAGIC: Final = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bz2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
)


def is_utf8(encoding: str | None) -> bool:
    """Whether text in *encoding* (``None``: the default, UTF-8 with or without BOM) can be
    read as UTF-8 bytes as they are."""
    if encoding is None:
        return True
    return encoding.replace("_", "-").lower() in ("utf-8", "utf8", "utf-8-sig", "utf8-sig")


def is_remote(path: str) -> bool:
    """True for fsspec URLs (``s3://``, ``https://`` ...), false for local paths."""
    return "://" in path and not path.startswith("file://")


def _open_raw(path: str) -> IO[bytes]:
    if is_remote(path):
        try:
            import fsspec
        except ImportError:
            raise MissingDependencyError("reading remote paths", "remote", "fsspec") from None
        try:
            handle: IO[bytes] = fsspec.open(path, "rb").open()
        except FileNotFoundError:
            raise InputError(path, "no such file") from None
        except (OSError, ValueError) as exc:
            raise InputError(path, f"cannot open: {exc}") from None
        return handle
    local = path.removeprefix("file://")
    if not os.path.exists(local):
        raise InputError(path, "no such file")
    if os.path.isdir(local):
        raise InputError(path, "is a directory; give the files inside it (e.g. DIR/*.json)")
    try:
        return open(local, "rb", buffering=READ_BUFFER)
    except PermissionError:
        raise InputError(path, "permission denied") from None
    except OSError as exc:
        raise InputError(path, f"cannot open: {exc.strerror or exc}") from None


def _compression(magic: bytes) -> str | None:
    for prefix, name in _MAGIC:
        if magic.startswith(prefix):
            return name
    return None


def plain_size(path: str) -> int | None:
    """The size of *path* when it is a local, non-empty, uncompressed file, else ``None``."""
    if is_remote(path):
        return None
    try:
        with open(path.removeprefix("file://"), "rb") as handle:
            magic = handle.read(8)
            size = os.fstat(handle.fileno()).st_size
    except OSError:
        return None  # the reader reports it, with its own message
    if not magic or _compression(magic) is not None:
        return None
    return size


def map_plain(path: str, encoding: str | None) -> mmap.mmap | None:
    """A read-only memory map of *path* when it is a local, non-empty, uncompressed file
    whose text can be read as UTF-8 bytes (see :func:`is_utf8`), else ``None``.

    As with any memory map, a file cut short by another process while it is mapped ends
    the process with SIGBUS when the lost bytes are touched."""
    if not is_utf8(encoding) or plain_size(path) is None:
        return None
    try:
        with open(path.removeprefix("file://"), "rb") as handle:
            return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):  # not a regular file, or emptied since
        return None


def open_binary(path: str) -> IO[bytes]:
    """Open *path* for reading bytes, decompressing gzip, bz2, xz or zstd by content.

    Raises :class:`InputError` for a missing path, a directory or an empty file.
    """
    raw = _open_raw(path)
    buffered = (
        raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(cast(io.RawIOBase, raw))
    )
    magic = buffered.peek(8)[:8]
    if not magic:
        buffered.close()
        raise InputError(path, "is empty")
    kind = _compression(magic)
    stream: _Readable
    if kind is None:
        return buffered
    if kind == "gzip":
        stream = gzip.GzipFile(fileobj=buffered, mode="rb")
    elif kind == "bz2":
        stream = bz2.BZ2File(buffered, mode="rb")
    elif kind == "xz":
        stream = lzma.LZMAFile(buffered, mode="rb")  # noqa: SIM115 - returned to the caller
    else:
        try:
            import zstandard
        except ImportError:
            buffered.close()
            raise MissingDependencyError("reading .zst inputs", "zstd", "zstandard") from None
        stream = _ZstdFrames(buffered, zstandard.ZstdDecompressor(max_window_size=ZSTD_MAX_WINDOW))
    return io.BufferedReader(_Guarded(stream, path, kind), buffer_size=1 << 20)


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...
    def close(self) -> None: ...


class _ZstdFrames:
    """Decompresses every zstd frame in turn, and says so when the last one is cut off
    (zstandard's own stream reader ends quietly on a truncated frame)."""

    def __init__(self, raw: io.BufferedReader, dctx: Any) -> None:
        self._raw = raw
        self._dctx = dctx
        self._obj = dctx.decompressobj()
        self._pending = b""

    def read(self, size: int = -1, /) -> bytes:
        want = size if size > 0 else 1 << 20
        while len(self._pending) < want:
            chunk = self._raw.read(1 << 17)
            if not chunk:
                if not self._obj.eof and self._started:
                    raise EOFError("the last zstd frame is incomplete")
                break
            self._started = True
            if self._obj.eof:  # the previous frame ended exactly at a chunk boundary
                self._obj = self._dctx.decompressobj()
            out = self._obj.decompress(chunk)
            while self._obj.eof and self._obj.unused_data:
                rest = self._obj.unused_data
                self._obj = self._dctx.decompressobj()
                out += self._obj.decompress(rest)
            self._pending += out
        data, self._pending = self._pending[:want], self._pending[want:]
        return data

    _started = False

    def close(self) -> None:
        self._raw.close()


class _Guarded(io.RawIOBase):
    """Turns decompression failures into :class:`InputError` naming the file."""

    def __init__(self, inner: _Readable, path: str, kind: str) -> None:
        self._inner = inner
        self._path = path
        self._kind = kind

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self._inner.read(len(buffer))
        except (OSError, EOFError, lzma.LZMAError, ValueError) as exc:
            raise InputError(self._path, f"corrupt or truncated {self._kind} data: {exc}") from None
        except Exception as exc:  # zstandard.ZstdError is not an OSError
            raise InputError(self._path, f"corrupt or truncated {self._kind} data: {exc}") from None
        n = len(data)
        buffer[:n] = data
        return n

    def close(self) -> None:
        self._inner.close()
        super().close()


def read_head(path: str, size: int = HEAD_SIZE) -> bytes:
    """The first *size* decompressed bytes of *path* (for format detection)."""
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


def read_bytes(path: str) -> bytes:
    """The whole decompressed content of *path*."""
    with open_binary(path) as stream:
        return stream.read()


def _decode_error(path: str, encoding: str, data: bytes, exc: UnicodeDecodeError) -> InputError:
    line = data.count(b"\n", 0, exc.start) + 1
    hint = (
        "pass --encoding to choose another (e.g. --encoding cp1252 or latin-1)"
        if encoding.replace("_", "-").lower().startswith("utf-8")
        else "pass another --encoding"
    )
    return InputError(path, f"bytes are not valid {encoding} (tried {encoding}); {hint}", line=line)


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


def iter_text_lines(path: str, encoding: str | None = None) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, line)`` without line endings; LF, CRLF and lone CR all end a line.

    Decoding is per line, so an undecodable byte is reported at its own line.
    """
    enc = encoding or "utf-8-sig"
    try:
        info = codecs.lookup(enc)
    except LookupError:
        raise InputError(path, f"unknown encoding {encoding!r}") from None
    shown = encoding or "utf-8"
    if "\n".encode(info.name) != b"\n":  # UTF-16/32: bytes cannot be split on b"\n"
        text = decode_text(path, read_bytes(path), encoding)
        yield from enumerate(_LINE_BREAK.split(text.removesuffix("\n")), 1)
        return
    decoder = info.incrementaldecoder("strict")
    number = 0
    pending = ""
    with open_binary(path) as stream:
        for raw in stream:
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


def iter_binary_lines(path: str) -> Iterator[tuple[int, bytes]]:
    """Yield ``(line_number, raw_line)`` for newline-delimited formats, BOM stripped."""
    with open_binary(path) as stream:
        for number, line in enumerate(stream, 1):
            if number == 1 and line.startswith(_BOM):
                line = line[len(_BOM) :]
            yield number, line


def load_json(path: str, data: bytes | None = None, encoding: str | None = None) -> Any:
    """Parse a whole JSON document; errors name the file and line.

    Raises :class:`tearcorpus.errors.ParseError` for malformed JSON.
    """
    from .errors import ParseError

    if data is None:
        data = read_bytes(path)
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    if encoding is not None and encoding.replace("_", "-").lower() not in ("utf-8", "utf8"):
        data = decode_text(path, data, encoding).encode("utf-8")
    try:
        return orjson.loads(data)
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
