"""What a Hub folder holds, declared once: its configs, its splits and the split rule.

Each config is a table whose columns are declared in :data:`tearcorpus.schema.TABLES`
(which give its ``datasets.Features``), split train/validation/test by thread:

- the record tables ``posts`` and ``replies`` are cut by split as the records come, each
  row going to the split of its thread (:data:`THREADS`: a post's own id, a reply's
  ``post_id``), chosen by :func:`assign_split`;
- a config made from them is made split by split, by its ``rows`` function, from the
  record tables of that split (its rows are then in their threads' split too).

The Hub folder (:mod:`tearcorpus.exporters.hub`) and the ``datasets`` objects
(:func:`tearcorpus.hf.to_dataset_dicts`) are both made from :data:`CONFIGS`.

**Adding a config** ``NAME``: declare its columns in :mod:`tearcorpus.schema` (a tuple of
``Column`` under ``TABLES["NAME"]``); write ``rows(tables, split)``, which gives the
config's rows of one split as Arrow record batches with the schema
``features_schema("NAME")``, made from the split's record tables (read
``tables.files["replies"][split].path`` with :func:`tearcorpus._batches.read_batches`;
their rows are in the Features' form too: ``platform`` as its ClassLabel index); add
``Config("NAME", "what a row is", rows=rows, tables=(...), one_row_per=...)`` to
:data:`CONFIGS` and ``"NAME"`` to :data:`ConfigName`. The shards, the card (YAML and
field tables), ``load_dataset`` and ``to_dataset_dicts`` follow.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Final, Literal

from attrs import frozen

if TYPE_CHECKING:
    import pyarrow as pa

    from .tables import SplitTables

__all__ = [
    "CONFIGS",
    "CONFIG_NAMES",
    "DEFAULT_CONFIG",
    "SPLITS",
    "THREADS",
    "Config",
    "ConfigName",
    "TableName",
    "assign_split",
    "check_ratios",
    "get_config",
]

#: Split names, in the order of the ratios.
SPLITS: Final = ("train", "validation", "test")

#: The record tables a config is made from.
TableName = Literal["posts", "replies"]

#: The record tables, each with the column naming a row's thread (the post's id).
THREADS: Final[dict[str, str]] = {"posts": "id", "replies": "post_id"}

#: ``rows(tables, split)``: a config's rows of one split, made from the split's record tables.
RowMaker = Callable[["SplitTables", str], Iterable["pa.RecordBatch"]]


@frozen
class Config:
    """One config: a table of the Hub folder and a ``DatasetDict`` of
    :func:`tearcorpus.hf.to_dataset_dicts`."""

    #: Its name: the folder of its shards, ``load_dataset``'s config name, and the
    #: key of its columns in :data:`tearcorpus.schema.TABLES`.
    name: str
    #: What one row is, for the card.
    summary: str
    #: How its rows of a split are made; ``None`` for a record table (the table itself).
    rows: RowMaker | None = None
    #: The record tables ``rows`` reads.
    tables: tuple[TableName, ...] = ()
    #: The record table it has one row per row of, if any: progress counts its rows
    #: ahead from that table's.
    one_row_per: TableName | None = None

    @property
    def sources(self) -> tuple[str, ...]:
        """The record tables this config is made from."""
        return self.tables if self.rows is not None else (self.name,)


def _replies_in_context(tables: SplitTables, split: str) -> Iterable[pa.RecordBatch]:
    from .join import context_rows

    return context_rows(tables, split)


#: Every config, in the order of the card and of the files.
CONFIGS: Final = (
    Config(
        "posts",
        "one row per post (video or submission): the thread roots",
        one_row_per="posts",
    ),
    Config(
        "replies",
        "one row per reply (comment at any depth), linked by `post_id` and `parent_id`",
        one_row_per="replies",
    ),
    Config(
        "replies_in_context",
        "one row per reply with its post's title and text and the text it answers "
        "(its parent reply, or the post for a direct reply): ready for modelling",
        rows=_replies_in_context,
        tables=("posts", "replies"),
        one_row_per="replies",
    ),
)

#: Config names, in order.
CONFIG_NAMES: Final = tuple(c.name for c in CONFIGS)
#: The config names, as a type (``to_dataset_dict``'s argument): keep it to :data:`CONFIGS`.
ConfigName = Literal["posts", "replies", "replies_in_context"]

#: The config ``load_dataset(folder)`` opens when none is named.
DEFAULT_CONFIG: Final = "replies_in_context"


def get_config(name: str) -> Config:
    """The config called *name*; ``ValueError`` naming the others if none is."""
    for config in CONFIGS:
        if config.name == name:
            return config
    raise ValueError(f"unknown config {name!r}; choose one of: {', '.join(CONFIG_NAMES)}")


def check_ratios(ratios: Sequence[float]) -> tuple[float, float, float]:
    """*ratios* as a train/validation/test triple; ``ValueError`` unless three
    non-negative numbers summing to 1."""
    if len(ratios) != 3:
        raise ValueError(f"expected three split ratios (train, validation, test), got {ratios}")
    if any(not math.isfinite(r) or r < 0 for r in ratios):
        raise ValueError(f"split ratios must be non-negative numbers, got {list(ratios)}")
    if not math.isclose(sum(ratios), 1.0, abs_tol=1e-6):
        raise ValueError(f"split ratios must sum to 1, got {list(ratios)} (sum {sum(ratios)})")
    return (float(ratios[0]), float(ratios[1]), float(ratios[2]))


def assign_split(post_id: str, seed: int = 0, ratios: Sequence[float] = (0.8, 0.1, 0.1)) -> str:
    """The split of the thread *post_id*: a hash of seed and id mapped onto the ratios."""
    digest = hashlib.blake2b(f"{seed}\x00{post_id}".encode(), digest_size=8).digest()
    point = int.from_bytes(digest, "big") / 2.0**64
    edge = 0.0
    for name, ratio in zip(SPLITS, ratios, strict=True):
        edge += ratio
        if point < edge and ratio > 0:
            return name
    # Rounding at the top edge: the last split with a share.
    return next(n for n, r in zip(reversed(SPLITS), reversed(ratios), strict=True) if r > 0)
