"""``tearcorpus report INPUT... -o report.html``: the corpus report page (docs/report.md)."""

from __future__ import annotations

import argparse
import functools

from ._options import EXIT_OK, Subparsers, add_input_args, count, print_json, read_keywords

__all__ = ["register"]


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else many or one + 's'}"


def register(subparsers: Subparsers) -> None:
    """Add the ``report`` command to the command line's *subparsers*."""
    from ..overview import LARGEST_THREADS, MAX_REPLIES, SAMPLE_THREADS

    parser = subparsers.add_parser(
        "report",
        help="write one self-contained HTML page: counts, charts and a thread browser",
        description="Write the corpus report of INPUT... (dumps, or tearcorpus exports: a "
        "JSONL, CSV or Parquet export folder, a Hub folder) as one HTML page that loads "
        "nothing from the network: counts, charts and a thread browser.",
    )
    add_input_args(parser, inputs="dump files or export folders", root=False)
    parser.add_argument("-o", "--output", required=True, metavar="FILE", help="the page to write")
    parser.add_argument("--overwrite", action="store_true", help="replace FILE if it exists")
    parser.add_argument("--title", metavar="TEXT", help="the page's title")
    parser.add_argument(
        "--threads",
        type=count,
        default=LARGEST_THREADS,
        metavar="N",
        help=f"the N largest threads go into the thread browser (default: {LARGEST_THREADS})",
    )
    parser.add_argument(
        "--sample-threads",
        type=count,
        default=SAMPLE_THREADS,
        metavar="N",
        help=f"and a sample of N others (default: {SAMPLE_THREADS})",
    )
    parser.add_argument(
        "--max-replies",
        type=functools.partial(count, least=1),
        default=MAX_REPLIES,
        metavar="N",
        help=f"replies in the thread browser in all, at least 20 a thread (default: {MAX_REPLIES})",
    )
    parser.add_argument(
        "--detect-language",
        choices=("auto", "yes", "no"),
        default="auto",
        help="detect the languages of a sample of replies (auto: when the 'lang' extra "
        "is installed)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Write the page; print where, its size and what it holds."""
    from ..overview import write_report

    page = write_report(
        args.inputs,
        args.output,
        title=args.title,
        largest=args.threads,
        sample=args.sample_threads,
        max_replies=args.max_replies,
        detect_languages={"auto": None, "yes": True, "no": False}[args.detect_language],
        overwrite=args.overwrite,
        **read_keywords(args),
    )
    stats = page.stats
    if args.json:
        data = {
            "output": page.path,
            "bytes": page.size,
            "charts": list(page.charts),
            "empty_charts": list(page.empty_charts),
            "threads": list(page.threads),
            "read": page.report.to_dict(),
            "stats": stats.to_dict(),
        }
        print_json(data)
        return EXIT_OK
    print(
        f"wrote {page.path} ({page.size / 1024:,.0f} KiB): {_n(stats.posts, 'post')}, "
        f"{_n(stats.replies, 'reply', 'replies')}, {_n(len(page.charts), 'chart')}, "
        f"{_n(len(page.threads), 'thread')} in the browser"
    )
    if page.empty_charts:
        print("  not drawn, for want of data: " + ", ".join(page.empty_charts))
    if page.report.rejected:
        print(f"  rejected {page.report.rejected} records: see the page's counts")
    return EXIT_OK
