"""Helpers shared by the exporter tests."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from tearcorpus import Corpus, Record


@contextmanager
def fresh_dir() -> Iterator[str]:
    """A new output folder path (hypothesis tests cannot use tmp_path per example)."""
    with tempfile.TemporaryDirectory() as root:
        yield f"{root}/out"


def same_records(written: Sequence[Record], read: Sequence[Record]) -> None:
    """*read* equals *written* (posts first, then replies, one record per id: repeated
    ids merged as every writer merges them), provenance included."""
    expected = list(Corpus(written))
    assert list(read) == expected
    assert [r.provenance for r in read] == [r.provenance for r in expected]
