"""One record per id on the streaming path, in bounded memory.

Two pieces, used by :mod:`tearcorpus.pipeline`:

- :class:`KeyCheck` watches a record stream and tells, at its end, whether any id came
  twice. It keeps 8 bytes a record (a 64-bit hash of the id), in 64 parts that go to
  disk once they hold :data:`KEYS_IN_MEMORY` hashes in all, and checks one part at a
  time: memory stays flat however long the stream. A hash collision only sends the run
  to the exact path below, which merges nothing it should not.
- :func:`merge_by_id` gives a stream's records with one record per id, folded by
  :func:`tearcorpus.merge.merge` in input order, in the order each id was first seen:
  the records are gathered by id (:class:`tearcorpus._groups.ByKey`: no more than
  :data:`BUCKET_RECORDS` in memory, the others spilled into buckets by id), each id's
  observations folded, and the results merged back into first-seen order. A
  large stream's records are written and read twice more than in a plain run, so
  :mod:`tearcorpus.pipeline` runs it only when :class:`KeyCheck` found a repeated id
  (or when an input cannot be read twice).
"""

from __future__ import annotations

import os
import shutil
from array import array
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Final, TypeVar

from ._groups import Built, ByKey, Group
from ._pickled import scratch
from .errors import ExportError
from .merge import merge, merge_reason
from .model import Post, Record
from .report import Report

T = TypeVar("T")

__all__ = [
    "BUCKET_RECORDS",
    "KEYS_IN_MEMORY",
    "POST_SALT",
    "KeyCheck",
    "Repeated",
    "beside",
    "merge_by_id",
    "once_per_id",
    "record_key",
    "write_keys",
]

#: Hashes held in memory before the parts go to disk (8 bytes each: 32 MB).
KEYS_IN_MEMORY: Final = 4_000_000
#: Records :func:`merge_by_id` holds in memory at once (before it spills them, waiting
#: for their bucket file, in a bucket, in the final merge's batches; a Pushshift comment
#: takes several KB there): the buckets are sized for four fifths as many, so that one
#: holds more, once each id's records are folded, and is cut again only by a rare chance.
#: Fewer, larger buckets write larger batches: at 2,500 (256 buckets of batches of 9 at
#: 400k records) the merge took 7% longer, with the same memory.
BUCKET_RECORDS: Final = 5_000
_PARTS: Final = 64
#: Mixed into the hash of a post's id: posts and replies have separate id spaces.
POST_SALT: Final = 0x5BD1E995_2C1B3C6D


class Repeated(Exception):
    """An id came twice in a stream written as if every id were new: the run is to be
    done again through :func:`merge_by_id`. *count* is how many records were seen."""

    def __init__(self, count: int) -> None:
        super().__init__(f"an id came twice among {count} records")
        self.count = count


def once_per_id(
    records: Iterable[Record],
    run: Callable[[Iterable[Record]], T],
    *,
    report: Report,
    folder: str | None,
    target: str,
) -> T:
    """``run(records)`` with one record per id: a :class:`~tearcorpus.Corpus` as it is;
    other records with their ids checked on the way, and, when one repeats, ``run`` again
    on the records merged by :func:`merge_by_id` (the merges counted in *report*). An
    iterator, which cannot be read twice, is refused with an
    :class:`~tearcorpus.errors.ExportError` naming *target*."""
    from .corpus import Corpus

    if isinstance(records, Corpus):
        return run(records)
    check = KeyCheck(folder)
    try:
        return run(check.watch(records))
    except Repeated:
        if iter(records) is records:
            raise ExportError(
                f"{target}: an id came more than once in the records given, and a stream "
                "cannot be read twice to merge them: pass tearcorpus.read()'s Corpus, or "
                "use tearcorpus.convert, which merge records by id"
            ) from None
    finally:
        check.close()
    return run(merge_by_id(records, report, folder=folder))


def record_key(record: Record) -> tuple[bool, str]:
    """The identity of *record*: whether it is a post, and its id."""
    return (type(record) is Post, record.id)


