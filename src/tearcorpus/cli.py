"""The ``tearcorpus`` command line.

Contract (public API, see docs/cli.md)::

    tearcorpus inspect INPUT... [--from FORMAT] [--strict] [--json]
    tearcorpus convert INPUT... --to FORMAT -o OUTDIR [--from FORMAT] [--strict]

Bad input never shows a traceback: one line naming the file, and a non-zero exit.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO

from ._signals import signals_as_exceptions
from ._version import __version__
from .commands import annotate
from .commands import report as report_command
from .errors import TearcorpusError
from .model import Post, Record
from .report import Report

if TYPE_CHECKING:
    from .job import ConvertJob

__all__ = ["main"]

#: Located errors printed after a lenient run; the rest are counted.
SHOWN_ERRORS = 10

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    from ._io import DEFAULT_MAX_RECORD_BYTES, byte_size
    from .exporters import EXPORTERS
    from .parsers import PARSERS

    formats = ", ".join(PARSERS)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("inputs", nargs="+", metavar="INPUT", help="dump files or fsspec URLs")
    common.add_argument(
        "--from",
        dest="format",
        metavar="FORMAT",
        choices=sorted(PARSERS),
        help=f"force the input format instead of detecting it ({formats})",
    )
    common.add_argument(
        "--strict", action="store_true", help="stop at the first bad record (exit 1)"
    )
    common.add_argument(
        "--encoding", metavar="ENC", help="text encoding of the inputs (default: UTF-8)"
    )
    common.add_argument(
        "--video-id",
        metavar="ID",
        help="video id for dumps that do not hold one (youtube-comment-downloader)",
    )
    common.add_argument(
        "--scraped-at",
        metavar="TIME",
        help="when the inputs were scraped (ISO 8601 or epoch seconds): relative comment "
        "times ('3 days ago') count back from it where the file does not say (default: "
        "the file's modification time)",
    )
    common.add_argument(
        "--max-record-size",
        type=byte_size,
        default=DEFAULT_MAX_RECORD_BYTES,
        metavar="SIZE",
        help="reject records (a line, a JSON document) larger than SIZE (default: 64MiB)",
    )
    common.add_argument(
        "--root",
        metavar="DIR",
        help="name local inputs in the records' provenance relative to DIR (default: the "
        "folder the inputs have in common): no absolute local path reaches the output",
    )
    common.add_argument(
        "--progress",
        choices=("auto", "always", "never"),
        default="auto",
        help="progress on stderr: auto shows it when stderr is a terminal",
    )
    common.add_argument(
        "--workers",
        type=_workers,
        default=1,
        metavar="N",
        help="parse inputs in N processes, one input file per shard; the output is "
        "identical to one process (default: 1; 0 = one per CPU; see docs/scale-out.md)",
    )

    parser = argparse.ArgumentParser(
        prog="tearcorpus",
        description="Turn raw comment dumps into typed, anonymised, modelling-ready corpora.",
    )
    parser.add_argument("--version", action="version", version=f"tearcorpus {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    inspect = sub.add_parser(
        "inspect", parents=[common], help="summarise inputs: formats, counts, rejects"
    )
    inspect.add_argument("--json", action="store_true", help="print one JSON object")

    convert = sub.add_parser("convert", parents=[common], help="convert inputs to a corpus")
    convert.add_argument("--to", required=True, choices=sorted(EXPORTERS), help="output format")
    convert.add_argument("-o", "--output", required=True, metavar="OUTDIR")
    convert.add_argument(
        "--overwrite", action="store_true", help="replace files in a non-empty OUTDIR"
    )
    convert.add_argument("--json", action="store_true", help="print the result as JSON")
    _add_export_args(convert)
    _add_transform_args(convert)

    demo = sub.add_parser(
        "demo", help="build a corpus from the bundled sample dump and print a summary"
    )
    demo.add_argument("-o", "--output", default="tearcorpus-demo", metavar="OUTDIR")

    sub.add_parser("formats", help="list the input and output formats")
    sub.add_parser(
        "sample",
        help='print the path of the bundled sample dump (try: tearcorpus inspect "$(tearcorpus sample)")',
    )

    publish = sub.add_parser(
        "publish", help="upload a Hub folder (convert --to hub) to a Hugging Face dataset repo"
    )
    publish.add_argument("folder", metavar="DIR", help="a folder written by convert --to hub")
    publish.add_argument("repo_id", metavar="REPO_ID", help="the dataset repo: user/name")
    publish.add_argument("--private", action="store_true", help="create the repo as private")
    publish.add_argument(
        "--token", metavar="TOKEN", help="Hub token (default: HF_TOKEN or the saved login)"
    )
    publish.add_argument("--message", metavar="TEXT", help="commit message")
    publish.add_argument(
        "--exclude",
        metavar="FILE",
        help="refuse a folder built without this opt-out list (default: $TEARCORPUS_EXCLUDE)",
    )
    publish.add_argument(
        "--allow-identifiable",
        action="store_true",
        help="publish a corpus whose authors were not anonymised (refused by default)",
    )
    annotate.register(sub)
    report_command.register(sub)
    return parser


def _workers(value: str) -> int:
    """``--workers N``: a count of processes; 0 means one per CPU."""
    try:
        count = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if count < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {count}")
    if count == 0:
        from .parallel import default_workers

        return default_workers()
    return count


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
    from .errors import ExportError

    number = text.strip().upper().rstrip("BIGMK")
    unit = text.strip().upper()[len(number) :]
    try:
        value = int(float(number) * _UNITS[unit])
    except (KeyError, ValueError):
        raise ExportError(f"--max-shard-size: not a size: {text!r} (e.g. 500MB, 1GB)") from None
    if value <= 0:
        raise ExportError(f"--max-shard-size: must be positive, got {text!r}")
    return value


def _add_transform_args(convert: argparse.ArgumentParser) -> None:
    """Options of the transforms (anonymise, scrub, normalise, filter) on ``convert``."""
    from .transforms.filters import RULES
    from .transforms.normalize import DEFAULT_STEPS, parse_steps
    from .transforms.scrub import KINDS, parse_kinds

    def checked(parse: Any) -> Any:
        def run(value: str) -> Any:
            try:
                return parse(value)
            except ValueError as exc:
                raise argparse.ArgumentTypeError(str(exc)) from None

        return run

    def rules(value: str) -> tuple[str, ...]:
        chosen = tuple(r.strip() for r in value.split(",") if r.strip())
        if chosen == ("all",):
            return RULES
        for rule in chosen:
            if rule not in RULES:
                raise ValueError(f"unknown filter rule {rule!r}; choose from: {', '.join(RULES)}")
        return chosen

    def no_scrub(value: str) -> str:
        parse_kinds(value)  # raises on an unknown kind
        return value

    group = convert.add_argument_group(
        "transforms",
        "run in this order: exclude, normalize, filter, dedup, near-dedup, anonymize, scrub "
        "(see docs/privacy.md)",
    )
    group.add_argument(
        "--exclude",
        metavar="FILE",
        default=os.environ.get("TEARCORPUS_EXCLUDE") or None,
        help="leave out the records and authors of an opt-out list: one comment or post "
        "id, or author:ID, a line (default: $TEARCORPUS_EXCLUDE); counted as withdrawn",
    )
    group.add_argument(
        "--normalize",
        nargs="?",
        const=DEFAULT_STEPS,
        type=checked(parse_steps),
        metavar="STEPS",
        help="normalise text: html,mojibake,nfc,whitespace,quotes or all "
        f"(default without a value: {','.join(DEFAULT_STEPS)})",
    )
    group.add_argument(
        "--quotes",
        choices=("remove", "mark"),
        default="remove",
        help="with --normalize quotes: remove '> quoted' lines or mark them [QUOTE]",
    )
    group.add_argument(
        "--filter",
        nargs="?",
        const=RULES,
        type=checked(rules),
        metavar="RULES",
        help=f"drop replies by rule: {','.join(RULES)} or all (default without a value: all)",
    )
    group.add_argument("--min-chars", type=int, metavar="N", help="drop replies shorter than N")
    group.add_argument("--max-chars", type=int, metavar="N", help="drop replies longer than N")
    group.add_argument(
        "--lang",
        metavar="CODES",
        help="keep replies in these languages only, e.g. en,de (needs tearcorpus[lang])",
    )
    group.add_argument(
        "--filter-posts",
        action="store_true",
        help="let filters and dedup drop posts too (their replies stay, as orphans)",
    )
    group.add_argument(
        "--dedup", action="store_true", help="drop replies whose normalised text was seen before"
    )
    group.add_argument(
        "--near-dedup",
        nargs="?",
        const=0.8,
        type=float,
        metavar="THRESHOLD",
        help="drop near-duplicate replies, MinHash Jaccard >= THRESHOLD (default 0.8; "
        "needs tearcorpus[dedup])",
    )
    group.add_argument(
        "--dedup-min-chars",
        type=int,
        default=1,
        metavar="N",
        help="texts shorter than N normalised characters are never duplicates (default 1)",
    )
    group.add_argument(
        "--anonymize",
        action="store_true",
        help="pseudonymise authors with a keyed hash (key from $TEARCORPUS_KEY or "
        "--key-file) and scrub personal data from text (implies --scrub)",
    )
    group.add_argument("--key-file", metavar="FILE", help="read the anonymisation key from FILE")
    group.add_argument(
        "--one-pass",
        action="store_true",
        help="with --anonymize: read inputs once; mentions of authors who appear later "
        "are scrubbed as [HANDLE]/[USER] instead of pseudonymised",
    )
    group.add_argument(
        "--scrub",
        nargs="?",
        const=KINDS,
        type=checked(parse_kinds),
        metavar="KINDS",
        help=f"replace personal data in text: {','.join(KINDS)} or all (default without a "
        "value: all)",
    )
    group.add_argument(
        "--no-scrub",
        action="append",
        default=[],
        type=checked(no_scrub),
        metavar="KIND",
        help="leave this kind in the text (repeatable, or comma-separated)",
    )
    group.add_argument(
        "--write-dropped",
        metavar="FILE.jsonl",
        help="write dropped records to FILE.jsonl with a dropped_reason (anonymised and "
        "scrubbed like the corpus)",
    )


def _parse_options(args: argparse.Namespace) -> dict[str, str]:
    """The parsers' options from the command line (``--video-id``, ``--scraped-at``)."""
    given = {"video_id": args.video_id, "scraped_at": args.scraped_at}
    return {name: value for name, value in given.items() if value}


