"""The dataset card's statistics, counted while the record batches go by.

:class:`StatsBuilder` takes the record batches of the ``posts`` and ``replies`` tables
(``platform`` as its name) one at a time and gives :class:`CorpusStats`: counts, distinct
threads and authors, platforms, the time range, text length quantiles, input formats,
parser versions and transforms, and how many records were pseudonymised or scrubbed.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from attrs import define

from .configs import THREADS

__all__ = ["MERGE_AT", "CorpusStats", "StatsBuilder"]

Counts = npt.NDArray[np.int64]

#: Held distinct values (or length counts) past which :class:`StatsBuilder` merges them.
MERGE_AT: Final = 100_000


def _nearest(rows: int, q: float) -> int:
    # The rank ``pc.quantile(..., interpolation="nearest")`` picks among *rows* sorted
    # values: the nearest to ``(rows - 1) * q``, ties to the even rank.
    index = (rows - 1) * q
    rank = int(index)
    fraction = index - rank
    return rank + 1 if fraction > 0.5 or (fraction == 0.5 and rank & 1) else rank


class _Distinct:
    """The distinct strings of many arrays: each array's distinct values, merged into one
    array whenever they outgrow twice the last merge (memory: about the distinct values)."""

    def __init__(self) -> None:
        self._chunks: list[pa.Array] = []
        self._held = self._merged = 0

    def add(self, values: pa.Array | pa.ChunkedArray) -> None:
        unique = pc.unique(values)
        self._chunks.append(unique)
        self._held += len(unique)
        if self._held > max(MERGE_AT, 2 * self._merged):
            merged = pc.unique(self._all())
            self._chunks, self._held, self._merged = [merged], len(merged), len(merged)

    def _all(self) -> pa.ChunkedArray:
        return pa.chunked_array(self._chunks, type=pa.string())

    def count(self) -> int:
        """How many distinct non-null values were added."""
        return int(pc.count_distinct(self._all()).as_py())


class _Lengths:
    """How many times each length occurs, for exact min, median, p90 and max: the counts
    of each batch, merged when they outgrow twice the last merge."""

    def __init__(self) -> None:
        self._values: list[Counts] = []
        self._counts: list[Counts] = []
        self._held = self._merged = 0

    def add(self, lengths: pa.Array | pa.ChunkedArray) -> None:
        values = lengths.drop_null().to_numpy()
        if len(values) == 0:
            return
        distinct, counts = np.unique(values, return_counts=True)
        self._values.append(distinct)
        self._counts.append(counts)
        self._held += len(distinct)
        if self._held > max(MERGE_AT, 2 * self._merged):
            self._merge()

    def _merge(self) -> tuple[Counts, Counts]:
        if not self._values:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        distinct, at = np.unique(np.concatenate(self._values), return_inverse=True)
        counts = np.bincount(at, weights=np.concatenate(self._counts)).astype(np.int64)
        self._values, self._counts = [distinct], [counts]
        self._held = self._merged = len(distinct)
        return distinct, counts

    def summary(self) -> dict[str, int] | None:
        """Min, median, p90 and max as ``pc.quantile(..., interpolation="nearest")``
        gives them over all the lengths; ``None`` if there were none."""
        values, counts = self._merge()
        if len(values) == 0:
            return None
        ends = np.cumsum(counts)  # the rank after the last of each value
        rows = int(ends[-1])

        def at(rank: int) -> int:
            return int(values[int(np.searchsorted(ends, rank, side="right"))])

        return {
            "min": int(values[0]),
            "median": at(_nearest(rows, 0.5)),
            "p90": at(_nearest(rows, 0.9)),
            "max": int(values[-1]),
        }


@define
class CorpusStats:
    """Figures for the card, computed column-wise from the raw tables."""

    posts: int
    replies: int
    threads: int
    authors: int
    platforms: dict[str, int]
    first: str | None
    last: str | None
    estimated_times: int
    text_lengths: dict[str, dict[str, int] | None]
    transforms: dict[str, int]
    formats: dict[str, int]
    parser_versions: list[str]
    #: Records whose provenance names an anonymise / scrub transform.
    anonymized: int
    scrubbed: int

    @property
    def records(self) -> int:
        """Posts and replies together."""
        return self.posts + self.replies

    @property
    def anonymization(self) -> str:
        """``all``, ``partial`` or ``none`` of the records pseudonymised."""
        if self.records and self.anonymized == self.records:
            return "all"
        return "partial" if self.anonymized else "none"


def _is_anonymize(transform: str) -> bool:
    return transform.lower().startswith(("anonymize", "anonymise", "pseudonymi"))


def _is_scrub(transform: str) -> bool:
    return transform.lower().startswith("scrub")


class StatsBuilder:
    """:class:`CorpusStats` computed while the record batches go by, a batch at a time.

    Holds what cannot be merged into a number at once: the distinct thread and author
    ids, and how many texts have each length (for exact quantiles).
    """

    def __init__(self) -> None:
        self._rows = {"posts": 0, "replies": 0}
        self._threads = _Distinct()
        self._authors = _Distinct()
        self._lengths = {"posts": _Lengths(), "replies": _Lengths()}
        self._platforms: Counter[str] = Counter()
        self._formats: Counter[str] = Counter()
        self._transforms: Counter[str] = Counter()
        self._versions: set[str] = set()
        self._anonymized = self._scrubbed = self._estimated = 0
        self._first: datetime | None = None
        self._last: datetime | None = None

    def add(self, table: str, batch: pa.RecordBatch) -> None:
        """Count *batch*, a record batch of the ``posts`` or ``replies`` table."""
        rows = len(batch)
        self._rows[table] += rows
        if rows == 0:
            return
        self._threads.add(batch.column(THREADS[table]))
        self._authors.add(pc.struct_field(batch.column("author"), "id"))
        self._lengths[table].add(pc.utf8_length(batch.column("text")))
        for item in pc.value_counts(batch.column("platform")).to_pylist():
            self._platforms[item["values"]] += item["counts"]
        times = batch.column("created_at")
        low, high = pc.min(times).as_py(), pc.max(times).as_py()
        if low is not None:
            self._first = low if self._first is None or low < self._first else self._first
            self._last = high if self._last is None or high > self._last else self._last
        estimated = pc.sum(pc.and_(batch.column("created_at_estimated"), pc.is_valid(times)))
        self._estimated += estimated.as_py() or 0
        provenance = batch.column("provenance")
        for item in pc.value_counts(pc.struct_field(provenance, "format")).to_pylist():
            if item["values"] is not None:
                self._formats[item["values"]] += item["counts"]
        self._versions.update(
            v for v in pc.unique(pc.struct_field(provenance, "parser_version")).to_pylist() if v
        )
        # Transform lists are short and repeat: count distinct lists, not rows.
        lists = pc.struct_field(provenance, "transforms")
        for item in pc.value_counts(pc.binary_join(lists, "\x1f")).to_pylist():
            names = [] if not item["values"] else item["values"].split("\x1f")
            for name in names:
                self._transforms[name] += item["counts"]
            if any(_is_anonymize(n) for n in names):
                self._anonymized += item["counts"]
            if any(_is_scrub(n) for n in names):
                self._scrubbed += item["counts"]

    def result(self) -> CorpusStats:
        """The statistics of every batch added."""
        first, last = self._first, self._last
        return CorpusStats(
            posts=self._rows["posts"],
            replies=self._rows["replies"],
            threads=self._threads.count(),
            authors=self._authors.count(),
            platforms=dict(self._platforms.most_common()),
            first=first.isoformat().replace("+00:00", "Z") if first is not None else None,
            last=last.isoformat().replace("+00:00", "Z") if last is not None else None,
            estimated_times=self._estimated,
            text_lengths={t: counts.summary() for t, counts in self._lengths.items()},
            transforms=dict(self._transforms.most_common()),
            formats=dict(self._formats.most_common()),
            parser_versions=sorted(self._versions),
            anonymized=self._anonymized,
            scrubbed=self._scrubbed,
        )