class KeyCheck:
    """Whether any id of a record stream came twice; 8 bytes a record, flat in memory.

    The ids' 64-bit hashes gather in :attr:`keys`; every :data:`KEYS_IN_MEMORY` of them
    go to disk (:meth:`spill`), cut into 64 parts by hash, and :meth:`finish` checks one
    part at a time.
    """

    def __init__(self, folder: str | None = None) -> None:
        self._folder = folder
        self._spill: str | None = None
        #: The hashes not yet spilled; appended to by :meth:`watch`, :meth:`add_keys`
        #: and the reader's counting loop.
        self.keys = array("q")
        #: Records seen, once :meth:`finish` has run.
        self.count = 0

    def watch(self, records: Iterable[Record]) -> Iterator[Record]:
        """*records*, each one's id noted on the way; at their end, :meth:`finish`."""
        note = self.keys.append
        room = KEYS_IN_MEMORY - len(self.keys)
        for record in records:
            if type(record) is Post:
                note(hash(record.id) ^ POST_SALT)
            else:
                note(hash(record.id))
            yield record
            room -= 1
            if not room:
                self.spill()
                note = self.keys.append
                room = KEYS_IN_MEMORY
        self.finish()

    def add_keys(self, path: str) -> None:
        """Note the ids of a key file written by :func:`write_keys` (workers)."""
        note = self.keys.append
        with open(path, "rb") as handle:
            for line in handle:
                h = hash(line[1:-1].decode())
                note(h ^ POST_SALT if line[:1] == b"P" else h)
                if len(self.keys) >= KEYS_IN_MEMORY:
                    self.spill()
                    note = self.keys.append

    def spill(self) -> None:
        """Move the hashes held to the part files on disk."""
        if self._spill is None:
            self._spill = scratch(self._folder)
        for index, part in enumerate(_parts(self.keys)):
            if part:
                with open(os.path.join(self._spill, f"{index:02d}"), "ab") as out:
                    part.tofile(out)
        self.count += len(self.keys)
        self.keys = array("q")

    def finish(self) -> None:
        """Raise :class:`Repeated` if an id came twice."""
        if self.repeated():
            raise Repeated(self.count)

    def repeated(self) -> bool:
        """Whether an id came twice (or two ids share a hash, which is as rare as
        2^-64 a pair). Removes the spill files; :attr:`count` is the records seen."""
        try:
            if self._spill is None:
                # Checked a 64th at a time: a set of every hash at once would hold about
                # 70 bytes a record.
                self.count += len(self.keys)
                return any(len(set(part)) != len(part) for part in _parts(self.keys))
            self.spill()
            for index in range(_PARTS):
                path = os.path.join(self._spill, f"{index:02d}")
                if not os.path.exists(path):
                    continue
                keys = array("q")
                with open(path, "rb") as handle:
                    keys.frombytes(handle.read())
                if len(set(keys)) != len(keys):
                    return True
            return False
        finally:
            self.close()

    def close(self) -> None:
        if self._spill is not None:
            shutil.rmtree(self._spill, ignore_errors=True)
            self._spill = None
        self.keys = array("q")


def _parts(keys: array[int]) -> list[array[int]]:
    """*keys* cut into :data:`_PARTS` parts by their low bits."""
    parts: list[array[int]] = [array("q") for _ in range(_PARTS)]
    appends = [part.append for part in parts]
    mask = _PARTS - 1
    for h in keys:
        appends[h & mask](h)
    return parts


def write_keys(records: Iterable[Record], out: IO[bytes]) -> Iterator[Record]:
    """*records*, each one's kind and id written to *out* as a line (``P<id>`` or
    ``R<id>``): a worker's share of :class:`KeyCheck`."""
    write = out.write
    for record in records:
        write(b"P" if type(record) is Post else b"R")
        write(record.id.encode())
        write(b"\n")
        yield record


def beside(outdir: str) -> str | None:
    """The folder holding *outdir* (scratch files there are on the output's disk), if it
    exists; else ``None`` (the system's temporary folder)."""
    parent = os.path.dirname(os.path.abspath(outdir))
    return parent if os.path.isdir(parent) else None


def merge_by_id(
    records: Iterable[Record], report: Report, *, folder: str | None = None, expected: int = 0
) -> Iterator[Record]:
    """*records* with one record per id (see :mod:`tearcorpus.merge`), in the order each
    id was first seen, every fold counted in ``report.merged_by_reason``. *expected* (records, when
    known) sizes the buckets, for four fifths of :data:`BUCKET_RECORDS` each; *folder* is where
    the spill files go (a private folder in it, removed at the end)."""
    buckets = max(1, min(256, 5 * expected // (4 * BUCKET_RECORDS) + 1)) if expected else 256
    counts = report.merged_by_reason

    def fold(old: Record, new: Record) -> Record:
        counts[merge_reason(old, new)] += 1
        return merge(old, new)

    ids: ByKey[tuple[bool, str], Record] = ByKey(
        folder, held=BUCKET_RECORDS, buckets=buckets, fold=fold
    )
    try:
        add = ids.add
        for record in records:
            add(record_key(record), record)
        for _channel, record in ids.build(_in_place):
            yield record
    finally:
        ids.close()


def _in_place(group: Group[Record]) -> tuple[Built[Record]]:
    """An id's record (its observations folded into one), at the place of the first."""
    ((first, record),) = group
    return ((first, 0, record),)
