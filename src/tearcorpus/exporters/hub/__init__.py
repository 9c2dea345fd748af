"""Hub folder: the layout ``DatasetDict.push_to_hub`` writes, plus a real dataset card.

Layout, for each config (:data:`~.configs.CONFIGS`: ``posts``, ``replies``,
``replies_in_context``; the last is the default) and each non-empty split::

    <config>/<split>-00000-of-0000N.parquet
    README.md    (YAML ``configs`` with ``data_files`` per split, ``dataset_info``)

``push_to_hub(repo, config_name=C)`` puts a config's shards in ``data_dir = C``; shards
are cut by size (``max_shard_size``, 500 MB by default) into contiguous row ranges, as it
does (:mod:`.shards`). The Parquet files carry the ``datasets.Features`` in their
metadata, and ``datasets.load_dataset(folder, config)`` loads the folder offline.

Records are consumed once: their Arrow batches are cut by split as they come, into one
IPC file per table and split in a temporary folder inside the output folder (removed at
the end; :mod:`.tables`); every later step reads those files back a batch at a time:
memory stays flat as the input grows, except for the ``replies_in_context`` join, which
holds the ids of one split (:mod:`.join`). The card's statistics are counted batch by
batch on the way (:mod:`.stats`); the card is written last (:mod:`.card`).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import IO, TYPE_CHECKING

from ..._atomic import SPILL_PREFIX, OutputDir
from ...errors import ExportError, MissingDependencyError
from ...model import Record
from ...report import Report
from ...typing import Progress
from .._base import ExportOptions, ExportResult, export_records
from .configs import CONFIGS, DEFAULT_CONFIG, Config, check_ratios

if TYPE_CHECKING:
    import pyarrow as pa

    from ...annotate.hub import LabelsConfig
    from .card import SplitInfo
    from .tables import SplitFile

__all__ = [
    "DEFAULT_CONFIG",
    "HubExport",
    "description",
    "export",
    "name",
    "open",
    "write_hub_folder",
]

name = "hub"
description = "Hugging Face Hub folder: Parquet shards per config and split, README card"


def open(outdir: str, options: ExportOptions, *, overlap: bool = False) -> HubExport:
    """Start a Hub folder export into *outdir*.

    With *overlap*, the shards are written by a second thread while this one makes the
    next config's rows (the ``replies_in_context`` join): faster on two free cores, but
    the join's and the writer's memory add up. ``--workers`` asks for it: its workers are
    done by then, and their cores free. The files are the same either way."""
    for module in ("pyarrow", "huggingface_hub", "datasets", "jinja2"):
        if importlib.util.find_spec(module) is None:
            raise MissingDependencyError("Hub folder export", "hf", module)
    try:
        ratios = check_ratios(options.split_ratios)
    except ValueError as exc:
        raise ExportError(str(exc)) from None
    if options.max_shard_size <= 0:
        raise ExportError(f"max shard size must be positive, got {options.max_shard_size}")
    return HubExport(outdir, options, ratios, overlap)


def export(records: Iterable[Record], outdir: str, options: ExportOptions) -> ExportResult:
    from .. import hub  # this module, the Exporter

    return export_records(hub, records, outdir, options)


class HubExport:
    """A Hub folder export under way (an :class:`~tearcorpus.exporters.ExportWriter` that
    also takes Arrow record batches): the batches are cut by split as they come into
    spill files; :meth:`close` writes the shards of every config and the card."""

    def __init__(
        self,
        outdir: str,
        options: ExportOptions,
        ratios: tuple[float, float, float],
        overlap: bool,
    ) -> None:
        from ...overview import CardCharts
        from .stats import StatsBuilder
        from .tables import SplitTables

        self.outdir = outdir
        self.options = options
        self.ratios = ratios
        self.overlap = overlap
        self.out = OutputDir(outdir, overwrite=options.overwrite)
        self.spill: tempfile.TemporaryDirectory[str] | None = None
        try:
            self.spill = tempfile.TemporaryDirectory(prefix=SPILL_PREFIX, dir=outdir)
            self.stats = StatsBuilder()
            self.charts = CardCharts()  # the report's charts, drawn into the card
            self.labels: LabelsConfig | None = None
            if options.labels is not None:  # the ``labels`` config (tearcorpus.annotate)
                from ...annotate.hub import LabelsConfig

                self.labels = LabelsConfig(options.labels)
            # The ``messages`` config's incomplete rows (see exporters/messages.py).
            self.notes: Counter[str] = Counter()
            # Made last (it cleans up after itself when it fails): :meth:`abort` has it.
            self.tables = SplitTables(self.spill.name, seed=options.seed, ratios=ratios)
        except BaseException:
            self._remove_spill()
            self.out.abort()
            raise

    def write(self, records: Iterable[Record]) -> None:
        from ..._batches import record_batches

        for table, batch in record_batches(records):
            self.write_batch(table, batch)

    def write_batch(self, table: str, batch: pa.RecordBatch) -> None:
        """Take a batch of *table* as :func:`tearcorpus._batches.record_batches` gives them
        (batches of its size per table, in record order within a table; the tables may
        interleave in any way)."""
        self.stats.add(table, batch)
        self.charts.add(table, batch)
        self.tables.add(table, batch)
        if self.labels is not None:
            self.labels.add(table, batch)

    def close(self) -> ExportResult:
        try:
            result = self._finish()
        except BaseException:
            self.abort()
            raise
        self._remove_spill()
        return result

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self.tables.close()
        with contextlib.suppress(Exception):
            self.charts.close()
        self._remove_spill()
        self.out.abort()

    def _remove_spill(self) -> None:
        if self.spill is not None:
            with contextlib.suppress(OSError):
                self.spill.cleanup()
            self.spill = None

    def _finish(self) -> ExportResult:
        from .card import render_card

        options, tables = self.options, self.tables
        tables.close()
        self.charts.finish()  # drawn from now on, apart, if counted apart
        stats = self.stats.result()
        del self.stats
        configs = self._configs()
        splits = self._write_configs(configs)
        self._remove_spill()
        extras = {}
        written: list[str] = []
        if self.labels is not None:
            from ...annotate.hub import LABELS_CONFIG

            splits[LABELS_CONFIG], written, extras[LABELS_CONFIG] = self.labels.write(
                self.out, seed=options.seed, ratios=self.ratios
            )
        readme = render_card(
            stats,
            splits,
            default_config=DEFAULT_CONFIG if DEFAULT_CONFIG in splits else next(iter(splits), ""),
            languages=options.languages,
            license=options.license,
            pretty_name=options.pretty_name,
            report=options.report,
            seed=options.seed,
            ratios=self.ratios,
            exclude_digest=options.exclude_digest,
            extras=extras,
            summaries={c.name: c.summary for c in configs},
            front_matter=self.charts.front_matter,
        )
        out = self.out
        readme += self.charts.section(lambda path, data: out.open(path).write(data), options.report)
        out.open("README.md").write(readme.encode())
        out.commit()
        files = [
            f"{self.outdir}/{f}"
            for parts in splits.values()
            for p in parts.values()
            for f in p.files
            if f not in written
        ]
        files += [f"{self.outdir}/{path}" for path in written]
        files += [f"{self.outdir}/{path}" for path in self.charts.images]
        files.append(f"{self.outdir}/README.md")
        notes = dict(sorted(self.notes.items()))
        return ExportResult(name, self.outdir, files, stats.posts, stats.replies, notes=notes)

    def _configs(self) -> tuple[Config, ...]:
        """The declared configs, and ``messages`` when the options ask for it."""
        if not self.options.messages:
            return CONFIGS
        from ..messages import hub_config

        return (*CONFIGS, hub_config(self.options, self.notes))

    def _write_configs(self, configs: tuple[Config, ...]) -> dict[str, dict[str, SplitInfo]]:
        """Write every config's non-empty splits as shards; their card entries."""
        from .card import SplitInfo

        options, tables = self.options, self.tables
        splits: dict[str, dict[str, SplitInfo]] = {}
        bar: Progress | None = None
        if options.progress is not None:
            total = sum(tables.rows_of(c.one_row_per) for c in configs if c.one_row_per)
            bar = options.progress("writing the Hub folder", total, " rows")
        with contextlib.ExitStack() as stack:
            if bar is not None:
                stack.callback(bar.close)
            writer = None
            if self.overlap:
                # Shards are written by one thread, in order, while this one makes the
                # next config's rows: pyarrow writes Parquet without the GIL.
                writer = stack.enter_context(ThreadPoolExecutor(1, "tearcorpus-shards"))
                stack.callback(writer.shutdown, cancel_futures=True)
            jobs: list[Future[None]] = []
            for config in configs:
                for split in tables.splits:
                    for job in jobs:
                        if job.done():
                            job.result()  # the writer's error, without making more rows
                    part = tables.config_rows(config, split)
                    if part.rows == 0:
                        continue
                    info = splits.setdefault(config.name, {})[split] = SplitInfo(
                        part.rows, part.nbytes
                    )
                    shards = self._open_shards(config.name, split, info)
                    args = (config.name, part, shards, info, bar if config.one_row_per else None)
                    if writer is None:
                        self._write_split(*args, made=config.rows is not None)
                    else:
                        jobs.append(
                            writer.submit(self._write_split, *args, made=config.rows is not None)
                        )
            if jobs:
                # The card's YAML needs datasets (about half a second of imports) and its
                # charts matplotlib and drawing: Python work, done while the writer thread
                # ends its shards (Arrow work, without the GIL), unless the charts' second
                # process does both (it imports datasets once its charts are drawn).
                if not self.charts.counted_apart:
                    with contextlib.suppress(ImportError):
                        importlib.import_module("datasets")
                self.charts.draw()
            for job in jobs:
                job.result()
        return splits

    def _open_shards(self, config: str, split: str, info: SplitInfo) -> list[tuple[IO[bytes], int]]:
        """The shard files of a split and their rows, opened (in the card's order)."""
        from .shards import shard_count, shard_sizes

        count = shard_count(info.rows, info.num_bytes, self.options.max_shard_size)
        shards = []
        for index, rows in enumerate(shard_sizes(info.rows, count)):
            path = f"{config}/{split}-{index:05d}-of-{count:05d}.parquet"
            info.files.append(path)
            shards.append((self.out.open(path), rows))
        return shards

    @staticmethod
    def _write_split(
        config: str,
        part: SplitFile,
        shards: list[tuple[IO[bytes], int]],
        info: SplitInfo,
        bar: Progress | None,
        *,
        made: bool,
    ) -> None:
        """Write a split's shards from its file (in the writer thread, if any); a file
        *made* for its config is removed once written."""
        from ..._batches import read_batches, release
        from ...schema import features_schema
        from .shards import group_rows, write_shards

        batches = _counted(read_batches(part.path), bar)
        rows_per_group = group_rows(part.rows, part.nbytes)
        write_shards(batches, shards, features_schema(config), rows_per_group)
        info.download_size = sum(handle.tell() for handle, _ in shards)
        if made:
            os.unlink(part.path)
        release()


