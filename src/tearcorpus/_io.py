"""Opening inputs: local or fsspec paths, decompressed by content, with clear errors."""

from __future__ import annotations

import bz2
import codecs
import errno
import gzip
import io
import lzma
import mmap
import os
import stat
import sys
from collections.abc import Callable, Iterable
from typing import IO, TYPE_CHECKING, Final, Protocol, cast

from attrs import frozen

from .errors import InputError, MissingDependencyError

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer
    from zstandard import ZstdDecompressor

__all__ = [
    "DEFAULT_MAX_RECORD_BYTES",
    "ReadLimits",
    "is_remote",
    "is_stream",
    "map_plain",
    "open_binary",
    "plain_size",
    "provenance_name",
    "provenance_root",
    "release_stream",
]

#: Real Pushshift / Arctic Shift months are compressed with a 2 GiB window.
ZSTD_MAX_WINDOW: Final = 2**31
HEAD_SIZE: Final = 64 * 1024
#: Local files are read 1 MiB at a time (Python's default is the file system's block,
#: 4 KiB here: 31,000 read calls for 126 MB instead of 565).
READ_BUFFER: Final = 1 << 20
_BOM: Final = codecs.BOM_UTF8
#: The largest record (a line of a line format, a whole JSON document) read by default:
#: past it, the record is rejected as ``record-too-large`` without being held in memory.
DEFAULT_MAX_RECORD_BYTES: Final = 64 * 1024 * 1024
#: A compressed input whose decompressed bytes outgrow its compressed bytes by more than
#: this ratio, once past :data:`RATIO_NOTE_AFTER`, gets a ``high-compression-ratio`` note.
RATIO_NOTE: Final = 100
RATIO_NOTE_AFTER: Final = 16 * 1024 * 1024
#: Compressed bytes handed to the zstd decompressor at a time. A zstd block expands at
#: most 32,768-fold (an RLE block), so one call never makes more than 32 MiB.
_ZSTD_FEED: Final = 1024
#: The first bytes of a stream (FIFO, pipe, standard input) kept so that a parser may
#: open it again after format detection read its head.
REPLAY_BYTES: Final = 8 * 1024 * 1024
#: Lines longer than a record are skipped this many bytes at a time.
_SKIP_CHUNK: Final = 1 << 20


@frozen
class ReadLimits:
    """How much one record may hold, and where a reader reports what it meets.

    *too_large* is called with the number of a line longer than *max_record_bytes* (the
    line is skipped and reading goes on); without it such a line raises
    :class:`~tearcorpus.errors.RecordTooLargeError`. *note* receives observations that
    cost no record (``high-compression-ratio``).
    """

    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES
    too_large: Callable[[int], None] | None = None
    note: Callable[[str], None] | None = None


_DEFAULT_LIMITS: Final = ReadLimits()

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


def _local(path: str) -> bool:
    """A path on this machine that names a file (not a URL, a stream or a descriptor)."""
    return not (is_remote(path) or path == "-" or path.startswith("/dev/"))


def provenance_root(paths: Iterable[str]) -> str | None:
    """The folder local *paths* are named from in provenance: their common folder."""
    folders = [os.path.dirname(os.path.abspath(p)) for p in paths if _local(p)]
    if not folders:
        return None
    try:
        return os.path.commonpath(folders)
    except ValueError:  # paths on different drives
        return None


def provenance_name(path: str, root: str | None) -> str:
    """*path* as provenance names it: relative to *root* (with ``/``) for a local file,
    so that no absolute local path reaches a shared dataset; a URL or a stream as given."""
    if root is None or not _local(path):
        return path
    name = os.path.relpath(os.path.abspath(path), root)
    return name.replace(os.sep, "/")


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
    if path == "-" or is_stream(path):
        return io.BufferedReader(_ReplayView(_stream_for(path)), buffer_size=READ_BUFFER)
    local = path.removeprefix("file://")
    info = _stat(path)
    if stat.S_ISDIR(info.st_mode):
        raise InputError(path, "is a directory; give the files inside it (e.g. DIR/*.json)")
    try:
        return open(local, "rb", buffering=READ_BUFFER)
    except PermissionError:
        raise InputError(path, "permission denied") from None
    except OSError as exc:
        raise InputError(path, f"cannot open: {exc.strerror or exc}") from None


