"""Atomic output: every file is written under a temporary name, then renamed into place."""

from __future__ import annotations

import contextlib
import os
import tempfile
from types import TracebackType
from typing import IO, Literal, overload

from .errors import ExportError

__all__ = ["AtomicFile", "OutputDir"]


class AtomicFile:
    """One file written under a temporary name beside *target*, renamed into place by
    :meth:`commit` or removed by :meth:`abort`. As a context manager: committed when
    the block ends normally, aborted when it raises."""

    def __init__(self, target: str, mode: Literal["wb", "w"] = "wb") -> None:
        self.target = target
        folder = os.path.dirname(os.path.abspath(target))
        try:
            os.makedirs(folder, exist_ok=True)
            fd, self._tmp = tempfile.mkstemp(
                prefix="." + os.path.basename(target) + ".", suffix=".tmp", dir=folder
            )
        except OSError as exc:
            raise ExportError(f"{target}: cannot write: {exc.strerror or exc}") from None
        self.handle: IO[bytes] | IO[str]
        if mode == "wb":
            self.handle = os.fdopen(fd, "wb", buffering=1 << 20)
        else:
            self.handle = os.fdopen(fd, "w", encoding="utf-8", newline="")

    def commit(self) -> str:
        """Close the file and rename it into place; return the target path."""
        if not self.handle.closed:
            self.handle.close()
            os.chmod(self._tmp, 0o644)
            os.replace(self._tmp, self.target)
        return self.target

    def abort(self) -> None:
        """Close and delete the temporary file; the target is left as it was."""
        self.handle.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._tmp)

    def __enter__(self) -> AtomicFile:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


class OutputDir:
    """A directory whose files appear all at once, or not at all.

    Refuses an existing non-empty directory unless *overwrite*. Use as a context
    manager: files opened with :meth:`open` are renamed into place when the block ends
    without an exception, and removed when it raises, with the folders made for them
    (the directory itself included, when it did not exist before).
    """

    def __init__(self, path: str, *, overwrite: bool = False) -> None:
        self.path = path
        self._pending: list[AtomicFile] = []
        self._stale: list[str] = []
        #: Folders this output made, parents first: removed again if it is aborted.
        self._made: list[str] = []
        if os.path.exists(path):
            if not os.path.isdir(path):
                raise ExportError(f"{path}: exists and is not a directory")
            if os.listdir(path) and not overwrite:
                raise ExportError(f"{path}: is not empty; pass --overwrite to replace its files")
        try:
            self._makedirs(path)
        except OSError as exc:
            raise ExportError(f"{path}: cannot create directory: {exc.strerror or exc}") from None
        if not os.access(path, os.W_OK):
            self._remove_made()
            raise ExportError(f"{path}: is not writable")

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
            raise ExportError(f"{target}: cannot write: {exc.strerror or exc}") from None
        pending = AtomicFile(target, mode)
        self._pending.append(pending)
        return pending.handle

    def discard(self, name: str) -> None:
        """Drop the pending file *name*: nothing is written, and on commit an older
        ``path/name`` left by an earlier run is removed so it cannot mix with this one."""
        target = os.path.join(self.path, name)
        for pending in self._pending:
            if pending.target == target:
                pending.abort()
                self._pending.remove(pending)
                break
        self._stale.append(target)

    def commit(self) -> list[str]:
        """Close and rename every pending file into place; return the final paths."""
        done = [pending.commit() for pending in self._pending]
        self._pending.clear()
        for stale in self._stale:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(stale)
        return done

    def abort(self) -> None:
        """Close and delete every pending temporary file, and the folders made for them."""
        for pending in self._pending:
            pending.abort()
        self._pending.clear()
        self._remove_made()

    def __enter__(self) -> OutputDir:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()
