"""Private spill files of pickled batches: the run's own scratch files (bucket spills,
worker parts), never read from outside it. Written a batch at a time, read back lazily,
in a scratch folder of their own (:func:`scratch`)."""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import IO, TypeVar

from ._atomic import SHARDS_PREFIX, describe
from .errors import ExportError

__all__ = ["dump_batches", "load_batches", "scratch"]

T = TypeVar("T")


def dump_batches(items: Iterable[T], out: IO[bytes], size: int) -> None:
    """Append *items* to *out* in pickled lists of at most *size*, flushed; a write that
    fails (a full disk) raises an :class:`~tearcorpus.errors.ExportError` saying so."""
    it = iter(items)
    try:
        while batch := list(islice(it, size)):
            pickle.dump(batch, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()
    except OSError as exc:
        raise ExportError(f"cannot write a scratch file: {describe(exc)}") from None


def load_batches(path: str, buffering: int = 1 << 16) -> Iterator[T]:
    """The items of the pickled lists in *path*, in order, a list at a time. The caller
    says what they are (the type it annotates, the type of what it returns): what
    :func:`dump_batches` was given."""
    with open(path, "rb", buffering=buffering) as handle:
        while True:
            try:
                batch: list[T] = pickle.load(handle)
            except EOFError:
                return
            yield from batch


def scratch(folder: str | None) -> str:
    """A private scratch folder in *folder* (else the system's), named as the workers'
    scratch folders are, so that the next run clears it if this one is killed."""
    try:
        return tempfile.mkdtemp(prefix=SHARDS_PREFIX, dir=folder)
    except OSError:
        try:
            return tempfile.mkdtemp(prefix=SHARDS_PREFIX)
        except OSError as exc:
            raise ExportError(f"cannot create a scratch folder: {exc.strerror or exc}") from None