def _job(args: argparse.Namespace) -> ConvertJob:
    """The convert job the command line describes."""
    from . import job as jobs
    from .errors import ExportError
    from .transforms.scrub import KINDS, parse_kinds

    try:
        ratios = tuple(float(part) for part in args.split_ratios.split(","))
    except ValueError:
        raise ExportError(f"--split-ratios: not numbers: {args.split_ratios!r}") from None
    if len(ratios) != 3:
        raise ExportError(f"--split-ratios: expected three numbers, got {args.split_ratios!r}")
    steps: list[jobs.Step] = []
    if args.exclude:
        steps.append(jobs.ExcludeStep(args.exclude))
    if args.normalize:
        steps.append(jobs.NormalizeStep(tuple(args.normalize), quotes=args.quotes))
    langs = tuple(c.strip() for c in args.lang.split(",") if c.strip()) if args.lang else None
    if args.filter or args.min_chars is not None or args.max_chars is not None or langs:
        steps.append(
            jobs.FilterStep(
                tuple(args.filter or ()),
                min_chars=args.min_chars,
                max_chars=args.max_chars,
                languages=langs,
                include_posts=args.filter_posts,
            )
        )
    if args.dedup:
        steps.append(
            jobs.DedupStep(min_chars=args.dedup_min_chars, include_posts=args.filter_posts)
        )
    if args.near_dedup is not None:
        steps.append(
            jobs.NearDedupStep(
                threshold=args.near_dedup,
                min_chars=args.dedup_min_chars,
                include_posts=args.filter_posts,
            )
        )
    if args.anonymize:
        steps.append(jobs.AnonymizeStep(key_file=args.key_file, one_pass=args.one_pass))
    elif args.key_file:
        raise TearcorpusError("--key-file is only used with --anonymize")
    kinds = args.scrub if args.scrub is not None else (KINDS if args.anonymize else ())
    if kinds:
        steps.append(jobs.ScrubStep(parse_kinds(kinds, without=args.no_scrub)))
    return jobs.ConvertJob(
        args.inputs,
        to=args.to,
        out=args.output,
        format=args.format,
        strict=args.strict,
        encoding=args.encoding,
        options=_parse_options(args),
        max_record_bytes=args.max_record_size,
        root=args.root,
        transforms=steps,
        write_dropped=args.write_dropped,
        workers=args.workers,
        overwrite=args.overwrite,
        progress=wants_progress(args.progress),
        excel_safe=args.excel_safe,
        compression=args.compression,
        max_shard_size=_size(args.max_shard_size),
        split_ratios=ratios,
        seed=args.seed,
        languages=tuple(args.language),
        license=args.license,
        pretty_name=args.pretty_name,
        labels=getattr(args, "labels", None),
        conversation=getattr(args, "conversation", "path"),
        assistant=getattr(args, "assistant", "uploader"),
        messages=getattr(args, "messages", False),
    )


