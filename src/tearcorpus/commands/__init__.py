"""Subcommands of the ``tearcorpus`` command line kept in modules of their own.

Each module exposes ``register(subparsers)``: it adds its parsers and sets their
``handler`` (a function of the parsed arguments returning the exit code).
"""
