"""The contract between the pipeline and a transform, and helpers every transform uses."""

from __future__ import annotations

from typing import Any, ClassVar, Protocol, TypeVar

import attrs
from attrs import frozen

from ..model import Provenance, Record
from ..report import Report

__all__ = ["Drop", "Transform", "with_step"]

R = TypeVar("R", bound=Record)


@frozen
class Drop:
    """A transform's verdict that a record leaves the corpus, and why.

    ``reason`` is a short kebab-case kind (``empty``, ``duplicate``, ``bot`` ...): the key
    of :attr:`tearcorpus.Report.dropped`.
    """

    reason: str


class Transform(Protocol):
    """One step of the pipeline: a record in, a record (or a :class:`Drop`) out.

    Transforms see one record at a time and may keep state between records (dedup keeps
    hashes, anonymise keeps known names); they never hold the records themselves.
    """

    #: The step's name in the registry and on the command line.
    name: ClassVar[str]
    #: False for steps that only rewrite records and never drop one (scrub, anonymise).
    drops: ClassVar[bool]

    def apply(self, record: Record, report: Report) -> Record | Drop:
        """Return the record (changed or not), or a :class:`Drop`; count in *report*."""
        ...


def with_step(record: R, *steps: str, **changes: Any) -> R:
    """*record* with *changes* applied and *steps* appended to ``provenance.transforms``.

    A record without provenance gets one (source ``<memory>``) so that what was done to
    its text is never lost.
    """
    prov = record.provenance
    if prov is None:
        prov = Provenance(source="<memory>", format="")
    prov = attrs.evolve(prov, transforms=(*prov.transforms, *steps))
    return attrs.evolve(record, provenance=prov, **changes)
