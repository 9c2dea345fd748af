"""One root error, and a subclass per kind of failure.

Each error also subclasses the builtin a caller would naturally catch
(``ParseError`` is a ``ValueError``, ``InputError`` an ``OSError``), and carries
structured attributes rather than only a message.
"""

from __future__ import annotations

from functools import partial

__all__ = [
    "ExportError",
    "FormatError",
    "InputError",
    "MissingDependencyError",
    "ParseError",
    "RecordTooLargeError",
    "TearcorpusError",
]


class TearcorpusError(Exception):
    """Root of every error tearcorpus raises on purpose."""


class InputError(TearcorpusError, OSError):
    """An input cannot be read at all: missing, a directory, empty, undecodable, binary."""

    def __init__(self, source: str, reason: str, *, line: int | None = None) -> None:
        self.source = source
        self.reason = reason
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where}: {self.reason}"

    def __reduce__(self) -> tuple[object, ...]:
        return (partial(type(self), line=self.line), (self.source, self.reason))


class FormatError(InputError):
    """An input's format could not be detected, or is not the one forced with ``--from``."""


def human_size(size: int) -> str:
    """*size* bytes as a short figure: ``64 MiB``, ``1.5 GiB``, ``300 bytes``."""
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            break
        value /= 1024
    if unit == "bytes":
        return f"{size} bytes"
    return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"


class RecordTooLargeError(InputError):
    """A record (a line, a whole JSON document) is larger than the record size limit.

    Read leniently, the record is rejected as ``record-too-large`` instead; ``limit`` is
    the limit in bytes and ``line`` the line where the record starts."""

    def __init__(self, source: str, limit: int, *, line: int | None = None) -> None:
        self.limit = limit
        super().__init__(
            source,
            f"record larger than the {human_size(limit)} record size limit; not read "
            "(raise the limit with --max-record-size or max_record_bytes=)",
            line=line,
        )

    def __reduce__(self) -> tuple[object, ...]:
        return (partial(type(self), line=self.line), (self.source, self.limit))


class ParseError(TearcorpusError, ValueError):
    """A record could not be parsed. Prints as ``file:line: reason``.

    ``line`` is the 1-based line in the input where the format has lines; ``index`` the
    0-based item index where it has items (a JSON array, a list of comments).
    """

    def __init__(
        self,
        source: str,
        reason: str,
        *,
        line: int | None = None,
        index: int | None = None,
    ) -> None:
        self.source = source
        self.reason = reason
        self.line = line
        self.index = index
        super().__init__(self.location + ": " + reason)

    @property
    def location(self) -> str:
        """``file:line``, ``file[item N]`` or the bare file name."""
        if self.line is not None:
            return f"{self.source}:{self.line}"
        if self.index is not None:
            return f"{self.source}[item {self.index}]"
        return self.source

    def __str__(self) -> str:
        return f"{self.location}: {self.reason}"

    def __reduce__(self) -> tuple[object, ...]:
        return (partial(type(self), line=self.line, index=self.index), (self.source, self.reason))


class ExportError(TearcorpusError, OSError):
    """An export cannot be written: the target exists, is not writable, ..."""


class MissingDependencyError(TearcorpusError, ImportError):
    """An optional extra is needed for this feature; the message names it."""

    def __init__(self, feature: str, extra: str, module: str) -> None:
        super().__init__(
            f"{feature} needs the optional dependency {module!r}: pip install 'tearcorpus[{extra}]'"
        )
        self.feature = feature
        self.extra = extra
        self.module = module