def _counted(batches: Iterator[pa.RecordBatch], bar: Progress | None) -> Iterator[pa.RecordBatch]:
    """*batches*, each counted on *bar* (when given) once the writer has taken it."""
    for batch in batches:
        yield batch
        if bar is not None:
            bar.update(len(batch))


def write_hub_folder(
    records: Iterable[Record],
    outdir: str,
    *,
    overwrite: bool = False,
    split_ratios: tuple[float, float, float] = (0.8, 0.1, 0.1),
    seed: int = 0,
    max_shard_size: int = 500_000_000,
    languages: tuple[str, ...] = (),
    license: str | None = None,
    pretty_name: str | None = None,
    report: Report | None = None,
    labels: str | os.PathLike[str] | None = None,
) -> ExportResult:
    """Write *records* as a Hub folder in *outdir* (see the module docs), atomically;
    *report* (by default a corpus's own) goes into the card; *labels* (a labels folder
    of ``tearcorpus annotate import``) is written as the ``labels`` config."""
    options = ExportOptions(
        overwrite=overwrite,
        report=report,
        split_ratios=split_ratios,
        seed=seed,
        max_shard_size=max_shard_size,
        languages=languages,
        license=license,
        pretty_name=pretty_name,
        labels=None if labels is None else os.fspath(labels),
    )
    return export(records, outdir, options)
