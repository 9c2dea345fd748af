"""Values gathered by key from a stream, then built a group at a time, in bounded memory.

The conversation exports need each thread whole (a reply's path needs its ancestors) out
of a stream that interleaves threads (a Pushshift month). :class:`Groups` takes
``(key, value)`` pairs in input order and numbers them; :meth:`Groups.build` calls a
function once per key with that key's values in input order, and gives what the calls
returned merged into one stream ordered by the numbers they chose (input positions, so
that the output follows the input whatever the grouping).

Memory: up to :data:`HELD_VALUES` values are held; past that they go to bucket files on
disk by a hash of their key (:data:`BUCKETS` of them), and each bucket is built on its own
(one bucket's values in memory at a time; a bucket still larger than the limit is cut
again, with another hash, unless it holds a single key, which is the floor: one group
whole). The builds' results are sorted within a bucket, spilled as a run, and the runs
merged back (``heapq.merge``), as :func:`tearcorpus._byid.merge_by_id` does for ids.
The output is the same whether or not anything was spilled, and however the keys hash.
"""

from __future__ import annotations

import heapq
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Final, TypeAlias

from ._byid import _scratch
from ._pickled import dump_batches, load_batches

__all__ = ["BUCKETS", "HELD_VALUES", "Built", "Groups"]

#: Values held in memory before they are spilled to bucket files.
HELD_VALUES: Final = 20_000
#: Bucket files a spill cuts the values into.
BUCKETS: Final = 64
#: Items pickled together in a spill or run file.
_BATCH: Final = 256
#: A bucket this many times cut again is built whole, whatever its size.
_MAX_CUTS: Final = 3

#: What a build gives for a group: ``(order, channel, item)``; the merged output is
#: ordered by ``(order, channel)``, which must not repeat.
Built: TypeAlias = tuple[int, int, Any]
#: The function built once per group: its values as ``(number, value)`` in input order.
Build: TypeAlias = Callable[[list[tuple[int, Any]]], Iterable[Built]]


class Groups:
    """``(key, value)`` pairs gathered by key (see the module docs). *folder* is where the
    scratch folder for the bucket files goes (``None``: the system's temporary folder);
    *held* the values held in memory before spilling."""

    def __init__(self, folder: str | None = None, *, held: int | None = None) -> None:
        self._folder = folder
        self._limit = HELD_VALUES if held is None else max(1, held)
        self._held: dict[str, list[tuple[int, Any]]] = {}
        self._count = 0
        self._in_memory = 0
        self._spill: str | None = None
        self._buckets = 0

    def __len__(self) -> int:
        """Values added so far."""
        return self._count

    def add(self, key: str, value: Any) -> None:
        """Add *value* to the group *key*; it is numbered by its place in the input."""
        group = self._held.get(key)
        if group is None:
            self._held[key] = group = []
        group.append((self._count, value))
        self._count += 1
        self._in_memory += 1
        if self._in_memory >= self._limit:
            self._spill_held()

    def build(self, make: Build) -> Iterator[tuple[int, Any]]:
        """``make(values)`` for every group; their items as ``(channel, item)`` in the
        order of ``(order, channel)``. Consumes the groups (call once)."""
        if self._spill is None:
            built = [item for group in self._held.values() for item in make(group)]
            self._held = {}
            self._in_memory = 0
            built.sort(key=_order)
            for _, channel, item in built:
                yield channel, item
            return
        self._spill_held()
        spill = self._spill
        runs: list[str] = []
        for index in range(self._buckets):
            path = os.path.join(spill, f"bucket-{index:04d}")
            if os.path.exists(path):
                runs += _runs(path, make, self._limit, spill, cuts=1)
        for _, channel, item in heapq.merge(*(load_batches(run) for run in runs), key=_order):
            yield channel, item

    def close(self) -> None:
        """Remove the scratch files; never raises."""
        self._held = {}
        if self._spill is not None:
            shutil.rmtree(self._spill, ignore_errors=True)
            self._spill = None

    def __enter__(self) -> Groups:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _spill_held(self) -> None:
        """Append the values held to the bucket files."""
        if self._spill is None:
            self._spill = _scratch(self._folder)
            self._buckets = BUCKETS
        _spill(self._held, self._spill, "bucket", self._buckets, salt=0)
        self._held = {}
        self._in_memory = 0


def _order(item: Built) -> tuple[int, int]:
    return item[0], item[1]


def _bucket_of(key: str, salt: int, count: int) -> int:
    return hash((salt, key)) % count


def _spill(
    groups: dict[str, list[tuple[int, Any]]], folder: str, prefix: str, count: int, *, salt: int
) -> None:
    """Append each group's ``(key, number, value)`` triples to its bucket file."""
    batches: dict[int, list[tuple[str, int, Any]]] = {}
    for key, values in groups.items():
        batch = batches.setdefault(_bucket_of(key, salt, count), [])
        batch.extend((key, number, value) for number, value in values)
    for index, batch in batches.items():
        with open(os.path.join(folder, f"{prefix}-{index:04d}"), "ab") as out:
            dump_batches(batch, out, _BATCH)


def _runs(path: str, make: Build, limit: int, spill: str, *, cuts: int) -> list[str]:
    """Every group of the bucket file *path* built, into run files of sorted items (the
    bucket file is removed); a bucket above *limit* values with more than one key is cut
    again first (another hash, new bucket files), one run per part."""
    groups: dict[str, list[tuple[int, Any]]] = {}
    size = 0
    for key, number, value in load_batches(path):
        groups.setdefault(key, []).append((number, value))
        size += 1
    os.unlink(path)
    if size > limit and len(groups) > 1 and cuts < _MAX_CUTS:
        prefix = f"{os.path.basename(path)}-{cuts}"
        _spill(groups, spill, prefix, BUCKETS, salt=cuts)
        del groups
        runs: list[str] = []
        for index in range(BUCKETS):
            part = os.path.join(spill, f"{prefix}-{index:04d}")
            if os.path.exists(part):
                runs += _runs(part, make, limit, spill, cuts=cuts + 1)
        return runs
    built = [item for group in groups.values() for item in make(group)]
    del groups
    built.sort(key=_order)
    run = path + ".run"
    _write_run(run, built)
    return [run]


def _write_run(path: str, items: list[Built]) -> None:
    with open(path, "wb") as out:
        dump_batches(items, out, _BATCH)
