"""``tearcorpus demo``, ``sample`` and ``formats``: the bundled sample and what is known."""

from __future__ import annotations

import argparse
import os

from ._options import EXIT_OK, Subparsers

__all__ = ["register", "run_demo", "run_formats", "run_sample"]


def register(subparsers: Subparsers) -> None:
    """Add ``demo``, ``formats`` and ``sample`` to the command line's *subparsers*."""
    demo = subparsers.add_parser(
        "demo", help="build a corpus from the bundled sample dump and print a summary"
    )
    demo.add_argument("-o", "--output", default="tearcorpus-demo", metavar="OUTDIR")
    demo.set_defaults(handler=run_demo)
    formats = subparsers.add_parser("formats", help="list the input and output formats")
    formats.set_defaults(handler=run_formats)
    sample = subparsers.add_parser(
        "sample",
        help='print the path of the bundled sample dump (try: tearcorpus inspect "$(tearcorpus sample)")',
    )
    sample.set_defaults(handler=run_sample)


def run_demo(args: argparse.Namespace) -> int:
    """Build a JSON Lines corpus from the bundled sample; print what it holds."""
    from ..exporters.jsonl import write_jsonl
    from ..reader import read
    from ..sample import sample_path

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

    from .._atomic import occupied
    from ..errors import ExportError

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


def run_formats(_: argparse.Namespace) -> int:
    """List the input and output formats."""
    from ..exporters import EXPORTERS
    from ..parsers import PARSERS

    print("input formats (--from):")
    for name, parser in PARSERS.items():
        print(f"  {name:<12} {parser.description}")
    print("output formats (--to):")
    for name, exporter in EXPORTERS.items():
        print(f"  {name:<12} {exporter.description}")
    return EXIT_OK


def run_sample(_: argparse.Namespace) -> int:
    """Print the path of the bundled sample dump."""
    from ..sample import sample_path

    print(sample_path())
    return EXIT_OK