class _Stats:
    """Streaming summary for ``inspect``: constant work per record."""

    def __init__(self) -> None:
        self.threads: set[str] = set()
        self.authors: set[str] = set()
        self.first: datetime | None = None
        self.last: datetime | None = None
        self.estimated = 0
        self.platforms: dict[str, int] = {}

    def add(self, record: Record) -> None:
        self.threads.add(record.id if isinstance(record, Post) else record.post_id)
        if record.author is not None and record.author.id is not None:
            self.authors.add(record.author.id)
        self.platforms[record.platform.value] = self.platforms.get(record.platform.value, 0) + 1
        when = record.created_at
        if when is not None:
            if self.first is None or when < self.first:
                self.first = when
            if self.last is None or when > self.last:
                self.last = when
            if record.created_at_estimated:
                self.estimated += 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "threads": len(self.threads),
            "authors": len(self.authors),
            "platforms": dict(sorted(self.platforms.items())),
            "time_range": None
            if self.first is None or self.last is None
            else [self.first.isoformat(), self.last.isoformat()],
            "estimated_times": self.estimated,
        }


def wants_progress(mode: str) -> bool:
    """Whether ``--progress MODE`` draws a bar: ``always``, or ``auto`` on a terminal."""
    return mode == "always" or (mode == "auto" and sys.stderr.isatty())