def _stat(path: str) -> os.stat_result:
    """``os.stat`` of a local *path*, failures as :class:`InputError` saying which."""
    local = path.removeprefix("file://")
    try:
        return os.stat(local)
    except FileNotFoundError:
        if os.path.islink(local):
            raise InputError(
                path, f"broken symbolic link (it points to {os.readlink(local)!r})"
            ) from None
        raise InputError(path, "no such file") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(path, "symbolic link loop") from None
        if exc.errno == errno.EACCES:
            raise InputError(path, "permission denied") from None
        raise InputError(path, f"cannot open: {exc.strerror or exc}") from None


def is_stream(path: str) -> bool:
    """Whether *path* is ``-`` (standard input) or a local FIFO, pipe (``/dev/fd/N``,
    ``<(...)``), socket or character device: bytes that can be read once, without seeking."""
    if path == "-":
        return True
    if is_remote(path):
        return False
    try:
        mode = os.stat(path.removeprefix("file://")).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISBLK(mode))


class _Stream:
    """One stream input, read once from its start; its first :data:`REPLAY_BYTES` are
    kept, so each opening of the path (format detection, then the parser) starts at byte
    0 as long as no earlier opening went past what was kept."""

    def __init__(self, path: str) -> None:
        self.path = path
        if path == "-":
            self.raw: io.RawIOBase = open(  # noqa: SIM115 - closed by release_stream
                sys.stdin.fileno(), "rb", buffering=0, closefd=False
            )
        else:
            try:
                self.raw = open(path.removeprefix("file://"), "rb", buffering=0)  # noqa: SIM115
            except OSError as exc:
                raise InputError(path, f"cannot open: {exc.strerror or exc}") from None
        self.kept = bytearray()
        #: Bytes taken from the stream so far (more than ``kept`` once past REPLAY_BYTES).
        self.taken = 0


_STREAMS: dict[str, _Stream] = {}


def _stream_for(path: str) -> _Stream:
    stream = _STREAMS.get(path)
    if stream is None:
        stream = _STREAMS[path] = _Stream(path)
    elif stream.taken > len(stream.kept):
        raise InputError(
            path,
            "is a stream (FIFO, pipe or standard input) already read past what can be "
            "replayed; this input needs a file: save the stream to a file first",
        )
    return stream


def release_stream(path: str) -> None:
    """Close and forget the stream input *path* (``-``, a FIFO ...) once it has been read;
    nothing for other paths. Opening it again then reads on from where it stands."""
    stream = _STREAMS.pop(path, None)
    if stream is not None:
        stream.raw.close()


class _ReplayView(io.RawIOBase):
    """One opening of a :class:`_Stream`: its kept bytes first, then the stream itself."""

    def __init__(self, stream: _Stream) -> None:
        self._stream = stream
        self._pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer)
        stream = self._stream
        kept = stream.kept
        if self._pos < len(kept):
            n = min(len(view), len(kept) - self._pos)
            view[:n] = kept[self._pos : self._pos + n]
            self._pos += n
            return n
        if self._pos != stream.taken:
            raise InputError(
                stream.path, "is a stream read by another reader meanwhile; save it to a file"
            )
        got = stream.raw.readinto(view) or 0
        if got and stream.taken == len(kept) and len(kept) + got <= REPLAY_BYTES:
            kept += view[:got]
        stream.taken += got
        self._pos += got
        return got


#: The decompressors of the standard library, by the name :func:`_compression` gives.
_DECOMPRESSORS: Final[dict[str, Callable[[IO[bytes]], _Readable]]] = {
    "gzip": lambda source: gzip.GzipFile(fileobj=source),
    "bz2": bz2.BZ2File,
    "xz": lzma.LZMAFile,
}


def _compression(magic: bytes) -> str | None:
    return next((name for prefix, name in _MAGIC if magic.startswith(prefix)), None)


def plain_size(path: str) -> int | None:
    """The size of *path* when it is a local, non-empty, uncompressed file, else ``None``."""
    if is_remote(path) or path == "-":
        return None
    try:
        if not stat.S_ISREG(os.stat(path.removeprefix("file://")).st_mode):
            return None  # a FIFO or device: its bytes can be read once only
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


