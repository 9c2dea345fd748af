"""What every transform uses: :class:`Drop`, :func:`with_step` and :func:`choose`. The
transform contract itself is :class:`tearcorpus.typing.Transform`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

import attrs
from attrs import frozen

from ..model import Provenance, Record

__all__ = ["Drop", "choose", "with_step"]

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


def choose(
    value: str | Iterable[str], choices: tuple[str, ...], what: str, *, every: bool = True
) -> set[str]:
    """The *choices* named in *value* (``"a,b"`` or a list; case and spaces ignored, ``all``
    for every one unless not *every*); a name not in *choices* is a ``ValueError``
    naming *what* it should be (``unknown scrub kind 'x'; choose from: ...``)."""
    items = value.split(",") if isinstance(value, str) else value
    chosen: set[str] = set()
    for item in (i.strip().lower() for i in items):
        if not item:
            continue
        if item == "all" and every:
            chosen.update(choices)
        elif item in choices:
            chosen.add(item)
        else:
            raise ValueError(f"unknown {what} {item!r}; choose from: {', '.join(choices)}")
    return chosen