def _progress(records: Iterable[Record], mode: str, desc: str) -> Iterable[Record]:
    if not wants_progress(mode):
        return records
    from tqdm import tqdm

    return tqdm(records, desc=desc, unit=" records", file=sys.stderr, mininterval=0.5)


def _print_rejects(report: Report, out: TextIO) -> None:
    errors = report.errors
    for error in errors[:SHOWN_ERRORS]:
        print(f"  {error}", file=out)
    more = report.rejected - min(len(errors), SHOWN_ERRORS)
    if more > 0:
        print(f"  ... and {more} more", file=out)


def _summary(report: Report, stats: _Stats, out: TextIO) -> None:
    for source in report.sources:
        print(f"{source.source}  [{source.format}]", file=out)
        line = f"  posts {source.posts}  replies {source.replies}  rejected {source.rejected}"
        print(line, file=out)
        for kind, count in sorted(source.rejected_by_reason.items()):
            print(f"    rejected {kind}: {count}", file=out)
        for kind, count in sorted(source.notes.items()):
            print(f"    noted {kind}: {count}", file=out)
    info = stats.to_dict()
    if len(report.sources) > 1:
        print(
            f"total  posts {report.posts}  replies {report.replies}  rejected {report.rejected}",
            file=out,
        )
    print(f"threads {info['threads']}  authors {info['authors']}", file=out)
    if info["time_range"]:
        first, last = info["time_range"]
        print(f"time range {first} .. {last}", file=out)
    if report.rejected:
        _print_rejects(report, out)


def _cmd_inspect(args: argparse.Namespace) -> int:
    from .parallel import iter_records, worth_workers

    report = Report()
    stats = _Stats()
    options = _parse_options(args)
    # --workers: inputs parsed in processes (tearcorpus.parallel), the same stream.
    workers = (
        args.workers if worth_workers(args.inputs, args.workers, args.format, args.encoding) else 1
    )
    source = iter_records(
        args.inputs,
        workers=workers,
        format=args.format,
        strict=args.strict,
        encoding=args.encoding,
        options=options,
        report=report,
        max_record_bytes=args.max_record_size,
        root=args.root,
    )
    for record in _progress(source, args.progress, "reading"):
        stats.add(record)
    if args.json:
        import orjson

        data = report.to_dict()
        data["format"] = data["formats"][0] if len(data["formats"]) == 1 else data["formats"]
        data.update(stats.to_dict())
        sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        _summary(report, stats, sys.stdout)
    return EXIT_OK


