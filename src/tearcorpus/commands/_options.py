"""What the commands share: how inputs are read, the transforms, progress and rejects."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO, TypeAlias, TypedDict, TypeVar

from ..errors import TearcorpusError

if TYPE_CHECKING:
    from ..job import Step
    from ..report import Report

__all__ = [
    "EXIT_ERROR",
    "EXIT_OK",
    "EXIT_USAGE",
    "add_input_args",
    "add_run_args",
    "add_transform_args",
    "count",
    "print_json",
    "print_rejects",
    "read_keywords",
    "transform_steps",
    "wants_progress",
]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2

#: What each command's ``register`` adds its parser to: the command line's sub-parsers.
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

_T = TypeVar("_T")

#: Located errors printed after a lenient run; the rest are counted.
SHOWN_ERRORS = 10


def add_input_args(
    parser: argparse.ArgumentParser,
    *,
    inputs: str = "dump files or fsspec URLs",
    root: bool = True,
) -> None:
    """``INPUT...`` and how they are read: ``--from``, ``--strict``, ``--encoding``, the
    parsers' options, ``--max-record-size`` and (with *root*) ``--root``."""
    from .._io import DEFAULT_MAX_RECORD_BYTES
    from .._read import byte_size
    from ..parsers import PARSERS

    parser.add_argument("inputs", nargs="+", metavar="INPUT", help=inputs)
    parser.add_argument(
        "--from",
        dest="format",
        metavar="FORMAT",
        choices=sorted(PARSERS),
        help=f"force the input format instead of detecting it ({', '.join(PARSERS)})",
    )
    parser.add_argument(
        "--strict", action="store_true", help="stop at the first bad record (exit 1)"
    )
    parser.add_argument(
        "--encoding", metavar="ENC", help="text encoding of the inputs (default: UTF-8)"
    )
    parser.add_argument(
        "--video-id",
        metavar="ID",
        help="video id for dumps that do not hold one (youtube-comment-downloader)",
    )
    parser.add_argument(
        "--scraped-at",
        metavar="TIME",
        help="when the inputs were scraped (ISO 8601 or epoch seconds): relative comment "
        "times ('3 days ago') count back from it where the file does not say (default: "
        "the file's modification time)",
    )
    parser.add_argument(
        "--max-record-size",
        type=byte_size,
        default=DEFAULT_MAX_RECORD_BYTES,
        metavar="SIZE",
        help="reject records (a line, a JSON document) larger than SIZE (default: 64MiB)",
    )
    if root:
        parser.add_argument(
            "--root",
            metavar="DIR",
            help="name local inputs in the records' provenance relative to DIR (default: "
            "the folder the inputs have in common): no absolute local path reaches the output",
        )


def add_run_args(parser: argparse.ArgumentParser) -> None:
    """``--progress`` and ``--workers``."""
    parser.add_argument(
        "--progress",
        choices=("auto", "always", "never"),
        default="auto",
        help="progress on stderr: auto shows it when stderr is a terminal",
    )
    parser.add_argument(
        "--workers",
        type=_workers,
        default=1,
        metavar="N",
        help="parse inputs in N processes, one input file per shard; the output is "
        "identical to one process (default: 1; 0 = one per CPU; see docs/scale-out.md)",
    )


def count(value: str, least: int = 0) -> int:
    """A whole number of at least *least*, as an option's ``type``."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if number < least:
        raise argparse.ArgumentTypeError(f"must be {least} or more, got {number}")
    return number


def _workers(value: str) -> int:
    """``--workers N``: a count of processes; 0 means one per CPU."""
    from ..parallel import default_workers

    return count(value) or default_workers()


class ReadKeywords(TypedDict):
    """How inputs are read, as :func:`tearcorpus.read` and the commands' library calls
    take it (``root`` apart: not every command has ``--root``)."""

    format: str | None
    strict: bool
    encoding: str | None
    options: dict[str, str]
    max_record_bytes: int


def read_keywords(args: argparse.Namespace) -> ReadKeywords:
    """The reading keywords of the options of :func:`add_input_args`; ``options`` are the
    parsers' options given (``--video-id``, ``--scraped-at``)."""
    given = {"video_id": args.video_id, "scraped_at": args.scraped_at}
    return {
        "format": args.format,
        "strict": args.strict,
        "encoding": args.encoding,
        "options": {name: value for name, value in given.items() if value},
        "max_record_bytes": args.max_record_size,
    }


def add_transform_args(parser: argparse.ArgumentParser) -> None:
    """The options of the transforms (exclude, normalise, filter, dedup, anonymise, scrub),
    as ``convert`` has them."""
    from ..transforms.filters import RULES
    from ..transforms.normalize import DEFAULT_STEPS, parse_steps
    from ..transforms.scrub import KINDS, parse_kinds

    def checked(parse: Callable[[str], _T]) -> Callable[[str], _T]:
        def run(value: str) -> _T:
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

    group = parser.add_argument_group(
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


def transform_steps(args: argparse.Namespace) -> list[Step]:
    """The transform steps the options of :func:`add_transform_args` describe."""
    from ..job import (
        AnonymizeStep,
        DedupStep,
        ExcludeStep,
        FilterStep,
        NearDedupStep,
        NormalizeStep,
        ScrubStep,
    )
    from ..transforms.scrub import KINDS, parse_kinds

    steps: list[Step] = []
    if args.exclude:
        steps.append(ExcludeStep(args.exclude))
    if args.normalize:
        steps.append(NormalizeStep(tuple(args.normalize), quotes=args.quotes))
    langs = tuple(c.strip() for c in args.lang.split(",") if c.strip()) if args.lang else None
    if args.filter or args.min_chars is not None or args.max_chars is not None or langs:
        steps.append(
            FilterStep(
                tuple(args.filter or ()),
                min_chars=args.min_chars,
                max_chars=args.max_chars,
                languages=langs,
                include_posts=args.filter_posts,
            )
        )
    if args.dedup:
        steps.append(DedupStep(min_chars=args.dedup_min_chars, include_posts=args.filter_posts))
    if args.near_dedup is not None:
        steps.append(
            NearDedupStep(
                threshold=args.near_dedup,
                min_chars=args.dedup_min_chars,
                include_posts=args.filter_posts,
            )
        )
    if args.anonymize:
        steps.append(AnonymizeStep(key_file=args.key_file, one_pass=args.one_pass))
    elif args.key_file:
        raise TearcorpusError("--key-file is only used with --anonymize")
    kinds = args.scrub if args.scrub is not None else (KINDS if args.anonymize else ())
    if kinds:
        steps.append(ScrubStep(parse_kinds(kinds, without=args.no_scrub)))
    return steps


def wants_progress(mode: str) -> bool:
    """Whether ``--progress MODE`` draws a bar: ``always``, or ``auto`` on a terminal."""
    return mode == "always" or (mode == "auto" and sys.stderr.isatty())


def print_json(data: object) -> None:
    """*data* on stdout as indented JSON: the commands' ``--json``."""
    import orjson

    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")


def print_rejects(report: Report, out: TextIO) -> None:
    """The first located errors of *report*, and how many more there are."""
    errors = report.errors
    for error in errors[:SHOWN_ERRORS]:
        print(f"  {error}", file=out)
    more = report.rejected - min(len(errors), SHOWN_ERRORS)
    if more > 0:
        print(f"  ... and {more} more", file=out)
