"""What every transform uses: :class:`Drop` and :func:`with_step`. The transform contract
itself is :class:`tearcorpus.typing.Transform`."""

from __future__ import annotations

from typing import Any, TypeVar

import attrs
from attrs import frozen

from ..model import Provenance, Record

__all__ = ["Drop", "with_step"]

R = TypeVar("R", bound=Record)


@frozen
class Drop:
    """A transform's verdict that a record leaves the corpus, and why.

    ``reason`` is a short kebab-case kind (``empty``, ``duplicate``, ``bot`` ...): the key
    of :attr:`tearcorpus.Report.dropped`.
    """

    reason: str


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
