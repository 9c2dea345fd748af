"""A run's record tables cut by split into spill files, and each config's rows of a split.

:class:`SplitTables` takes the record batches of the ``posts`` and ``replies`` tables as
they come and cuts each by the split of its rows' threads into one Arrow IPC file per
table and split (:class:`SplitFile`: rows in input order, already in the Features' form,
counting rows and Arrow bytes): the tables are never held or spilled whole.
:meth:`SplitTables.config_rows` then gives a config's rows of one split as such a file:
a record table's own, or the rows its ``rows`` function makes, spilled as they come.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import pyarrow as pa
import pyarrow.compute as pc

from ..._batches import SpillWriter
from ...schema import PLATFORM_NAMES, features_schema
from .configs import SPLITS, THREADS, Config, TableName, assign_split

__all__ = ["SPLIT_CACHE_SIZE", "SplitFile", "SplitTables", "features_form", "split_of"]

#: At most this many thread ids are remembered across batches by :func:`split_of`.
SPLIT_CACHE_SIZE = 200_000


def split_of(
    ids: pa.Array | pa.ChunkedArray,
    seed: int,
    ratios: tuple[float, float, float],
    cache: dict[str, str] | None = None,
) -> pa.Array:
    """The split name of each row, from its thread id (hashing each distinct id once;
    with *cache*, once per run of batches while the cache holds it)."""
    if len(ids) == 0:
        return pa.array([], pa.string())
    uniques = pc.unique(ids)
    if cache is None:
        cache = {}
    elif len(cache) > SPLIT_CACHE_SIZE:
        cache.clear()
    names = []
    for thread in uniques.to_pylist():
        name = cache.get(thread)
        if name is None:
            name = cache[thread] = assign_split(thread, seed, ratios)
        names.append(name)
    return pa.array(names, pa.string()).take(pc.index_in(ids, value_set=uniques))


def features_form(table: pa.Table, config: str) -> pa.Table:
    """*table* (``platform`` as its name) in the config's ``datasets`` form: ``platform``
    as its ClassLabel index, cast to the Features' Arrow schema."""
    index = pc.index_in(table["platform"], value_set=pa.array(PLATFORM_NAMES))
    table = table.set_column(
        table.schema.get_field_index("platform"), "platform", index.cast(pa.int64())
    )
    return table.cast(features_schema(config))


class SplitFile:
    """One split of one config, spilled: path, rows and in-memory Arrow bytes."""

    def __init__(self, path: str, schema: pa.Schema) -> None:
        self.path = path
        self.schema = schema
        self.rows = 0
        self.nbytes = 0
        self._writer = SpillWriter(path, schema)

    def add(self, rows: pa.Table | pa.RecordBatch) -> None:
        """Append *rows* (in the file's schema), counting them and their Arrow bytes."""
        self.rows += len(rows)
        self.nbytes += rows.nbytes
        self._writer.write(rows)

    def close(self) -> None:
        """Finish the file: it can be read back."""
        self._writer.close()


class SplitTables:
    """Record batches of *tables* in, one :class:`SplitFile` per table and split with a
    share out, in *folder*; :meth:`config_rows` gives a config's rows of a split. Ids are
    unique within a table (the writers keep one record per id)."""

    def __init__(
        self,
        folder: str,
        *,
        seed: int,
        ratios: tuple[float, float, float],
        tables: Iterable[str] = tuple(THREADS),
    ) -> None:
        self.folder = folder
        self.seed = seed
        self.ratios = ratios
        #: The splits with a share, in order.
        self.splits = tuple(s for s, share in zip(SPLITS, ratios, strict=True) if share > 0)
        self.files: dict[str, dict[str, SplitFile]] = {}
        self._cache: dict[str, str] = {}  # thread id -> split, across batches
        try:
            for table in tables:
                schema = features_schema(table)
                self.files[table] = {}
                for split in self.splits:
                    path = os.path.join(folder, f"{table}-{split}.arrow")
                    self.files[table][split] = SplitFile(path, schema)
        except BaseException:
            self.close()
            raise

    def add(self, table: str, batch: pa.RecordBatch) -> None:
        """Route *batch*, a record batch of *table* (``platform`` as its name; a table
        not asked for is left out)."""
        files = self.files.get(table)
        if files is None or len(batch) == 0:
            return
        names = split_of(batch.column(THREADS[table]), self.seed, self.ratios, self._cache)
        whole = pa.Table.from_batches([batch])
        for split, target in files.items():
            part = whole.filter(pc.equal(names, split))
            if len(part):
                target.add(features_form(part, table))

    def close(self) -> None:
        """Close every split file, the others too when one fails (a full disk): the
        first error is raised once all are closed."""
        self._cache.clear()
        error: BaseException | None = None
        for files in self.files.values():
            for target in files.values():
                try:
                    target.close()
                except BaseException as exc:
                    error = error or exc
        if error is not None:
            raise error

    def rows_of(self, table: TableName) -> int:
        """The rows of the record table *table*, all splits."""
        return sum(f.rows for f in self.files.get(table, {}).values())

    def config_rows(self, config: Config, split: str) -> SplitFile:
        """*config*'s rows of *split* (the split files closed): a record table's own file,
        or a new file of the rows ``config.rows`` makes (the caller removes it)."""
        if config.rows is None:
            return self.files[config.name][split]
        path = os.path.join(self.folder, f"{config.name}-{split}.arrow")
        made = SplitFile(path, features_schema(config.name))
        try:
            for batch in config.rows(self, split):
                made.add(batch)
        finally:
            made.close()
        return made
