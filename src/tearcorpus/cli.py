"""The ``tearcorpus`` command line.

Contract (public API, see docs/cli.md)::

    tearcorpus inspect INPUT... [--from FORMAT] [--strict] [--json]
    tearcorpus convert INPUT... --to FORMAT -o OUTDIR [--from FORMAT] [--strict]

Each command lives in a module of :mod:`tearcorpus.commands` (``register`` adds its
parser and sets its handler). Bad input never shows a traceback: one line naming the
file, and a non-zero exit.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from ._signals import signals_as_exceptions
from ._version import __version__
from .commands import annotate, convert, demo, inspect, publish, report
from .commands._options import EXIT_ERROR, EXIT_OK
from .errors import TearcorpusError

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The parser of the ``tearcorpus`` command, with every subcommand (the command-line
    reference of the documentation is generated from it)."""
    parser = argparse.ArgumentParser(
        prog="tearcorpus",
        description="Turn raw comment dumps into typed, anonymised, modelling-ready corpora.",
    )
    parser.add_argument("--version", action="version", version=f"tearcorpus {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in (inspect, convert, demo, publish, annotate, report):
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    Run as the command (*argv* None: the arguments are ``sys.argv``'s), the process is
    tearcorpus' own and ``convert`` settles it for a long run (see :mod:`._process`);
    called with arguments from Python, the caller's process is left as it is."""
    args = build_parser().parse_args(argv)
    args.own_process = argv is None
    try:
        with signals_as_exceptions():  # SIGTERM, SIGHUP: temporary files removed, see _signals
            code: int = args.handler(args)
            return code
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
