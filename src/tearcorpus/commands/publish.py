"""``tearcorpus publish DIR REPO_ID``: a Hub folder to a Hugging Face dataset repo."""

from __future__ import annotations

import argparse
import sys

from ._options import EXIT_OK, Subparsers

__all__ = ["register", "run"]


def register(subparsers: Subparsers) -> None:
    """Add ``publish`` to the command line's *subparsers*."""
    publish = subparsers.add_parser(
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
    publish.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Upload the folder; print where it went."""
    from ..publish import publish

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
