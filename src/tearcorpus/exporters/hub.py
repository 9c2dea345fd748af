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

import importlib.util
import os
import tempfile
from collections.abc import Iterable
from typing import Any

from .._atomic import OutputDir
from ..errors import ExportError, MissingDependencyError
from ..model import Record
from ._base import ExportOptions, ExportResult

__all__ = ["DEFAULT_CONFIG", "description", "export", "export_batches", "name", "write_hub_folder"]

name = "hub"
description = "Hugging Face Hub folder: Parquet shards per config and split, README card"

#: The config ``load_dataset(folder)`` opens when none is named.
DEFAULT_CONFIG = "replies_in_context"


def export(records: Iterable[Record], outdir: str, options: ExportOptions) -> ExportResult:
    from ..hf import record_batches

    return export_batches(record_batches(records), outdir, options)


def export_batches(
    batches: Iterable[tuple[str, Any]], outdir: str, options: ExportOptions
) -> ExportResult:
    """The export of the records whose Arrow batches are *batches*: ``(table, batch)``
    pairs as :func:`tearcorpus.hf.record_batches` gives them (batches of its size per
    table, in record order within a table; the tables may interleave in any way).
    ``--workers`` converts records in the workers and hands the batches here."""
    # ``datasets`` is needed for the card only, and imported then (it costs memory and
    # time): the shards are written with pyarrow alone.
    for module in ("pyarrow", "datasets", "huggingface_hub"):
        if importlib.util.find_spec(module) is None:
            raise MissingDependencyError("Hub folder export", "hf", module)
    from ..hf import check_ratios

    try:
        ratios = check_ratios(options.split_ratios)
    except ValueError as exc:
        raise ExportError(str(exc)) from None
    if options.max_shard_size <= 0:
        raise ExportError(f"max shard size must be positive, got {options.max_shard_size}")
    return _export(batches, outdir, options, ratios)


def _export(
    batches: Iterable[tuple[str, Any]],
    outdir: str,
    options: ExportOptions,
    ratios: tuple[float, float, float],
) -> ExportResult:
    import pyarrow as pa

    from ..card import SplitInfo, StatsBuilder, render_card
    from ..hf import SPLITS
    from ..schema import features_schema
    from ._hubstream import (
        SplitFile,
        SplitRouter,
        context_batches,
        context_nbytes,
        shard_ranges,
        write_shard,
    )

    splits: dict[str, dict[str, SplitInfo]] = {}
    files: list[str] = []
    # Give memory freed between steps back to the system (the allocator keeps it).
    pool = pa.default_memory_pool()

    def write(config: str, part: SplitFile, split: str, out: OutputDir) -> None:
        shards = min(part.rows, int(part.nbytes / options.max_shard_size) + 1)
        info = splits.setdefault(config, {})[split] = SplitInfo(part.rows, part.nbytes)
        for index, (start, end) in enumerate(shard_ranges(part.rows, shards)):
            path = f"{config}/{split}-{index:05d}-of-{shards:05d}.parquet"
            handle = out.open(path)
            write_shard(handle, part, start, end, config)
            info.download_size += handle.tell()
            info.files.append(path)
            files.append(f"{outdir}/{path}")
        pool.release_unused()

    with OutputDir(outdir, overwrite=options.overwrite) as out:
        with tempfile.TemporaryDirectory(prefix=".tearcorpus-spill-", dir=outdir) as spill:
            counter = StatsBuilder()
            router = SplitRouter(spill, seed=options.seed, ratios=ratios)
            try:
                for table, batch in batches:
                    counter.add(table, batch)
                    router.add(table, batch)
            finally:
                router.close()
            stats = counter.result()
            del counter
            pool.release_unused()
            for config in ("posts", "replies"):
                for split, part in router.files[config].items():
                    if part.rows:
                        write(config, part, split, out)
            replies = {SPLITS.index(s): f.path for s, f in router.files["replies"].items()}
            reply_splits = router.reply_splits()
            schema = features_schema("replies_in_context")
            for split, part in router.files["replies"].items():
                if part.rows == 0:
                    continue
                target = SplitFile(os.path.join(spill, f"replies_in_context-{split}.arrow"), schema)
                batches = context_batches(
                    router.files["posts"][split],
                    part,
                    spill,
                    split=SPLITS.index(split),
                    all_replies=replies,
                    reply_splits=reply_splits,
                )
                try:
                    for batch, nulls in zip(batches, router.source_nulls[split], strict=True):
                        target.add(pa.Table.from_batches([batch]), context_nbytes(batch, nulls))
                finally:
                    target.close()
                pool.release_unused()
                write("replies_in_context", target, split, out)
                os.unlink(target.path)
        readme = render_card(
            stats,
            splits,
            default_config=DEFAULT_CONFIG if DEFAULT_CONFIG in splits else next(iter(splits), ""),
            languages=options.languages,
            license=options.license,
            pretty_name=options.pretty_name,
            report=options.report,
            seed=options.seed,
            ratios=ratios,
        )
        out.open("README.md").write(readme.encode())
    files.append(f"{outdir}/README.md")
    return ExportResult(name, outdir, files, stats.posts, stats.replies)


def write_hub_folder(
    records: Iterable[Record],
    outdir: str,
    *,
    overwrite: bool = False,
    ratios: tuple[float, float, float] = (0.8, 0.1, 0.1),
    seed: int = 0,
    max_shard_size: int = 500_000_000,
    languages: tuple[str, ...] = (),
    license: str | None = None,
    pretty_name: str | None = None,
) -> ExportResult:
    """Write *records* as a Hub folder in *outdir* (see the module docs), atomically."""
    options = ExportOptions(
        overwrite=overwrite,
        split_ratios=ratios,
        seed=seed,
        max_shard_size=max_shard_size,
        languages=languages,
        license=license,
        pretty_name=pretty_name,
    )
    return export(records, outdir, options)
