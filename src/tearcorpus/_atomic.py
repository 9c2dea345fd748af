"""Atomic output: every file is written under a temporary name, then renamed into place."""

from __future__ import annotations

import contextlib
import os
import tempfile
from types import TracebackType
from typing import IO, Literal, overload

from .errors import ExportError

__all__ = ["OutputDir"]


class OutputDir:
    """A directory whose files appear all at once, or not at all.

    Refuses an existing non-empty directory unless *overwrite*. Use as a context
    manager: files opened with :meth:`open` are renamed into place when the block ends
    without an exception, and removed when it raises.
    """

    def __init__(self, path: str, *, overwrite: bool = False) -> None:
        self.path = path
        self._pending: list[tuple[str, str, IO[bytes] | IO[str]]] = []
        self._stale: list[str] = []
        if os.path.exists(path):
            if not os.path.isdir(path):
                raise ExportError(f"{path}: exists and is not a directory")
            if os.listdir(path) and not overwrite:
                raise ExportError(f"{path}: is not empty; pass --overwrite to replace its files")
        try:
            os.makedirs(path, exist_ok=True)
        except OSError as exc:
            raise ExportError(f"{path}: cannot create directory: {exc.strerror or exc}") from None
        if not os.access(path, os.W_OK):
            raise ExportError(f"{path}: is not writable")

    @overload
    def open(self, name: str, mode: Literal["wb"] = "wb") -> IO[bytes]: ...
    @overload
    def open(self, name: str, mode: Literal["w"]) -> IO[str]: ...

    def open(self, name: str, mode: Literal["wb", "w"] = "wb") -> IO[bytes] | IO[str]:
        """Open ``path/name`` for writing under a temporary name (subfolders are created)."""
        target = os.path.join(self.path, name)
        folder = os.path.dirname(target)
        try:
            os.makedirs(folder, exist_ok=True)
            fd, tmp = tempfile.mkstemp(
                prefix="." + os.path.basename(name) + ".", suffix=".tmp", dir=folder
            )
        except OSError as exc:
            raise ExportError(f"{target}: cannot write: {exc.strerror or exc}") from None
        handle: IO[bytes] | IO[str]
        if mode == "wb":
            handle = os.fdopen(fd, "wb", buffering=1 << 20)
        else:
            handle = os.fdopen(fd, "w", encoding="utf-8", newline="")
        self._pending.append((tmp, target, handle))
        return handle

    def discard(self, name: str) -> None:
        """Drop the pending file *name*: nothing is written, and on commit an older
        ``path/name`` left by an earlier run is removed so it cannot mix with this one."""
        target = os.path.join(self.path, name)
        for i, (tmp, pending_target, handle) in enumerate(self._pending):
            if pending_target == target:
                handle.close()
                os.unlink(tmp)
                del self._pending[i]
                break
        self._stale.append(target)

    def commit(self) -> list[str]:
        """Close and rename every pending file into place; return the final paths."""
        done = []
        for tmp, target, handle in self._pending:
            handle.close()
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
            done.append(target)
        self._pending.clear()
        for stale in self._stale:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(stale)
        return done

    def abort(self) -> None:
        """Close and delete every pending temporary file."""
        for tmp, _, handle in self._pending:
            handle.close()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        self._pending.clear()

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
