"""The contract between the pipeline and an exporter module."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol, TypeAlias

from attrs import define, field

from ..model import Record
from ..report import Report

__all__ = ["ExportOptions", "ExportResult", "Exporter", "Progress", "ProgressFactory"]


class Progress(Protocol):
    """A progress display (a ``tqdm`` bar is one): advanced by counts, then closed."""

    def update(self, n: int = 1) -> object: ...

    def close(self) -> None: ...


#: ``factory(description, total, unit)``: a new :class:`Progress` for a long step.
ProgressFactory: TypeAlias = Callable[[str, int, str], Progress]


@define
class ExportOptions:
    """Options of the exporters; each says which it reads."""

    overwrite: bool = False
    #: Counts from reading, recorded in manifests and dataset cards.
    report: Report | None = None
    #: CSV: defuse formula cells and write a BOM (the reader undoes both).
    excel_safe: bool = False
    #: Parquet and Hub folder: ``zstd``, ``snappy``, ``gzip`` or ``none``.
    compression: str = "zstd"
    #: Hub folder: largest Parquet shard, in bytes (``push_to_hub``'s default, 500 MB).
    max_shard_size: int = 500_000_000
    #: Hub folder: train/validation/test ratios of threads, and the split seed.
    split_ratios: tuple[float, float, float] = (0.8, 0.1, 0.1)
    seed: int = 0
    #: Hub folder card: ISO 639-1 language codes (empty: not stated), licence id, name.
    languages: tuple[str, ...] = ()
    license: str | None = None
    pretty_name: str | None = None
    #: Progress of the long steps that follow reading (the Hub folder's join and shard
    #: writing, counted in rows); ``None`` shows none. The command line passes ``tqdm``.
    progress: ProgressFactory | None = None


@define
class ExportResult:
    """What an exporter wrote."""

    format: str
    outdir: str
    files: list[str]
    posts: int
    replies: int
    #: The counts of the run (read, rejected, dropped, merged), when it was a
    #: :func:`tearcorpus.convert` run.
    report: Report | None = field(default=None, eq=False, repr=False)

    @property
    def written(self) -> int:
        return self.posts + self.replies


class Exporter(Protocol):
    """What every module in :mod:`tearcorpus.exporters` provides."""

    name: str
    description: str

    def export(
        self, records: Iterable[Record], outdir: str, options: ExportOptions
    ) -> ExportResult:
        """Write *records* (streamed, consumed once) into *outdir*."""
        ...
