"""The bundled sample dump: a therapist's video on crying in session, with 19 comments."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["SAMPLE_NAME", "sample_path"]

#: The file name of the sample dump in the package's data.
SAMPLE_NAME = "therapist-crying.txt"


def sample_path() -> Path:
    """Path of the bundled plain-text sample dump (1 post, 19 replies)."""
    resource = files("tearcorpus") / "data" / SAMPLE_NAME
    return Path(str(resource))
