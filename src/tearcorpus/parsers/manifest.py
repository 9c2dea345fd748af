"""Files of tearcorpus's own output folders that hold no records: the ``manifest.json``
of a JSONL, CSV or Parquet export, and the ``README.md`` card of a Hub folder and the
PNG images of its charts (``images/*.png``).

They are recognised (so ``tearcorpus inspect out/*`` reads an output folder), yield no
record and leave a note (``manifest-skipped``, ``card-skipped``, ``image-skipped``) in the
input's report.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Final

from .._io import HEAD_SIZE
from .._read import read_head
from ..model import Record
from ._base import ParseContext

__all__ = ["BINARY", "SPANS", "description", "name", "parse", "sniff"]

name = "manifest"
description = (
    "manifest.json / README.md / card images of tearcorpus output folders (recognised, skipped)"
)
SPANS = False
#: Sniffed before the binary-data check: the card's images are PNG.
BINARY = True

_PNG: Final = b"\x89PNG\r\n\x1a\n"
_MANIFEST: Final = re.compile(rb'\A\s*\{\s*"format"\s*:\s*"tearcorpus-[a-z]+"\s*,\s*"schema"')
#: A Hub card: YAML front matter with the ``tearcorpus`` tag and per-config data files.
_CARD: Final = re.compile(rb"\A---\r?\n(?:.*\r?\n)*?- tearcorpus\r?\n")


def _is_card(head: bytes) -> bool:
    return _CARD.match(head) is not None and b"configs:" in head and b"data_files:" in head


def _is_card_image(head: bytes, path: str) -> bool:
    folder = os.path.basename(os.path.dirname(os.path.abspath(path)))
    return head.startswith(_PNG) and folder == "images"


def sniff(head: bytes, path: str) -> int:
    found = _is_card_image(head, path) or _MANIFEST.match(head) or _is_card(head)
    return 100 if found else 0


def parse(ctx: ParseContext) -> Iterator[Record]:
    head = read_head(ctx.source, HEAD_SIZE)
    if _is_card_image(head, ctx.source):
        ctx.note("image-skipped")
    else:
        ctx.note("card-skipped" if _is_card(head) else "manifest-skipped")
    yield from ()
