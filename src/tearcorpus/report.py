"""Counts that add up: what was read, kept, rejected and dropped, per input and in total."""

from __future__ import annotations

from collections import Counter
from typing import Final, TypedDict

from attrs import define, field

from .errors import ParseError

__all__ = ["Report", "ReportDict", "SourceReport", "SourceReportDict"]

#: Located errors kept per input; the counts go on past it.
MAX_KEPT_ERRORS: Final = 200


class SourceReportDict(TypedDict):
    """One input's counts as plain JSON data: :meth:`SourceReport.to_dict`."""

    source: str
    format: str
    read: int
    posts: int
    replies: int
    rejected: int
    rejected_by_reason: dict[str, int]
    #: The located errors kept, as ``file:line: reason`` lines.
    errors: list[str]
    notes: dict[str, int]


class ReportDict(TypedDict):
    """A run's counts as plain JSON data: :meth:`Report.to_dict` (``inspect --json``,
    ``convert --json``)."""

    formats: list[str]
    read: int
    posts: int
    replies: int
    rejected: int
    rejected_by_reason: dict[str, int]
    dropped: int
    dropped_by_reason: dict[str, int]
    merged: int
    merged_by_reason: dict[str, int]
    written: int
    scrubbed: dict[str, int]
    notes: dict[str, int]
    sources: list[SourceReportDict]


@define
class SourceReport:
    """What one input gave: records kept, rejected by reason, and observations."""

    source: str
    format: str
    posts: int = 0
    replies: int = 0
    #: Rejected records by reason kind (``invalid-json``, ``missing-field`` ...).
    rejected_by_reason: Counter[str] = field(factory=Counter)
    #: The first :data:`MAX_KEPT_ERRORS` rejections, located.
    errors: list[ParseError] = field(factory=list)
    #: Things noticed that did not cost a record (``duplicate-comment``, ``more-stub`` ...).
    notes: Counter[str] = field(factory=Counter)

    @property
    def kept(self) -> int:
        """Records parsed and passed on: ``posts + replies``."""
        return self.posts + self.replies

    @property
    def rejected(self) -> int:
        """Records rejected, every reason together."""
        return sum(self.rejected_by_reason.values())

    @property
    def read(self) -> int:
        """Records read: always ``kept + rejected``."""
        return self.kept + self.rejected

    def reject(self, kind: str, error: ParseError) -> None:
        """Count a rejected record of reason *kind*, keeping the first located errors."""
        self.rejected_by_reason[kind] += 1
        if len(self.errors) < MAX_KEPT_ERRORS:
            self.errors.append(error)

    def to_dict(self) -> SourceReportDict:
        """This input's counts as plain JSON data (``inspect --json``'s ``sources``)."""
        return {
            "source": self.source,
            "format": self.format,
            "read": self.read,
            "posts": self.posts,
            "replies": self.replies,
            "rejected": self.rejected,
            "rejected_by_reason": dict(sorted(self.rejected_by_reason.items())),
            "errors": [str(e) for e in self.errors],
            "notes": dict(sorted(self.notes.items())),
        }


@define
class Report:
    """The sum over every input of a run.

    Every count has the same two forms, named as in :meth:`to_dict` (and the CLI's
    ``--json``): ``rejected``, ``dropped`` and ``merged`` are totals, and
    ``rejected_by_reason``, ``dropped_by_reason`` and ``merged_by_reason`` the same counts
    by reason. ``read == written + rejected + dropped + merged`` always holds."""

    sources: list[SourceReport] = field(factory=list)
    #: Records parsed but left out by a transform (filters, dedup), by reason.
    dropped_by_reason: Counter[str] = field(factory=Counter)
    #: Personal data replaced in text by the scrubber, by kind (``email``, ``phone`` ...).
    scrubbed: Counter[str] = field(factory=Counter)
    #: Records folded into another observation of the same id, by reason
    #: (``placeholder``, ``duplicate-post``, ``duplicate-reply``; see :mod:`tearcorpus.merge`).
    merged_by_reason: Counter[str] = field(factory=Counter)

    @property
    def posts(self) -> int:
        """Posts parsed, every input together."""
        return sum(s.posts for s in self.sources)

    @property
    def replies(self) -> int:
        """Replies parsed, every input together."""
        return sum(s.replies for s in self.sources)

    @property
    def rejected(self) -> int:
        """Records rejected by a parser, every input together."""
        return sum(s.rejected for s in self.sources)

    @property
    def read(self) -> int:
        """Records read, every input together."""
        return sum(s.read for s in self.sources)

    @property
    def dropped(self) -> int:
        """Records left out by a transform."""
        return sum(self.dropped_by_reason.values())

    @property
    def merged(self) -> int:
        """Records folded into another observation of the same id."""
        return sum(self.merged_by_reason.values())

    @property
    def written(self) -> int:
        """Records that went on to the output:
        ``read == written + rejected + dropped + merged``."""
        return self.posts + self.replies - self.dropped - self.merged

    @property
    def formats(self) -> list[str]:
        """The input formats read, sorted."""
        return sorted({s.format for s in self.sources})

    @property
    def rejected_by_reason(self) -> Counter[str]:
        """Rejected records by reason, every input together."""
        total: Counter[str] = Counter()
        for s in self.sources:
            total.update(s.rejected_by_reason)
        return total

    @property
    def notes(self) -> Counter[str]:
        """Observations that cost no record, every input together."""
        total: Counter[str] = Counter()
        for s in self.sources:
            total.update(s.notes)
        return total

    @property
    def errors(self) -> list[ParseError]:
        """The located errors kept, input by input."""
        return [e for s in self.sources for e in s.errors]

    def to_dict(self) -> ReportDict:
        """The counts as plain JSON data (``inspect --json``, ``convert --json``)."""
        return {
            "formats": self.formats,
            "read": self.read,
            "posts": self.posts,
            "replies": self.replies,
            "rejected": self.rejected,
            "rejected_by_reason": dict(sorted(self.rejected_by_reason.items())),
            "dropped": self.dropped,
            "dropped_by_reason": dict(sorted(self.dropped_by_reason.items())),
            "merged": self.merged,
            "merged_by_reason": dict(sorted(self.merged_by_reason.items())),
            "written": self.written,
            "scrubbed": dict(sorted(self.scrubbed.items())),
            "notes": dict(sorted(self.notes.items())),
            "sources": [s.to_dict() for s in self.sources],
        }
