"""``datasets`` objects from records: the Hub folder's configs as ``DatasetDict`` objects.

The configs are those of the Hub folder (:data:`tearcorpus.exporters.hub.configs.CONFIGS`):

- ``posts`` and ``replies``: the raw tables of :mod:`tearcorpus.schema`;
- ``replies_in_context``: one row per reply with its post's title and text and the text it
  answers (its parent reply's, or the post's for a direct reply).

each a ``DatasetDict`` of the ``train`` / ``validation`` / ``test`` splits with a share.

**Splits** are grouped by thread: a thread (a post and every reply whose ``post_id`` is
its id) goes to one split, chosen from a hash of the seed and the post id
(:func:`assign_split`), so no thread appears in two splits, the assignment does not
depend on record order, and the same seed always gives the same splits. Ratios are of
threads, not rows. Rows keep the records' order within a split.

The rows are made as the Hub folder's are (records consumed once, cut by split into
Arrow files in a temporary folder, the ``replies_in_context`` join run split by split),
then read into memory: each ``Dataset`` is an in-memory Arrow table with the config's
declared ``Features``.

The Arrow record batches of records (:func:`record_batches`, :class:`Rebatcher`, ...)
live in :mod:`tearcorpus._batches` and are named here too.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Literal

from ._batches import BATCH_SIZE, BatchBuilder, Rebatcher, SpillWriter, record_batches
from .exporters.hub.configs import (
    CONFIG_NAMES,
    SPLITS,
    ConfigName,
    assign_split,
    check_ratios,
    get_config,
)
from .model import Record

if TYPE_CHECKING:
    import datasets

    from .exporters.hub.tables import SplitTables

__all__ = [
    "BATCH_SIZE",
    "CONFIGS",
    "SPLITS",
    "BatchBuilder",
    "Rebatcher",
    "SpillWriter",
    "assign_split",
    "check_ratios",
    "record_batches",
    "to_dataset_dict",
    "to_dataset_dicts",
]

#: Config names: the two raw tables and the modelling view.
CONFIGS = CONFIG_NAMES


def to_dataset_dicts(
    records: Iterable[Record],
    *,
    seed: int = 0,
    split_ratios: Sequence[float] = (0.8, 0.1, 0.1),
    labels: str | os.PathLike[str] | None = None,
) -> dict[str, datasets.DatasetDict]:
    """Every config (``posts``, ``replies``, ``replies_in_context``) as a ``DatasetDict``
    of thread-grouped splits, one record per id (see
    :func:`tearcorpus.exporters.export_records`); with *labels* (a labels folder of
    ``tearcorpus annotate import``), the ``labels`` config too (see
    :mod:`tearcorpus.annotate.hub`)."""
    return _dataset_dicts(records, CONFIG_NAMES, seed, split_ratios, labels)


def to_dataset_dict(
    records: Iterable[Record],
    config: ConfigName | Literal["labels"] = "replies",
    *,
    seed: int = 0,
    split_ratios: Sequence[float] = (0.8, 0.1, 0.1),
    labels: str | os.PathLike[str] | None = None,
) -> datasets.DatasetDict:
    """One config of *records* as a ``datasets.DatasetDict`` split train/validation/test.

    *config* is ``"replies"`` (the raw replies table), ``"posts"``,
    ``"replies_in_context"`` (each reply with its post and parent text) or, with
    *labels* (a labels folder of ``tearcorpus annotate import``), ``"labels"`` (the
    labelled replies with their ClassLabel labels). Splits are grouped by thread and
    deterministic for *seed*; *split_ratios* are shares of threads.
    """
    if config == "labels":
        if labels is None:
            raise ValueError("config 'labels' needs labels= (a labels folder)")
        return _dataset_dicts(records, (), seed, split_ratios, labels)["labels"]
    return _dataset_dicts(records, (config,), seed, split_ratios)[config]


def _dataset_dicts(
    records: Iterable[Record],
    names: Sequence[str],
    seed: int,
    split_ratios: Sequence[float],
    labels: str | os.PathLike[str] | None = None,
) -> dict[str, datasets.DatasetDict]:
    """The configs *names* of *records* (and ``labels`` with *labels*), made only from
    the tables they need."""
    from ._byid import once_per_id
    from .report import Report
    from .schema import _datasets

    ds = _datasets()
    configs = [get_config(name) for name in names]
    ratios = check_ratios(split_ratios)
    wanted = {table: None for config in configs for table in config.sources}
    if labels is not None:
        wanted.update({"posts": None, "replies": None})
    with tempfile.TemporaryDirectory(prefix="tearcorpus-datasets-") as spill:

        def split(stream: Iterable[Record]) -> SplitTables:
            from .exporters.hub.tables import SplitTables

            # A folder of its own: a run given up for a repeated id leaves its files.
            tables = SplitTables(
                tempfile.mkdtemp(dir=spill), seed=seed, ratios=ratios, tables=wanted
            )
            try:
                for table, batch in record_batches(stream):
                    tables.add(table, batch)
            finally:
                tables.close()
            return tables

        # One record per id, as every writer keeps (a repeated id of a list merged).
        tables = once_per_id(
            records, split, report=Report(), folder=None, target="to_dataset_dicts"
        )
        out = {
            c.name: ds.DatasetDict({s: _dataset(tables, c.name, s) for s in tables.splits})
            for c in configs
        }
        if labels is not None:
            from .annotate.hub import LABELS_CONFIG, labels_dataset_dict

            out[LABELS_CONFIG] = labels_dataset_dict(
                tables, os.fspath(labels), seed=seed, split_ratios=split_ratios
            )
    return out


def _dataset(tables: SplitTables, config: str, split: str) -> datasets.Dataset:
    """*config*'s rows of *split*, read into memory, as a ``datasets.Dataset``."""
    import pyarrow as pa
    from datasets import Dataset, DatasetInfo, NamedSplit
    from datasets.table import InMemoryTable

    from .schema import features

    part = tables.config_rows(get_config(config), split)
    with pa.OSFile(part.path) as handle:
        table = pa.ipc.open_file(handle).read_all()
    info = DatasetInfo(features=features(config), config_name=config)
    return Dataset(InMemoryTable(table), info=info, split=NamedSplit(split))
