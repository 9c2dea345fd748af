"""Transforms: records in, records (or drops, counted by reason) out, streamed.

A transform is an object with ``name``, ``drops`` and ``apply(record, report)`` (see
:class:`tearcorpus.typing.Transform`); :data:`TRANSFORMS` finds each by name
and :func:`apply_transforms` composes them. The command line runs them in
:data:`ORDER`::

    exclude → normalize → filter → dedup → near-dedup → anonymize → scrub

- normalising first lets filters and dedup see clean text;
- filters and dedup run before any rewriting, so they judge the source (a bot's real
  name, the text as written) and spend no work on records they drop;
- anonymising rewrites mentions of known authors (``@Name`` → ``@anon-…``) before the
  scrubber replaces every remaining ``@handle`` and ``u/user`` with a placeholder.

A dropped record is passed, when a ``dropped`` callback is given, through the later
steps that never drop (anonymise, scrub) first: records written aside are as private
as the corpus.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Final

from ..model import Record
from ..report import Report
from ..typing import Transform
from ._base import Drop, with_step
from .anonymize import (
    AnonymizationKeyError,
    Anonymizer,
    anonymize,
    collect_names,
    load_key,
    pseudonym,
)
from .dedup import ExactDedup, NearDedup
from .exclude import Excluder
from .filters import DroppedWriter, Filter
from .normalize import Normalizer
from .scrub import Scrubber, find_pii, scrub, scrub_text

__all__ = [
    "ORDER",
    "TRANSFORMS",
    "AnonymizationKeyError",
    "Anonymizer",
    "Drop",
    "DroppedWriter",
    "ExactDedup",
    "Excluder",
    "Filter",
    "NearDedup",
    "Normalizer",
    "Scrubber",
    "Transform",
    "anonymize",
    "apply_transforms",
    "collect_names",
    "find_pii",
    "load_key",
    "pseudonym",
    "scrub",
    "scrub_text",
    "sort_transforms",
    "with_step",
]

#: Name → transform class. Each class documents its own options.
TRANSFORMS: Final[dict[str, type[Transform]]] = {
    t.name: t for t in (Excluder, Normalizer, Filter, ExactDedup, NearDedup, Anonymizer, Scrubber)
}

#: The documented order the command line runs transforms in.
ORDER: Final = ("exclude", "normalize", "filter", "dedup", "near-dedup", "anonymize", "scrub")

#: Called with each dropped record and its reason.
DroppedCallback = Callable[[Record, str], None]


def sort_transforms(transforms: Iterable[Transform]) -> list[Transform]:
    """*transforms* in :data:`ORDER` (a stable sort: unknown names keep their place last)."""
    rank = {name: i for i, name in enumerate(ORDER)}
    return sorted(transforms, key=lambda t: rank.get(t.name, len(ORDER)))


def apply_transforms(
    records: Iterable[Record],
    transforms: Sequence[Transform],
    report: Report | None = None,
    *,
    dropped: DroppedCallback | None = None,
) -> Iterator[Record]:
    """Stream *records* through *transforms* in the order given.

    Each dropped record is counted in ``report.dropped_by_reason`` under its reason and, when
    *dropped* is given, handed to it after the later non-dropping steps have run on it.
    Holds no record longer than it takes to pass it on.
    """
    report = Report() if report is None else report
    steps = list(transforms)
    for record in records:
        current: Record = record
        for i, step in enumerate(steps):
            out = step.apply(current, report)
            if isinstance(out, Drop):
                report.dropped_by_reason[out.reason] += 1
                if dropped is not None:
                    dropped(_rewrite_only(current, steps[i + 1 :]), out.reason)
                break
            current = out
        else:
            yield current


def _rewrite_only(record: Record, steps: Sequence[Transform]) -> Record:
    # Scrub counts of records written aside are not the corpus's counts.
    aside = Report()
    for step in steps:
        if step.drops:
            continue
        out = step.apply(record, aside)
        if not isinstance(out, Drop):
            record = out
    return record
