"""Subcommands of the ``tearcorpus`` command line, one module each: ``register(subparsers)``
adds the command's parser and sets its handler (``handler``), which returns the exit code."""
