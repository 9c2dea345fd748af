"""What a parser gets for one input: :class:`ParseContext`. The parser contract itself
is :class:`tearcorpus.typing.Parser`."""

from __future__ import annotations

from collections.abc import Mapping

from attrs import define, field

from .._io import DEFAULT_MAX_RECORD_BYTES, ReadLimits
from .._spans import Span
from .._version import __version__
from ..errors import ParseError, RecordTooLargeError
from ..model import Provenance, new_provenance
from ..report import SourceReport

__all__ = ["ParseContext"]


@define
class ParseContext:
    """Everything a parser gets for one input, and where it reports problems."""

    #: The input path or URL, as the user gave it; open it with :mod:`tearcorpus._io`.
    source: str
    #: The format name of the parser reading it.
    format: str
    strict: bool = False
    #: Text encoding the user chose; ``None`` means UTF-8 (with or without BOM).
    encoding: str | None = None
    #: Format-specific options (``video_id`` for youtube-comment-downloader files ...).
    options: Mapping[str, str] = field(factory=dict)
    report: SourceReport = field()
    #: For a line-oriented parser that can read part of a file (``SPANS = True``): the
    #: bytes to read and the number of the first line there (see :mod:`tearcorpus._spans`).
    span: tuple[Span, int] | None = field(default=None, kw_only=True)
    #: The largest record (a line, a whole document) read, in bytes: past it the record
    #: is rejected as ``record-too-large`` without being held in memory.
    max_record_bytes: int = field(default=DEFAULT_MAX_RECORD_BYTES, kw_only=True)
    #: How provenance names the input (relative to the run's root folder, so that no
    #: absolute local path reaches a shared dataset); ``None``: :attr:`source` as given.
    label: str | None = field(default=None, kw_only=True)
    #: What the readers of :mod:`tearcorpus._io` get: the limit, and this context's
    #: :meth:`note` and a ``record-too-large`` rejection for an over-long line.
    limits: ReadLimits = field(init=False)

    @report.default
    def _report(self) -> SourceReport:
        return SourceReport(self.source, self.format)

    @limits.default
    def _limits(self) -> ReadLimits:
        return ReadLimits(self.max_record_bytes, self.reject_too_large, self.note)

    def reject_too_large(self, line: int | None) -> None:
        """Reject the record at *line* as larger than :attr:`max_record_bytes`."""
        error = RecordTooLargeError(self.source, self.max_record_bytes, line=line)
        self.reject("record-too-large", error.reason, line=line)

    def reject(
        self, kind: str, reason: str, *, line: int | None = None, index: int | None = None
    ) -> None:
        """Record a bad record: raise in strict mode, count and locate it otherwise.

        *kind* is a short stable code for counting (``invalid-json``); *reason* the
        sentence a user reads.
        """
        error = ParseError(self.source, reason, line=line, index=index)
        if self.strict:
            raise error
        self.report.reject(kind, error)

    def drop(
        self, kind: str, reason: str, *, line: int | None = None, index: int | None = None
    ) -> None:
        """Count a record read but deliberately not kept (a repeated comment): it is
        rejected for the counts (read = kept + rejected) but is no error, even in strict
        mode."""
        self.report.reject(kind, ParseError(self.source, reason, line=line, index=index))

    def note(self, kind: str, count: int = 1) -> None:
        """Count something noticed that cost no record (a repeated comment, a stub)."""
        self.report.notes[kind] += count

    @property
    def provenance_source(self) -> str:
        """The name records' provenance gives the input: :attr:`label`, else the source."""
        return self.source if self.label is None else self.label

    def provenance(self, *, line: int | None = None, index: int | None = None) -> Provenance:
        """The provenance of a record of this input at *line* or item *index*."""
        return new_provenance(
            source=self.provenance_source,
            format=self.format,
            line=line,
            index=index,
            parser_version=__version__,
        )
