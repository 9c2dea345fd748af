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

Memory: up to :data:`HELD_VALUES` values (or the number told) are held. Past that, the
values go to bucket files on disk by a hash of their key (:data:`BUCKETS` of them, or the
number told), each through a short list of values waiting for it, and each bucket is
built on its own (one bucket's values in memory at a time; a bucket still larger than the
limit is cut again, with another hash, unless it holds a single key, which is the floor:
one group whole). The builds' results are sorted within a bucket and spilled as a run (a
bucket cut again merges its parts' runs into one), and the runs merged back
(``heapq.merge``), a batch of each in memory. The output is the same whether or not
anything was spilled, and however the keys hash.

A *fold* given to :class:`ByKey` folds a key's values as they are gathered, so that a
group holds one value: :func:`tearcorpus._byid.merge_by_id` folds an id's records.
"""

from __future__ import annotations

import contextlib
import heapq
import os
import shutil
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import IO, Final, Generic, Self, TypeAlias, TypeVar

from ._pickled import dump_batches, load_batches, scratch
from .model import Record

__all__ = ["BUCKETS", "HELD_VALUES", "Build", "Built", "ByKey", "Group", "Groups"]

#: Values held in memory before they are spilled to bucket files.
HELD_VALUES: Final = 20_000
#: Bucket files a spill cuts the values into, unless told.
BUCKETS: Final = 64
#: Items pickled together in a spill or run file, at most. Small batches are read and
#: written while still in the processor's cache: 64 or more made merging by id slower.
_BATCH: Final = 32
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
    *held* the values held in memory at once; *buckets* the bucket files a spill cuts
    them into. With *fold*, a key's values are folded as they are gathered,
    ``fold(fold(first, second), third)``, so that its group holds one value, numbered as
    its first (for a build that needs only the fold; less memory, less sorting)."""

    def __init__(
        self,
        folder: str | None = None,
        *,
        held: int | None = None,
        buckets: int | None = None,
        fold: Callable[[V, V], V] | None = None,
    ) -> None:
        self._folder = folder
        self._fold = fold
        self._limit = HELD_VALUES if held is None else max(1, held)
        self._buckets = BUCKETS if buckets is None else max(1, buckets)
        self._held: dict[K, Group[V]] = {}
        self._count = 0
        self._spill: str | None = None
        #: Once spilling: the bucket files, open, and the values waiting for each.
        self._files: list[IO[bytes]] = []
        self._pending: list[list[tuple[K, int, V]]] = []
        self._written = self._batch(self._buckets)

    def __len__(self) -> int:
        """Values added so far."""
        return self._count

    def add(self, key: K, value: V) -> None:
        """Add *value* to the group *key*; it is numbered by its place in the input."""
        if self._files:
            self._to_bucket(key, self._count, value)
        else:
            group = self._held.get(key)
            if group is None:
                self._held[key] = [(self._count, value)]
            elif self._fold is None:
                group.append((self._count, value))
            else:
                group[0] = (group[0][0], self._fold(group[0][1], value))
            if self._count + 1 >= self._limit:
                self._start_spilling()
        self._count += 1

    def build(self, make: Build[V, R]) -> Iterator[tuple[int, R]]:
        """``make(values)`` for every group; their items as ``(channel, item)`` in the
        order of ``(order, channel)``. Consumes the groups (call once)."""
        if self._spill is None:
            built = [item for group in self._held.values() for item in make(group)]
            self._held = {}
            built.sort()  # by (order, channel), which never repeat: items are not compared
            for _, channel, item in built:
                yield channel, item
            return
        spill = self._spill
        self._close_buckets()
        runs: list[Iterator[Built[R]]] = []
        for index in range(self._buckets):
            path = os.path.join(spill, f"bucket-{index:04d}")
            if os.path.exists(path):
                runs.append(load_batches(self._run(path, make, spill, self._buckets, cuts=1)))
        for _, channel, item in heapq.merge(*runs):
            yield channel, item

    def close(self) -> None:
        """Remove the scratch files; never raises."""
        self._held = {}
        if self._spill is not None:
            for handle in self._files:
                with contextlib.suppress(OSError):  # a write that failed is reported already
                    handle.close()
            self._files, self._pending = [], []
            shutil.rmtree(self._spill, ignore_errors=True)
            self._spill = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start_spilling(self) -> None:
        """Open the bucket files and send the values held to them: from now on each value
        goes to its key's bucket (through a short list of values waiting for it)."""
        self._spill = spill = scratch(self._folder)
        self._pending = [[] for _ in range(self._buckets)]
        for index in range(self._buckets):
            self._files.append(open(os.path.join(spill, f"bucket-{index:04d}"), "wb"))  # noqa: SIM115
        for key, values in self._held.items():
            for number, value in values:
                self._to_bucket(key, number, value)
        self._held = {}

    def _to_bucket(self, key: K, number: int, value: V) -> None:
        index = hash(key) % self._buckets
        waiting = self._pending[index]
        waiting.append((key, number, value))
        if len(waiting) >= self._written:
            dump_batches(waiting, self._files[index], self._written)
            waiting.clear()

    def _close_buckets(self) -> None:
        """Write the values still waiting and close the bucket files."""
        for waiting, handle in zip(self._pending, self._files, strict=True):
            dump_batches(waiting, handle, _BATCH)
            handle.close()
        self._files, self._pending = [], []

    def _run(self, path: str, make: Build[V, R], spill: str, runs: int, *, cuts: int) -> str:
        """Every group of the bucket file *path* built, into a run file of sorted items
        whose path is returned (the bucket file is removed). A bucket above the limit with
        more than one key is cut again first (another hash, :data:`BUCKETS` new bucket
        files), each part built into a run, and the parts' runs merged into the one. The
        run is to be read with *runs* others at once: its items are pickled in batches
        small enough that all the runs' batches held at once stay within the limit."""
        groups: dict[K, Group[V]] = {}
        fold = self._fold
        spilled: Iterator[tuple[K, int, V]] = load_batches(path)
        for key, number, value in spilled:
            group = groups.get(key)
            if group is None:
                groups[key] = [(number, value)]
            elif fold is None:
                group.append((number, value))
            else:
                group[0] = (group[0][0], fold(group[0][1], value))
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
                    parts.append(self._run(part, make, spill, BUCKETS, cuts=cuts + 1))
            read: list[Iterator[Built[R]]] = [load_batches(part) for part in parts]
            with open(run, "wb") as out:
                dump_batches(heapq.merge(*read), out, self._batch(runs))
            for part in parts:
                os.unlink(part)
            return run
        built = [item for group in groups.values() for item in make(group)]
        del groups
        built.sort()
        with open(run, "wb") as out:
            dump_batches(built, out, self._batch(runs))
        return run

    def _batch(self, files: int) -> int:
        """Items pickled together in a file read, or written, with *files* others at
        once: few enough that one batch of each stays within the limit."""
        return max(1, min(_BATCH, self._limit // files))


class Groups(ByKey[str, Record]):
    """Records gathered by the id of their thread, for the conversation exports: a
    :class:`ByKey` whose keys are thread ids and values records."""


def _cut(groups: dict[K, Group[V]], folder: str, prefix: str, count: int, *, salt: int) -> None:
    """Write each group's ``(key, number, value)`` triples to its bucket file, one of
    *count* chosen by a hash of the key and *salt* (another hash than the one that put
    them together)."""
    batches: dict[int, list[tuple[K, int, V]]] = {}
    for key, values in groups.items():
        batch = batches.setdefault(hash((salt, key)) % count, [])
        batch.extend([(key, number, value) for number, value in values])
    for index, batch in batches.items():
        with open(os.path.join(folder, f"{prefix}-{index:04d}"), "ab") as out:
            dump_batches(batch, out, _BATCH)
