"""Hub folder: exactly what ``DatasetDict.push_to_hub`` writes, plus a real dataset card.

Layout, for each config (``posts``, ``replies``, ``replies_in_context``; the last is the
default) and each non-empty split::

    <config>/<split>-00000-of-0000N.parquet
    README.md    (YAML ``configs`` with ``data_files`` per split, ``dataset_info``)

``push_to_hub(repo, config_name=C)`` puts a config's shards in ``data_dir = C``; shards
are cut by size (``max_shard_size``, 500 MB by default) the way it does, into contiguous
row ranges, compressed with snappy as it does (``--compression`` is for ``--to parquet``).
The Parquet files carry the ``datasets.Features`` in their metadata, and
``datasets.load_dataset(folder, config)`` loads the folder offline.

Records are consumed once: their Arrow batches are cut by split as they come, into one
IPC file per table and split in a temporary folder inside the output folder (removed at
the end); every later step reads those files back a batch at a time (see
:mod:`._hubstream`): memory stays flat as the input grows, except for the
``replies_in_context`` join, which holds the ids of one split (about 30 bytes a reply).
The card's statistics are counted batch by batch on the way.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import IO, TYPE_CHECKING, Any, TypeAlias, cast

from .._atomic import OutputDir
from ..errors import ExportError, MissingDependencyError
from ..model import Record
from ..report import Report
from ._base import Exporter, ExportOptions, ExportResult, Progress, export_records

if TYPE_CHECKING:
    from ..annotate.hub import LabelsConfig
    from ..card import SplitInfo

#: A split's shards: config, card entry, and each shard's file and row range.
Shards: TypeAlias = "tuple[str, SplitInfo, list[tuple[IO[bytes], int, int]]]"

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

#: The config ``load_dataset(folder)`` opens when none is named.
DEFAULT_CONFIG = "replies_in_context"


def open(outdir: str, options: ExportOptions, *, overlap: bool = False) -> HubExport:
    """Start a Hub folder export into *outdir*.

    With *overlap*, the shards are written by a second thread while this one joins
    ``replies_in_context``, whose rows go to the writer as they are made instead of
    through a spill file: faster on two free cores, but the join's and the writer's
    memory add up (about 60 MB more at the peak). ``--workers`` asks for it: its workers
    are done by then, and their cores free. The files are the same either way."""
    # The shards are written with pyarrow, the card with huggingface_hub: ``datasets``
    # (which costs time and memory to import) is not needed here.
    for module in ("pyarrow", "huggingface_hub"):
        if importlib.util.find_spec(module) is None:
            raise MissingDependencyError("Hub folder export", "hf", module)
    from ..hf import check_ratios

    try:
        ratios = check_ratios(options.split_ratios)
    except ValueError as exc:
        raise ExportError(str(exc)) from None
    if options.max_shard_size <= 0:
        raise ExportError(f"max shard size must be positive, got {options.max_shard_size}")
    return HubExport(outdir, options, ratios, overlap)


def export(records: Iterable[Record], outdir: str, options: ExportOptions) -> ExportResult:
    return export_records(cast(Exporter, sys.modules[__name__]), records, outdir, options)


class HubExport:
    """A Hub folder export under way (an :class:`~tearcorpus.exporters.ExportWriter` that
    also takes Arrow record batches): the batches are cut by split as they come into
    spill files; :meth:`close` writes the shards, the join and the card."""

    def __init__(
        self,
        outdir: str,
        options: ExportOptions,
        ratios: tuple[float, float, float],
        overlap: bool,
    ) -> None:
        from ..card import StatsBuilder
        from ..overview import CardCharts
        from ._hubstream import SplitRouter

        self.outdir = outdir
        self.options = options
        self.ratios = ratios
        self.overlap = overlap
        self.out = OutputDir(outdir, overwrite=options.overwrite)
        self.spill: tempfile.TemporaryDirectory[str] | None = None
        try:
            self.spill = tempfile.TemporaryDirectory(prefix=".tearcorpus-spill-", dir=outdir)
            self.counter = StatsBuilder()
            self.charts = CardCharts()  # the report's charts, drawn into the card
            self.router = SplitRouter(self.spill.name, seed=options.seed, ratios=ratios)
            self.labels: LabelsConfig | None = None
            if options.labels is not None:  # the ``labels`` config (tearcorpus.annotate)
                from ..annotate.hub import LabelsConfig

                self.labels = LabelsConfig(options.labels)
        except BaseException:
            self.abort()
            raise

    def write(self, records: Iterable[Record]) -> None:
        from ..hf import record_batches

        for table, batch in record_batches(records):
            self.write_batch(table, batch)

    def write_batch(self, table: str, batch: Any) -> None:
        """Take a batch of *table* as :func:`tearcorpus.hf.record_batches` gives them
        (batches of its size per table, in record order within a table; the tables may
        interleave in any way)."""
        self.counter.add(table, batch)
        self.charts.add(table, batch)
        self.router.add(table, batch)
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
            if hasattr(self, "router"):
                self.router.close()
        self._remove_spill()
        self.out.abort()

    def _remove_spill(self) -> None:
        if self.spill is not None:
            with contextlib.suppress(OSError):
                self.spill.cleanup()
            self.spill = None

    def _finish(self) -> ExportResult:
        import pyarrow as pa

        from ..card import SplitInfo, render_card
        from ..hf import SPLITS
        from ..schema import features_schema
        from ._hubstream import (
            ContextJoin,
            Feed,
            SplitFile,
            cut_rows,
            read_batches,
            shard_bytes,
            shard_ranges,
            write_shard,
        )

        options, out, router = self.options, self.out, self.router
        assert self.spill is not None
        spill = self.spill.name
        outdir = self.outdir
        splits: dict[str, dict[str, SplitInfo]] = {}
        files: list[str] = []
        notes: Counter[str] = Counter()  # the ``messages`` config's incomplete rows
        # Give memory freed between steps back to the system (the allocator keeps it).
        pool = pa.default_memory_pool()

        def shards(config: str, split: str, rows: int, nbytes: int) -> Shards:
            """The shard files of a split, opened (in the main thread, in the card's order)."""
            count = min(rows, int(nbytes / options.max_shard_size) + 1)
            info = splits.setdefault(config, {})[split] = SplitInfo(rows, nbytes)
            opened = []
            for index, (start, end) in enumerate(shard_ranges(rows, count)):
                path = f"{config}/{split}-{index:05d}-of-{count:05d}.parquet"
                info.files.append(path)
                files.append(f"{outdir}/{path}")
                opened.append((out.open(path), start, end))
            return config, info, opened

        def write(target: Shards, batches: Iterable[Any]) -> None:
            """Write a split's shards from its record *batches* (in the writer thread)."""
            config, info, opened = target
            cuts = cut_rows(batches, [(start, end) for _, start, end in opened])
            for (handle, start, end), tables in zip(opened, cuts, strict=True):
                nbytes = shard_bytes(info.rows, info.num_bytes, end - start)
                write_shard(handle, tables, end - start, nbytes, config)
                info.download_size += handle.tell()
            pool.release_unused()

        with contextlib.ExitStack() as stack:
            writer = None
            if self.overlap:
                # Shards are written by one thread, in order, while this one joins the
                # next split: pyarrow writes Parquet without the GIL.
                writer = stack.enter_context(ThreadPoolExecutor(1, "tearcorpus-shards"))
            jobs: list[Future[None]] = []
            bar: Progress | None = None

            def submit(target: Shards, batches: Iterable[Any]) -> Future[None] | None:
                """Write a split's shards from *batches*, their rows counted on the bar."""
                batches = _counted(batches, bar)
                if writer is None:
                    write(target, batches)
                    return None
                jobs.append(writer.submit(write, target, batches))
                return jobs[-1]

            try:
                router.close()
                stats = self.counter.result()
                del self.counter
                pool.release_unused()
                if options.progress is not None:
                    # The rows of the three configs: the replies twice (with their context).
                    rows = {c: sum(f.rows for f in router.files[c].values()) for c in router.files}
                    total = rows["posts"] + (3 if options.messages else 2) * rows["replies"]
                    bar = options.progress("writing the Hub folder", total, " rows")
                for config in ("posts", "replies"):
                    for split, part in router.files[config].items():
                        if part.rows:
                            target = shards(config, split, part.rows, part.nbytes)
                            submit(target, read_batches(part.path))
                replies = {SPLITS.index(s): f.path for s, f in router.files["replies"].items()}
                reply_splits = router.reply_splits()
                schema = features_schema(DEFAULT_CONFIG)
                for split, part in router.files["replies"].items():
                    if part.rows == 0:
                        continue
                    join = ContextJoin(
                        router.files["posts"][split],
                        part,
                        spill,
                        split=SPLITS.index(split),
                        all_replies=replies,
                        reply_splits=reply_splits,
                    )
                    # The Arrow bytes the card states, from the texts' lengths.
                    nbytes = join.nbytes(
                        router.reply_chars[split],
                        router.text_lengths[split],
                        router.source_nulls[split],
                    )
                    target = shards(DEFAULT_CONFIG, split, part.rows, nbytes)
                    if writer is not None:
                        # Written as the join makes the rows.
                        feed = Feed()
                        job = submit(target, feed)
                        assert job is not None
                        feed.pour(join.batches(), job)
                        del join
                        continue
                    # Spilled, then written: the join and the writer do not hold their
                    # memory at the same time.
                    path = os.path.join(spill, f"{DEFAULT_CONFIG}-{split}.arrow")
                    spilled = SplitFile(path, schema)
                    try:
                        for batch in join.batches():
                            spilled.add(pa.Table.from_batches([batch]))
                    finally:
                        spilled.close()
                    del join
                    pool.release_unused()
                    submit(target, read_batches(path))
                    os.unlink(path)
                if options.messages:  # the ``messages`` config: see exporters/messages.py
                    from .messages import hub_split

                    for split, part in router.files["replies"].items():
                        posts = router.files["posts"][split].path
                        made = hub_split(posts, part.path, spill, options, notes)
                        if made.rows:
                            submit(
                                shards("messages", split, made.rows, made.nbytes),
                                read_batches(made.path),
                            )
                for job in jobs:
                    job.result()
            except BaseException:
                if writer is not None:
                    writer.shutdown(cancel_futures=True)
                raise
            finally:
                if bar is not None:
                    bar.close()
        self._remove_spill()
        extras = {}
        if self.labels is not None:
            from ..annotate.hub import LABELS_CONFIG

            parts, written, extras[LABELS_CONFIG] = self.labels.write(
                out, seed=options.seed, ratios=self.ratios
            )
            splits[LABELS_CONFIG] = parts
            files += [f"{outdir}/{path}" for path in written]
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
        )
        readme += self.charts.section(lambda path, data: out.open(path).write(data), options.report)
        files += [f"{outdir}/{path}" for path in self.charts.images]
        out.open("README.md").write(readme.encode())
        out.commit()
        files.append(f"{outdir}/README.md")
        return ExportResult(
            name, outdir, files, stats.posts, stats.replies, notes=dict(sorted(notes.items()))
        )


def _counted(batches: Iterable[Any], bar: Progress | None) -> Iterable[Any]:
    """*batches*, each counted on *bar* (when given) once the writer has taken it."""
    if bar is None:
        return batches

    def counted() -> Iterator[Any]:
        for batch in batches:
            yield batch
            bar.update(len(batch))

    return counted()


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
    labels: str | None = None,
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
