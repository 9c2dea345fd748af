"""tearcorpus's own JSON Lines format: one serialised record a line, lossless.

Every line carries ``"schema": "tearcorpus/1"`` and ``"kind": "post"`` or ``"reply"``;
see :mod:`tearcorpus.serialize` for the fields.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .._read import iter_binary_lines
from ..model import Record
from ..serialize import SCHEMA_TAG, from_dict
from ._base import ParseContext
from ._common import json_lines

__all__ = ["BINARY", "SPANS", "description", "name", "parse", "sniff"]

name = "jsonl"
description = "tearcorpus JSON Lines (posts.jsonl / replies.jsonl written by convert --to jsonl)"
BINARY = False
SPANS = False

_TAG = re.compile(rb'^\s*\{"schema"\s*:\s*"tearcorpus/\d+"')


def sniff(head: bytes, path: str) -> int:
    return 100 if _TAG.match(head.removeprefix(b"\xef\xbb\xbf")) else 0


def parse(ctx: ParseContext) -> Iterator[Record]:
    for number, data in json_lines(ctx, iter_binary_lines(ctx.source, ctx.limits)):
        if not isinstance(data, dict):
            ctx.reject("not-a-record", "expected a JSON object", line=number)
            continue
        if data.get("schema") != SCHEMA_TAG:
            ctx.reject(
                "unsupported-schema",
                f"schema {data.get('schema')!r} is not {SCHEMA_TAG!r}",
                line=number,
            )
            continue
        try:
            yield from_dict(data)
        except ValueError as exc:
            ctx.reject("invalid-record", str(exc), line=number)
