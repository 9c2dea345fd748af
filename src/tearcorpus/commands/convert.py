"""``tearcorpus convert INPUT... --to FORMAT -o OUTDIR``: the job of docs/cli.md."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from ._options import (
    EXIT_OK,
    Subparsers,
    add_input_args,
    add_run_args,
    add_transform_args,
    print_json,
    print_rejects,
    read_keywords,
    transform_steps,
    wants_progress,
)

if TYPE_CHECKING:
    from ..job import ConvertJob

__all__ = ["job", "register", "run"]


def register(subparsers: Subparsers) -> None:
    """Add ``convert`` to the command line's *subparsers*."""
    from ..exporters import EXPORTERS

    convert = subparsers.add_parser("convert", help="convert inputs to a corpus")
    add_input_args(convert)
    add_run_args(convert)
    convert.add_argument("--to", required=True, choices=sorted(EXPORTERS), help="output format")
    convert.add_argument("-o", "--output", required=True, metavar="OUTDIR")
    convert.add_argument(
        "--overwrite", action="store_true", help="replace files in a non-empty OUTDIR"
    )
    convert.add_argument("--json", action="store_true", help="print the result as JSON")
    _add_export_args(convert)
    add_transform_args(convert)
    convert.set_defaults(handler=run)


def _add_export_args(convert: argparse.ArgumentParser) -> None:
    """Options of the exporters (CSV, Parquet, Hub folder) on ``convert``."""
    group = convert.add_argument_group("export options (csv, parquet, hub, messages)")
    group.add_argument(
        "--excel-safe",
        action="store_true",
        help="csv: defuse formula cells (=, +, -, @) and write a BOM; the reader undoes both",
    )
    group.add_argument(
        "--compression",
        choices=("zstd", "snappy", "gzip", "none"),
        default="zstd",
        help="parquet: compression codec (default: zstd)",
    )
    group.add_argument(
        "--max-shard-size",
        default="500MB",
        metavar="SIZE",
        help="hub: largest Parquet shard, e.g. 500MB, 1GB (default: 500MB, as push_to_hub)",
    )
    group.add_argument(
        "--split-ratios",
        default="0.8,0.1,0.1",
        metavar="TRAIN,VAL,TEST",
        help="hub: train/validation/test shares of threads (default: 0.8,0.1,0.1)",
    )
    group.add_argument(
        "--seed", type=int, default=0, help="hub: seed of the thread-to-split hash (default: 0)"
    )
    group.add_argument(
        "--language",
        action="append",
        default=[],
        metavar="CODE",
        help="hub card: ISO 639-1 language of the text (repeat for several; default: not stated)",
    )
    group.add_argument(
        "--license",
        metavar="ID",
        help="hub card: licence id (e.g. cc-by-4.0; default: unknown, with a note)",
    )
    group.add_argument("--pretty-name", metavar="NAME", help="hub card: the dataset's title")
    group.add_argument(
        "--labels",
        metavar="LABELS_DIR",
        help="hub: add the labels of 'tearcorpus annotate import' as the labels config",
    )
    group.add_argument(
        "--conversation",
        choices=("path", "pair"),
        default="path",
        help="messages: path = the post and every reply down to this one (default); "
        "pair = the parent (or the post) and the reply",
    )
    group.add_argument(
        "--assistant",
        choices=("uploader", "none"),
        default="uploader",
        help="messages: uploader = the uploader's / OP's turns are 'assistant', the post "
        "'system', others 'user' (default); none = every turn 'user', with its author's name",
    )
    group.add_argument(
        "--messages",
        action="store_true",
        help="hub: add a 'messages' config (the --to messages rows, split by thread)",
    )


_UNITS = {
    "": 1,
    "B": 1,
    "KB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
    "KIB": 2**10,
    "MIB": 2**20,
    "GIB": 2**30,
}


def _size(text: str) -> int:
    """Bytes from ``500MB``, ``1GiB`` or a plain number."""
    from ..errors import ExportError

    number = text.strip().upper().rstrip("BIGMK")
    unit = text.strip().upper()[len(number) :]
    try:
        value = int(float(number) * _UNITS[unit])
    except (KeyError, ValueError):
        raise ExportError(f"--max-shard-size: not a size: {text!r} (e.g. 500MB, 1GB)") from None
    if value <= 0:
        raise ExportError(f"--max-shard-size: must be positive, got {text!r}")
    return value


def job(args: argparse.Namespace) -> ConvertJob:
    """The convert job the command line describes."""
    from attrs import fields_dict

    from ..errors import ExportError
    from ..job import ConvertJob

    try:
        ratios = tuple(float(part) for part in args.split_ratios.split(","))
    except ValueError:
        raise ExportError(f"--split-ratios: not numbers: {args.split_ratios!r}") from None
    if len(ratios) != 3:
        raise ExportError(f"--split-ratios: expected three numbers, got {args.split_ratios!r}")
    # The job's fields are named as the options: those given as they are used as they are.
    settings = {name: getattr(args, name) for name in vars(args).keys() & fields_dict(ConvertJob)}
    settings.update(
        read_keywords(args),
        out=args.output,
        transforms=transform_steps(args),
        progress=wants_progress(args.progress),
        max_shard_size=_size(args.max_shard_size),
        split_ratios=ratios,
        languages=tuple(args.language),
    )
    return ConvertJob(**settings)


def run(args: argparse.Namespace) -> int:
    """Run the job; print the counts and the files written."""
    from ..pipeline import run as run_job

    result = run_job(job(args), settle_process=args.own_process)
    report = result.report
    assert report is not None
    if args.json:
        data = {
            **report.to_dict(),
            "output": result.outdir,
            "files": result.files,
            "written": result.written,
            "export_notes": result.notes,
        }
        print_json(data)
        return EXIT_OK
    print(
        f"read {report.read} records from {len(report.sources)} input(s): "
        f"wrote {result.posts} posts and {result.replies} replies, "
        f"rejected {report.rejected}, dropped {report.dropped}, "
        f"merged {report.merged}",
    )
    for what, counts in (
        ("dropped", report.dropped_by_reason),
        ("merged", report.merged_by_reason),
        ("scrubbed", report.scrubbed),
        ("noted", result.notes),
    ):
        if counts:
            print(f"  {what} " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for path in result.files:
        print(f"  {path}")
    if report.rejected:
        print_rejects(report, sys.stdout)
    return EXIT_OK