def open_binary(path: str, limits: ReadLimits | None = None) -> IO[bytes]:
    """Open *path* for reading bytes, decompressing gzip, bz2, xz or zstd by content.

    Decompression holds a bounded buffer whatever the ratio; past :data:`RATIO_NOTE` to 1
    it tells ``limits.note`` (``high-compression-ratio``). ``-`` is standard input; a
    stream (``-``, a FIFO, ``<(...)``) may be opened again after its head was read.
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
    counted = _Counting(buffered)
    if kind in _DECOMPRESSORS:
        stream = _DECOMPRESSORS[kind](cast(IO[bytes], counted))  # they only read() it
    else:
        try:
            import zstandard
        except ImportError:
            buffered.close()
            raise MissingDependencyError("reading .zst inputs", "zstd", "zstandard") from None
        stream = _ZstdFrames(counted, zstandard.ZstdDecompressor(max_window_size=ZSTD_MAX_WINDOW))
    note = (limits or _DEFAULT_LIMITS).note
    return io.BufferedReader(_Guarded(stream, path, kind, counted, note), buffer_size=1 << 20)


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...
    def close(self) -> None: ...


class _Counting:
    """A compressed stream that counts the bytes taken from it."""

    def __init__(self, raw: io.BufferedReader) -> None:
        self._raw = raw
        self.count = 0

    def read(self, size: int = -1, /) -> bytes:
        data = self._raw.read(size)
        self.count += len(data)
        return data

    def close(self) -> None:
        self._raw.close()


class _ZstdFrames:
    """Decompresses every zstd frame in turn, and says so when the last one is cut off
    (zstandard's own stream reader ends quietly on a truncated frame).

    The decompressor gets :data:`_ZSTD_FEED` compressed bytes at a time, so what one call
    makes stays bounded however large the ratio, and the bytes made wait in a bytearray
    taken from the front (no re-slicing of what is left: O(bytes) overall)."""

    def __init__(self, raw: _Counting, dctx: ZstdDecompressor) -> None:
        self._raw = raw
        self._dctx = dctx
        self._obj = dctx.decompressobj()
        self._input = memoryview(b"")
        self._pending = bytearray()
        self._started = False

    def _feed(self) -> bool:
        """Decompress the next few compressed bytes; ``False`` at the end of the input."""
        if not self._input:
            self._input = memoryview(self._raw.read(1 << 17))
            if not self._input:
                if self._started and not self._obj.eof:
                    raise EOFError("the last zstd frame is incomplete")
                return False
        piece, self._input = self._input[:_ZSTD_FEED], self._input[_ZSTD_FEED:]
        self._started = True
        if self._obj.eof:  # the previous frame ended exactly at a piece boundary
            self._obj = self._dctx.decompressobj()
        self._pending += self._obj.decompress(piece)
        while self._obj.eof and self._obj.unused_data:
            rest = self._obj.unused_data
            self._obj = self._dctx.decompressobj()
            self._pending += self._obj.decompress(rest)
        return True

    def read(self, size: int = -1, /) -> bytes:
        want = size if size > 0 else 1 << 20
        while len(self._pending) < want and self._feed():
            pass
        data = bytes(self._pending[:want])
        del self._pending[:want]  # CPython moves the bytearray's start: no copy of the rest
        return data

    def close(self) -> None:
        self._raw.close()


class _Guarded(io.RawIOBase):
    """Turns decompression failures into :class:`InputError` naming the file."""

    def __init__(
        self,
        inner: _Readable,
        path: str,
        kind: str,
        counted: _Counting,
        note: Callable[[str], None] | None,
    ) -> None:
        self._inner = inner
        self._path = path
        self._kind = kind
        self._counted = counted
        self._note = note
        self._made = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer)
        try:
            data = self._inner.read(len(view))
        except Exception as exc:  # OSError, EOFError, LZMAError; zstandard.ZstdError too
            raise InputError(self._path, f"corrupt or truncated {self._kind} data: {exc}") from None
        n = len(data)
        view[:n] = data
        self._made += n
        if (
            self._note is not None
            and self._made > RATIO_NOTE_AFTER
            and self._made > RATIO_NOTE * self._counted.count
        ):
            self._note("high-compression-ratio")
            self._note = None  # once an input
        return n

    def close(self) -> None:
        self._inner.close()
        super().close()
