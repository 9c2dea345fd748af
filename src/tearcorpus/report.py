"""Counts that add up: what was read, kept, rejected and dropped, per input and in total."""

from __future__ import annotations

from collections import Counter
from typing import Any, Final

from attrs import define, field

from .errors import ParseError

__all__ = ["Report", "SourceReport"]

#: Located errors kept per input; the counts go on past it.
MAX_KEPT_ERRORS: Final = 200


@define
class SourceReport:
    """What one input gave: records kept, rejected by reason, and observations."""

    source: str
    format: str
    posts: int = 0
    replies: int = 0
    #: Rejected records by reason kind (``invalid-json``, ``missing-field`` ...).
    rejected: Counter[str] = field(factory=Counter)
    #: The first :data:`MAX_KEPT_ERRORS` rejections, located.
    errors: list[ParseError] = field(factory=list)
    #: Things noticed that did not cost a record (``duplicate-comment``, ``more-stub`` ...).
    notes: Counter[str] = field(factory=Counter)

    @property
    def kept(self) -> int:
        """Posts and replies parsed from this input."""
        return self.posts + self.replies

    @property
    def rejected_total(self) -> int:
        """Records of this input rejected, all reasons together."""
        return sum(self.rejected.values())

    @property
    def read(self) -> int:
        """Records read: always ``kept + rejected_total``."""
        return self.kept + self.rejected_total

    def reject(self, kind: str, error: ParseError) -> None:
        """Count a rejected record under *kind*, keeping the first errors located."""
        self.rejected[kind] += 1
        if len(self.errors) < MAX_KEPT_ERRORS:
            self.errors.append(error)

    def to_dict(self) -> dict[str, Any]:
        """This input's counts as plain JSON data (``inspect --json``'s ``sources``)."""
        return {
            "source": self.source,
            "format": self.format,
            "read": self.read,
            "posts": self.posts,
            "replies": self.replies,
            "rejected": self.rejected_total,
            "rejected_by_reason": dict(sorted(self.rejected.items())),
            "errors": [str(e) for e in self.errors],
            "notes": dict(sorted(self.notes.items())),
        }


@define
class Report:
    """The sum over every input of a run."""

    sources: list[SourceReport] = field(factory=list)
    #: Records parsed but left out by a transform (filters, dedup), by reason.
    dropped: Counter[str] = field(factory=Counter)
    #: Personal data replaced in text by the scrubber, by kind (``email``, ``phone`` ...).
    scrubbed: Counter[str] = field(factory=Counter)
    #: Records folded into another observation of the same id, by reason
    #: (``placeholder``, ``duplicate-post``, ``duplicate-reply``; see :mod:`tearcorpus.merge`).
    merged: Counter[str] = field(factory=Counter)

    @property
    def posts(self) -> int:
        """Posts parsed, over every input."""
        return sum(s.posts for s in self.sources)

    @property
    def replies(self) -> int:
        """Replies parsed, over every input."""
        return sum(s.replies for s in self.sources)

    @property
    def rejected(self) -> int:
        """Records rejected, over every input."""
        return sum(s.rejected_total for s in self.sources)

    @property
    def read(self) -> int:
        """Records read, over every input: ``posts + replies + rejected``."""
        return sum(s.read for s in self.sources)

    @property
    def dropped_total(self) -> int:
        """Records left out by a transform, all reasons together."""
        return sum(self.dropped.values())

    @property
    def merged_total(self) -> int:
        """Records folded into another observation of their id, all reasons together."""
        return sum(self.merged.values())

    @property
    def written(self) -> int:
        """Records that went on to the output:
        ``read == written + rejected + dropped_total + merged_total``."""
        return self.posts + self.replies - self.dropped_total - self.merged_total

    @property
    def formats(self) -> list[str]:
        """The formats of the inputs, sorted, each once."""
        return sorted({s.format for s in self.sources})

    def rejected_by_reason(self) -> Counter[str]:
        """Rejected records by reason, over every input."""
        total: Counter[str] = Counter()
        for s in self.sources:
            total.update(s.rejected)
        return total

    def notes(self) -> Counter[str]:
        """Notes by kind, over every input."""
        total: Counter[str] = Counter()
        for s in self.sources:
            total.update(s.notes)
        return total

    def errors(self) -> list[ParseError]:
        """The located rejections kept, input by input."""
        return [e for s in self.sources for e in s.errors]

    def to_dict(self) -> dict[str, Any]:
        """The counts as plain JSON data (``inspect --json``, ``convert --json``)."""
        return {
            "formats": self.formats,
            "read": self.read,
            "posts": self.posts,
            "replies": self.replies,
            "rejected": self.rejected,
            "rejected_by_reason": dict(sorted(self.rejected_by_reason().items())),
            "dropped": self.dropped_total,
            "dropped_by_reason": dict(sorted(self.dropped.items())),
            "merged": self.merged_total,
            "merged_by_reason": dict(sorted(self.merged.items())),
            "written": self.written,
            "scrubbed": dict(sorted(self.scrubbed.items())),
            "notes": dict(sorted(self.notes().items())),
            "sources": [s.to_dict() for s in self.sources],
        }