def _cmd_convert(args: argparse.Namespace) -> int:
    from .pipeline import run

    result = run(_job(args), settle_process=args.own_process)
    report = result.report
    assert report is not None
    if args.json:
        import orjson

        data = report.to_dict()
        data.update({"output": result.outdir, "files": result.files, "written": result.written})
        data["export_notes"] = result.notes
        sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")
        return EXIT_OK
    print(
        f"read {report.read} records from {len(report.sources)} input(s): "
        f"wrote {result.posts} posts and {result.replies} replies, "
        f"rejected {report.rejected}, dropped {report.dropped}, "
        f"merged {report.merged}",
    )
    if report.dropped:
        print(
            "  dropped "
            + ", ".join(f"{k} {v}" for k, v in sorted(report.dropped_by_reason.items()))
        )
    if report.merged:
        print(
            "  merged " + ", ".join(f"{k} {v}" for k, v in sorted(report.merged_by_reason.items()))
        )
    if report.scrubbed:
        print("  scrubbed " + ", ".join(f"{k} {v}" for k, v in sorted(report.scrubbed.items())))
    if result.notes:
        print("  noted " + ", ".join(f"{k} {v}" for k, v in sorted(result.notes.items())))
    for path in result.files:
        print(f"  {path}")
    if report.rejected:
        _print_rejects(report, sys.stdout)
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from .exporters.jsonl import write_jsonl
    from .reader import read
    from .sample import sample_path

    path = sample_path()
    corpus = read(path)
    result = write_jsonl(corpus, args.output, overwrite=_is_ours(args.output, str(path)))
    thread = next(corpus.threads())
    print(f"sample dump: {path}")
    print(f"title: {thread.post.title if thread.post else thread.post_id}")
    print(
        f"read {corpus.report.read} records: {len(corpus.posts)} post, "
        f"{len(corpus.replies)} replies, {corpus.report.rejected} rejected"
    )
    for reply, _depth in list(thread.walk())[:3]:
        text = reply.text.replace("\n", " ")
        print(f"  - {text[:72]}{'...' if len(text) > 72 else ''}")
    print(f"wrote {result.written} records to {result.outdir}/:")
    for file in result.files:
        print(f"  {file}")
    print(f"next: tearcorpus inspect {result.outdir}/*.jsonl")
    return EXIT_OK


def _is_ours(outdir: str, sample: str) -> bool:
    """A demo may replace its own earlier output (a JSON Lines export whose manifest says
    it read the bundled sample and nothing else), and nothing else."""
    import json

    from ._atomic import occupied
    from .errors import ExportError

    try:
        with open(os.path.join(outdir, "manifest.json"), "rb") as handle:
            manifest = json.load(handle)
        sources = [source["source"] for source in manifest["read"]["sources"]]
        if manifest["format"] == "tearcorpus-jsonl" and sources == [sample]:
            return True
    except (OSError, ValueError, TypeError, KeyError):
        pass
    if occupied(outdir):
        raise ExportError(f"{outdir}: is not empty and not the demo's own output; use another -o")
    return False


def _cmd_formats(_: argparse.Namespace) -> int:
    from .exporters import EXPORTERS
    from .parsers import PARSERS

    print("input formats (--from):")
    for name, parser in PARSERS.items():
        print(f"  {name:<12} {parser.description}")
    print("output formats (--to):")
    for name, exporter in EXPORTERS.items():
        print(f"  {name:<12} {exporter.description}")
    return EXIT_OK


def _cmd_sample(_: argparse.Namespace) -> int:
    from .sample import sample_path

    print(sample_path())
    return EXIT_OK


def _cmd_publish(args: argparse.Namespace) -> int:
    from .publish import publish

    result = publish(
        args.folder,
        args.repo_id,
        private=args.private,
        token=args.token,
        message=args.message,
        allow_identifiable=args.allow_identifiable,
        exclude=args.exclude,
    )
    for warning in result.warnings:
        print(f"tearcorpus: warning: {warning}", file=sys.stderr)
    print(f"published {len(result.files)} files to {result.url}")
    if result.commit_url:
        print(f"  commit: {result.commit_url}")
    return EXIT_OK


_COMMANDS = {
    "inspect": _cmd_inspect,
    "convert": _cmd_convert,
    "demo": _cmd_demo,
    "formats": _cmd_formats,
    "sample": _cmd_sample,
    "publish": _cmd_publish,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    Run as the command (*argv* None: the arguments are ``sys.argv``'s), the process is
    tearcorpus' own and ``convert`` settles it for a long run (see :mod:`._process`);
    called with arguments from Python, the caller's process is left as it is."""
    args = _parser().parse_args(argv)
    args.own_process = argv is None
    try:
        with signals_as_exceptions():  # SIGTERM, SIGHUP: temporary files removed, see _signals
            return (getattr(args, "handler", None) or _COMMANDS[args.command])(args)
    except TearcorpusError as exc:
        print(f"tearcorpus: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("tearcorpus: interrupted; no output was left half-written", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into a closed reader (``| head``): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
