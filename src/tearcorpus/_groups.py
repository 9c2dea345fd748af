"""Values gathered by key from a stream, built a key at a time, and what the builds gave
merged back in input order, in bounded memory.

:class:`ByKey` takes ``(key, value)`` pairs in input order and numbers them;
:meth:`ByKey.build` calls a function once per key with that key's values in input order
(a :data:`Group`), and gives what the calls returned merged into one stream ordered by
the numbers they chose (input positions, so that the output follows the input whatever
the grouping). Two uses:

- the conversation exports need each thread whole (a reply's path needs its ancestors)
  out of a stream that interleaves threads (a Pushshift month): :class:`Groups`, records
  by thread id;
- :func:`tearcorpus._byid.merge_by_id` folds each id's observations into one record.

Memory: up to :data:`HELD_VALUES` values are held; past that they go to bucket files on
disk by a hash of their key (:data:`BUCKETS` of them unless told), and each bucket is
built on its own (one bucket's values in memory at a time; a bucket still larger than the
limit is cut again, with another hash, unless it holds a single key, which is the floor:
one group whole). The builds' results are sorted within a bucket and spilled as a run (a
bucket cut again merges its parts' runs into one), and the runs merged back
(``heapq.merge``), so that no more than :data:`BUCKETS` (or the buckets told) runs are
read at once. The output is the same whether or not anything was spilled, and however
the keys hash.
"""

from __future__ import annotations

import heapq
import os
import shutil
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import Final, Generic, Self, TypeAlias, TypeVar

from ._pickled import dump_batches, load_batches, scratch
from .model import Record

__all__ = ["BUCKETS", "HELD_VALUES", "Build", "Built", "ByKey", "Group", "Groups"]

#: Values held in memory before they are spilled to bucket files.
HELD_VALUES: Final = 20_000
#: Bucket files a spill cuts the values into, unless told.
BUCKETS: Final = 64
#: Items pickled together in a spill or run file.
_BATCH: Final = 256
#: A bucket this many times cut again is built whole, whatever its size.
_MAX_CUTS: Final = 3

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
R = TypeVar("R")

#: One key's values as ``(number, value)``, in input order.
Group: TypeAlias = list[tuple[int, V]]
#: What a build gives for a group: ``(order, channel, item)``; the merged output is
#: ordered by ``(order, channel)``, which must not repeat.
Built: TypeAlias = tuple[int, int, R]
#: The function built once per group.
Build: TypeAlias = Callable[[Group[V]], Iterable[Built[R]]]


class ByKey(Generic[K, V]):
    """``(key, value)`` pairs gathered by key (see the module docs). *folder* is where the
    scratch folder for the bucket files goes (``None``: the system's temporary folder);
    *held* the values held in memory before spilling; *buckets* the bucket files a spill
    cuts them into."""

    def __init__(
        self, folder: str | None = None, *, held: int | None = None, buckets: int | None = None
    ) -> None:
        self._folder = folder
        self._limit = HELD_VALUES if held is None else max(1, held)
        self._buckets = BUCKETS if buckets is None else max(1, buckets)
        self._held: dict[K, Group[V]] = {}
        self._count = 0
        self._in_memory = 0
        self._spill: str | None = None

    def __len__(self) -> int:
        """Values added so far."""
        return self._count

    def add(self, key: K, value: V) -> None:
        """Add *value* to the group *key*; it is numbered by its place in the input."""
        group = self._held.get(key)
        if group is None:
            self._held[key] = group = []
        group.append((self._count, value))
        self._count += 1
        self._in_memory += 1
        if self._in_memory >= self._limit:
            self._spill_held()

    def build(self, make: Build[V, R]) -> Iterator[tuple[int, R]]:
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
        runs: list[Iterator[Built[R]]] = []
        for index in range(self._buckets):
            path = os.path.join(spill, f"bucket-{index:04d}")
            if os.path.exists(path):
                runs.append(load_batches(self._run(path, make, spill, cuts=1)))
        for _, channel, item in heapq.merge(*runs, key=_order):
            yield channel, item

    def close(self) -> None:
        """Remove the scratch files; never raises."""
        self._held = {}
        self._in_memory = 0
        if self._spill is not None:
            shutil.rmtree(self._spill, ignore_errors=True)
            self._spill = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _spill_held(self) -> None:
        """Append the values held to the bucket files."""
        if self._spill is None:
            self._spill = scratch(self._folder)
        _cut(self._held, self._spill, "bucket", self._buckets, salt=0)
        self._held = {}
        self._in_memory = 0

    def _run(self, path: str, make: Build[V, R], spill: str, *, cuts: int) -> str:
        """Every group of the bucket file *path* built, into a run file of sorted items
        whose path is returned (the bucket file is removed). A bucket above the limit with
        more than one key is cut again first (another hash, :data:`BUCKETS` new bucket
        files), each part built into a run, and the parts' runs merged into the one."""
        groups: dict[K, Group[V]] = {}
        triples: Iterator[tuple[K, int, V]] = load_batches(path)
        for key, number, value in triples:
            groups.setdefault(key, []).append((number, value))
        os.unlink(path)
        run = path + ".run"
        size = sum(map(len, groups.values()))
        if size > self._limit and len(groups) > 1 and cuts < _MAX_CUTS:
            prefix = f"{os.path.basename(path)}-{cuts}"
            _cut(groups, spill, prefix, BUCKETS, salt=cuts)
            del groups
            parts: list[str] = []
            for index in range(BUCKETS):
                part = os.path.join(spill, f"{prefix}-{index:04d}")
                if os.path.exists(part):
                    parts.append(self._run(part, make, spill, cuts=cuts + 1))
            read: list[Iterator[Built[R]]] = [load_batches(part) for part in parts]
            with open(run, "wb") as out:
                dump_batches(heapq.merge(*read, key=_order), out, _BATCH)
            for part in parts:
                os.unlink(part)
            return run
        built = [item for group in groups.values() for item in make(group)]
        del groups
        built.sort(key=_order)
        with open(run, "wb") as out:
            dump_batches(built, out, _BATCH)
        return run


class Groups(ByKey[str, Record]):
    """Records gathered by the id of their thread, for the conversation exports: a
    :class:`ByKey` whose keys are thread ids and values records."""


def _order(item: Built[object]) -> tuple[int, int]:
    return item[0], item[1]


def _cut(groups: dict[K, Group[V]], folder: str, prefix: str, count: int, *, salt: int) -> None:
    """Append each group's ``(key, number, value)`` triples to its bucket file, one of
    *count* chosen by a hash of the key and *salt*."""
    batches: dict[int, list[tuple[K, int, V]]] = {}
    for key, values in groups.items():
        batch = batches.setdefault(hash((salt, key)) % count, [])
        batch.extend((key, number, value) for number, value in values)
    for index, batch in batches.items():
        with open(os.path.join(folder, f"{prefix}-{index:04d}"), "ab") as out:
            dump_batches(batch, out, _BATCH)
