"""Atomic output: every file is written under a temporary name, then renamed into place.

An output folder holds what one run wrote and nothing from before:

- files are written under hidden temporary names (``.NAME.tearcorpus-XXXXXXXX.tmp``) and
  renamed into place only when the whole export succeeded; a failure (bad input, a full
  disk, a signal turned into an exception by :mod:`._signals`) removes them, with the
  folders this run made;
- a run killed outright (``SIGKILL``, power loss) leaves those hidden names, the Hub
  folder's ``.tearcorpus-spill-*`` folder inside and the workers' ``.tearcorpus-shards-*``
  folder beside the output: the next run into the same folder recognises them as
  leftovers of a dead run and removes them (a run still alive holds a lock on the folder,
  so its files are never taken for leftovers);
- ``overwrite=True`` (``--overwrite``) *replaces* an earlier export: the files of ours
  (:func:`survey`) that this run did not write again are removed once it has committed,
  so no stale shard or table of an earlier run stays beside the new ones. A file that is
  not ours is never removed: it is kept where it is, except inside a Hub config folder
  (``posts/``, ``replies/``, ``replies_in_context/``, ``labels/``, ``messages/``), where it would be read as data of
  the new export: then the overwrite is refused before any work, naming it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import IO, Final, Literal, Self, overload

from .errors import ExportError, TearcorpusError

__all__ = ["AtomicFile", "OutputDir", "occupied", "on_error", "survey"]

#: The mark in a temporary file's name: ``.posts.jsonl.tearcorpus-k3j4h5g6.tmp``.
TMP_TAG: Final = ".tearcorpus-"
#: The tables and manifests our exporters write at the top of an output folder.
OWN_FILES: Final = frozenset(
    f"{table}.{ext}" for table in ("posts", "replies") for ext in ("jsonl", "csv", "parquet")
) | {
    # The conversation exports: chat format, and ConvoKit's corpus files.
    "messages.jsonl",
    "utterances.jsonl",
    "speakers.json",
    "conversations.json",
    "corpus.json",
    "index.json",
}
#: The Hub folder's configs: one subfolder each, holding shards named like ``push_to_hub``'s.
HUB_CONFIGS: Final = ("posts", "replies", "replies_in_context", "labels", "messages")
SHARD: Final = re.compile(r"(train|validation|test)-\d{5}-of-\d{5}\.parquet")
#: The Hub folder's card images (its charts: ``images/thread-sizes.png`` ...).
CARD_IMAGES: Final = "images"
_OWN_NAME: Final = re.compile(
    "|".join(
        [
            *(re.escape(n) for n in sorted(OWN_FILES)),
            "manifest\\.json",
            "README\\.md",
            SHARD.pattern,
        ]
    )
)
#: Temporary files: ours by their tag, or (before the tag) by one of our names.
_TEMP: Final = re.compile(
    r"\..+"
    + re.escape(TMP_TAG)
    + r"[a-z0-9_]+\.tmp|\.(?:"
    + _OWN_NAME.pattern
    + r")\.[a-z0-9_]{8}\.tmp"
)
#: Scratch folders: the Hub export's spill (inside), the workers' part files (beside).
SPILL_PREFIX: Final = ".tearcorpus-spill-"
SHARDS_PREFIX: Final = ".tearcorpus-shards-"
_SCRATCH: Final = re.compile(r"\.tearcorpus-(?:spill|shards)-[a-z0-9_]+")
_ANON_MARK: Final = re.compile(r"<!--\s*tearcorpus:anonymized=")


def describe(exc: OSError) -> str:
    """What went wrong, in a few words: ``no space left on device`` for a full disk."""
    if exc.errno == errno.ENOSPC or "No space left on device" in str(exc):
        return "no space left on device"
    if exc.errno == errno.EDQUOT:
        return "disk quota exceeded"
    return exc.strerror or str(exc)


@contextlib.contextmanager
def on_error(undo: Callable[[], None]) -> Iterator[None]:
    """Call *undo* when the block raises anything (a signal's exception too), then let
    the exception go on: ``with on_error(out.abort): ...``."""
    try:
        yield
    except BaseException:
        undo()
        raise


class _Committed:
    """A context manager that commits when the block ends normally and aborts when it
    raises; an ``OSError`` of the block (a full disk) becomes an :class:`ExportError`
    naming :attr:`path`."""

    path: str
    commit: Callable[[], object]
    abort: Callable[[], None]

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.commit()
            return
        self.abort()
        if isinstance(exc, OSError) and not isinstance(exc, TearcorpusError):
            raise ExportError(f"{self.path}: cannot write: {describe(exc)}") from None


class AtomicFile(_Committed):
    """One file written under a temporary name beside *target*, renamed into place by
    :meth:`commit` or removed by :meth:`abort`. As a context manager: committed when
    the block ends normally, aborted when it raises (an ``OSError`` of the write, a full
    disk, becomes an :class:`ExportError` naming the target)."""

    def __init__(self, target: str, mode: Literal["wb", "w"] = "wb") -> None:
        self.path = target
        folder = os.path.dirname(os.path.abspath(target))
        try:
            os.makedirs(folder, exist_ok=True)
            fd, self._tmp = tempfile.mkstemp(
                prefix="." + os.path.basename(target) + TMP_TAG, suffix=".tmp", dir=folder
            )
        except OSError as exc:
            raise ExportError(f"{target}: cannot write: {describe(exc)}") from None
        self.handle: IO[bytes] | IO[str]
        if mode == "wb":
            self.handle = os.fdopen(fd, "wb", buffering=1 << 20)
        else:
            self.handle = os.fdopen(fd, "w", encoding="utf-8", newline="")

    def close(self) -> None:
        """Flush and close the temporary file (where a full disk shows): on an error it
        is removed and an :class:`ExportError` raised."""
        try:
            self.handle.close()
            os.chmod(self._tmp, 0o644)
        except OSError as exc:
            self.abort()
            raise ExportError(f"{self.path}: cannot write: {describe(exc)}") from None

    def commit(self) -> str:
        """Close the file and rename it into place; return the target path."""
        if os.path.exists(self._tmp):
            if not self.handle.closed:
                self.close()
            try:
                os.replace(self._tmp, self.path)
            except OSError as exc:
                self.abort()
                raise ExportError(f"{self.path}: cannot write: {describe(exc)}") from None
        return self.path

    def abort(self) -> None:
        """Close and delete the temporary file; the target is left as it was. Never
        raises: closing flushes, which fails again on a full disk, and the file goes
        anyway."""
        with contextlib.suppress(OSError, ValueError):
            self.handle.close()  # the file is closed even when the flush fails
        with contextlib.suppress(OSError):
            os.unlink(self._tmp)


def survey(path: str) -> tuple[list[str], list[str]]:
    """The entries of the folder *path* (relative, ``/``-separated) as ``(ours, theirs)``:
    ours are what our exporters write (the tables, a tearcorpus ``manifest.json`` or dataset
    card, the Hub configs' shards and their folders) and leftovers of a dead run;
    everything else is theirs."""
    ours: list[str] = []
    theirs: list[str] = []
    for name in sorted(os.listdir(path)):
        full = os.path.join(path, name)
        if os.path.isdir(full) and not os.path.islink(full):
            if _SCRATCH.fullmatch(name):
                ours.append(name)
            elif name == CARD_IMAGES and _only_card_images(full):
                ours += [*(f"{name}/{n}" for n in sorted(os.listdir(full))), name]
            elif name in HUB_CONFIGS:
                inner = [f"{name}/{n}" for n in sorted(os.listdir(full))]
                mine = [
                    n
                    for n in inner
                    if os.path.isfile(os.path.join(path, n))
                    and (SHARD.fullmatch(n.split("/")[1]) or _TEMP.fullmatch(n.split("/")[1]))
                ]
                theirs += [n for n in inner if n not in mine]
                ours += [*mine, name]  # the folder after its files
            else:
                theirs.append(name)
        elif _is_ours(full, name):
            ours.append(name)
        else:
            theirs.append(name)
    return ours, theirs


def occupied(path: str) -> bool:
    """Whether the folder *path* holds anything besides a dead run's leftovers (and is
    one): an output there needs ``overwrite``."""
    if not os.path.isdir(path):
        return False
    leftovers = {os.path.basename(p) for p in _leftovers(path) if os.path.dirname(p) == path}
    return any(name not in leftovers for name in os.listdir(path))


def _only_card_images(folder: str) -> bool:
    """Whether *folder* holds only the images of a Hub card's charts (by their names)."""
    from .overview import CHARTS

    names = {f"{name}.png" for name, _title in CHARTS}
    return all(
        (n in names or _TEMP.fullmatch(n)) and os.path.isfile(os.path.join(folder, n))
        for n in os.listdir(folder)
    )


def _is_ours(full: str, name: str) -> bool:
    if not os.path.isfile(full):
        return False
    if name in OWN_FILES or _TEMP.fullmatch(name):
        return True
    if name in ("manifest.json", "README.md"):
        try:
            with open(full, "rb") as handle:
                head = handle.read(1 << 20)
        except OSError:
            return False
        if name == "README.md":
            return _ANON_MARK.search(head.decode("utf-8", "replace")) is not None
        return re.search(rb'"format"\s*:\s*"tearcorpus-', head) is not None
    return False


def _leftovers(path: str) -> Iterator[str]:
    """The leftovers of a dead run in the folder *path*: temporary files and scratch
    folders (in the Hub configs' folders too)."""
    for name in os.listdir(path):
        full = os.path.join(path, name)
        scratch = _SCRATCH.fullmatch(name) and os.path.isdir(full)
        if scratch or (_TEMP.fullmatch(name) and os.path.isfile(full)):
            yield full
        elif (
            name in (*HUB_CONFIGS, CARD_IMAGES) and os.path.isdir(full) and not os.path.islink(full)
        ):
            for inner in os.listdir(full):
                if _TEMP.fullmatch(inner):
                    yield os.path.join(full, inner)


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def _lock(folder: str) -> tuple[int | None, bool]:
    """An exclusive ``flock`` on the folder *folder*, without waiting: ``(fd, taken)``. The fd is
    ``None`` where folders cannot be locked (then ``taken`` is true: nothing to guard)."""
    try:
        import fcntl
    except ImportError:  # not POSIX
        return None, True
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return None, True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return fd, False
    except OSError:  # a file system without flock
        os.close(fd)
        return None, True
    return fd, True


class OutputDir(_Committed):
    """A directory whose files appear all at once, or not at all.

    Refuses an existing non-empty directory unless *overwrite*; with it, the earlier
    export is replaced: our files this run does not write again are removed on commit;
    files that are not ours are kept (a Hub config folder holding one is refused; see the
    module docs).
    Leftovers of a killed run (hidden temporary names) are removed either way. Use as a
    context manager: files opened with :meth:`open` are renamed into place when the block
    ends without an exception, and removed when it raises, with the folders made for them
    (the directory itself included, when it did not exist before). An ``OSError`` in the
    block (a full disk) becomes one :class:`ExportError` naming the folder.
    """

    def __init__(self, path: str, *, overwrite: bool = False) -> None:
        self.path = path
        self._pending: list[AtomicFile] = []
        self._stale: list[str] = []
        #: Our files of an earlier export, removed on commit unless written again.
        self._old: list[str] = []
        #: Folders this output made, parents first: removed again if it is aborted.
        self._made: list[str] = []
        #: Locked folders: this output's (exclusive) and its parent's (shared).
        self._locks: list[int] = []
        if os.path.exists(path) and not os.path.isdir(path):
            raise ExportError(f"{path}: exists and is not a directory")
        try:
            self._makedirs(path)
        except OSError as exc:
            raise ExportError(f"{path}: cannot create directory: {describe(exc)}") from None
        with on_error(self.abort):  # nothing pending yet: the locks and the folders made
            self._claim(overwrite)

    def _claim(self, overwrite: bool) -> None:
        """Lock the folder, clear a dead run's leftovers, and check what is in it."""
        path = self.path
        self._lock_parent()
        fd, taken = _lock(path)
        if fd is not None:
            self._locks.append(fd)
        if not taken:
            raise ExportError(f"{path}: another tearcorpus run is writing into it")
        if not os.access(path, os.W_OK):
            raise ExportError(f"{path}: is not writable")
        for leftover in _leftovers(path):
            _remove(leftover)
        ours, theirs = survey(path)
        if (ours or theirs) and not overwrite:
            raise ExportError(f"{path}: is not empty; pass --overwrite to replace its files")
        # Files that are not ours are kept, except where they would be read as this
        # export's data: in a Hub config folder, beside its shards.
        mixed = [name for name in theirs if "/" in name]
        if mixed:
            shown = ", ".join(mixed[:5]) + (f" and {len(mixed) - 5} more" if mixed[5:] else "")
            raise ExportError(
                f"{path}: cannot overwrite: {shown} was not written by tearcorpus and would be "
                "read as data of the new export; move it away or choose another folder"
            )
        self._old = [os.path.join(path, name) for name in ours]

    def _lock_parent(self) -> None:
        """Share the lock of the folder holding this one with the other runs writing
        there; the first to find it free clears the workers' scratch folders
        (``.tearcorpus-shards-*``) a killed run left beside its output."""
        parent = os.path.dirname(os.path.abspath(self.path))
        fd, taken = _lock(parent)
        if fd is None:
            return
        self._locks.append(fd)
        if taken:
            with contextlib.suppress(OSError):
                for name in os.listdir(parent):
                    if name.startswith(SHARDS_PREFIX) and _SCRATCH.fullmatch(name):
                        _remove(os.path.join(parent, name))
        import fcntl

        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_SH)  # waits while another run clears

    def _release(self) -> None:
        for fd in self._locks:
            with contextlib.suppress(OSError):
                os.close(fd)
        self._locks.clear()

    def _makedirs(self, folder: str) -> None:
        """``os.makedirs(folder, exist_ok=True)``, noting each folder it makes."""
        missing = []
        folder = os.path.abspath(folder)
        while not os.path.exists(folder):
            missing.append(folder)
            folder = os.path.dirname(folder)
        for item in reversed(missing):
            with contextlib.suppress(FileExistsError):  # made meanwhile by another process
                os.mkdir(item)
                self._made.append(item)

    def _remove_made(self) -> None:
        """Remove the folders this output made, deepest first, where they are empty."""
        for folder in reversed(self._made):
            with contextlib.suppress(OSError):  # not empty: something else is in it
                os.rmdir(folder)
        self._made.clear()

    @overload
    def open(self, name: str, mode: Literal["wb"] = "wb") -> IO[bytes]: ...
    @overload
    def open(self, name: str, mode: Literal["w"]) -> IO[str]: ...

    def open(self, name: str, mode: Literal["wb", "w"] = "wb") -> IO[bytes] | IO[str]:
        """Open ``path/name`` for writing under a temporary name (subfolders are created)."""
        target = os.path.join(self.path, name)
        try:
            self._makedirs(os.path.dirname(target))
        except OSError as exc:
            raise ExportError(f"{target}: cannot write: {describe(exc)}") from None
        pending = AtomicFile(target, mode)
        self._pending.append(pending)
        return pending.handle

    def discard(self, name: str) -> None:
        """Drop the pending file *name*: nothing is written, and on commit an older
        ``path/name`` left by an earlier run is removed so it cannot mix with this one."""
        target = os.path.join(self.path, name)
        for pending in self._pending:
            if pending.path == target:
                pending.abort()
                self._pending.remove(pending)
                break
        self._stale.append(target)

    def commit(self) -> list[str]:
        """Close and rename every pending file into place, then remove the earlier
        export's files not written again; return the final paths. Every file is flushed
        before the first rename: a full disk leaves the earlier export as it was."""
        with on_error(self.abort):
            for pending in self._pending:
                pending.close()
        done = [pending.commit() for pending in self._pending]
        self._pending.clear()
        written = set(done)
        for old in self._old:
            if old in written:
                continue
            if os.path.isdir(old) and not os.path.islink(old):
                with contextlib.suppress(OSError):  # a config folder still in use
                    os.rmdir(old)
            else:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(old)
        self._old.clear()
        for stale in self._stale:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(stale)
        self._release()
        return done

    def abort(self) -> None:
        """Close and delete every pending temporary file, and the folders made for them.
        Never raises."""
        for pending in self._pending:
            pending.abort()
        self._pending.clear()
        self._remove_made()
        self._release()
