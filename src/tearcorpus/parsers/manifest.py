"""Files of tearcorpus's own output folders that hold no records: the ``manifest.json``
of a JSONL, CSV or Parquet export and the ``README.md`` card of a Hub folder.

They are recognised (so ``tearcorpus inspect out/*`` reads an output folder), yield no
record and leave a note (``manifest-skipped``, ``card-skipped``) in the input's report.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from .._io import HEAD_SIZE, read_head
from ..model import Record
from ._base import ParseContext

__all__ = ["description", "name", "parse", "sniff"]

name = "manifest"
description = "manifest.json / README.md of tearcorpus output folders (recognised, skipped)"

_MANIFEST: Final = re.compile(rb'\A\s*\{\s*"format"\s*:\s*"tearcorpus-[a-z]+"\s*,\s*"schema"')
#: A Hub card: YAML front matter with the ``tearcorpus`` tag and per-config data files.
_CARD: Final = re.compile(rb"\A---\r?\n(?:.*\r?\n)*?- tearcorpus\r?\n")


def _is_card(head: bytes) -> bool:
    return _CARD.match(head) is not None and b"configs:" in head and b"data_files:" in head


def sniff(head: bytes, path: str) -> int:
    if _MANIFEST.match(head):
        return 100
    return 100 if _is_card(head) else 0


def parse(ctx: ParseContext) -> Iterator[Record]:
    ctx.note("card-skipped" if _is_card(read_head(ctx.source, HEAD_SIZE)) else "manifest-skipped")
    yield from ()
