"""Private spill files of pickled batches: the run's own scratch files (bucket spills,
worker parts), never read from outside it. Written a batch at a time, read back lazily."""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import IO, Any

__all__ = ["dump_batches", "load_batches"]


def dump_batches(items: Iterable[Any], out: IO[bytes], size: int) -> None:
    """Append *items* to *out* in pickled lists of at most *size*."""
    it = iter(items)
    while batch := list(islice(it, size)):
        pickle.dump(batch, out, protocol=pickle.HIGHEST_PROTOCOL)


def load_batches(path: str, buffering: int = 1 << 16) -> Iterator[Any]:
    """The items of the pickled lists in *path*, in order, a list at a time."""
    with open(path, "rb", buffering=buffering) as handle:
        while True:
            try:
                batch: list[Any] = pickle.load(handle)
            except EOFError:
                return
            yield from batch
