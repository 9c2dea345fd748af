"""Pushshift / Arctic Shift monthly dumps: one Reddit thing a line (NDJSON).

``RC_YYYY-MM`` files hold comments, ``RS_YYYY-MM`` files submissions; a file may mix
both. A line with ``body`` and ``link_id`` is a comment (a Reply); a line with
``title``, ``selftext`` or ``num_comments``, or a ``t3_`` ``name``, is a submission (a
Post). Lines wrapped as ``{"kind": "t1", "data": {...}}`` are unwrapped. Inputs are
streamed line by line (``.zst`` with the 2 GiB window, ``.gz``, ``.bz2``, ``.xz`` are
decompressed on the fly), so memory stays flat however large the month.

Comments whose submission is not in the input are kept; the corpus knows their post by
id only. Field mapping: :mod:`._reddit_common`, shared with the ``reddit`` parser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import chain
from typing import Final

import orjson

from .._io import is_utf8, open_binary
from .._read import iter_text_lines, lines_of, overlong, skip_line
from .._spans import open_span
from ..model import JsonValue, Record
from ._base import ParseContext
from ._common import reject_invalid_json
from ._reddit_common import BadThing, to_post, to_reply, unescape_enabled

__all__ = ["BINARY", "SPANS", "description", "name", "parse", "sniff"]

name = "pushshift"
#: A large plain file can be read in byte ranges by several workers (``ParseContext.span``).
SPANS = True
description = "Pushshift / Arctic Shift monthly dumps (RC_/RS_ NDJSON, plain or .zst/.gz/.bz2/.xz)"
BINARY = False

_BOM: Final = b"\xef\xbb\xbf"
_SNIFF_LINES: Final = 5
#: Reddit API documents (a Listing, a morechildren answer), never dump lines.
_WRAPPER: Final = re.compile(rb'\A\s*\{\s*"(json"|kind"\s*:\s*"Listing")')
_KEY: Final = {
    key: re.compile(rb'"' + key.encode() + rb'"\s*:')
    for key in ("subreddit", "created_utc", "body", "link_id", "title", "selftext", "num_comments")
}


def _is_comment(data: dict[str, JsonValue]) -> bool:
    # Without link_id a comment may still name its post in parent_id (t3_...).
    return "body" in data and ("link_id" in data or "parent_id" in data)


def _is_submission(data: dict[str, JsonValue]) -> bool:
    if "title" in data or "selftext" in data or "num_comments" in data:
        return True
    named = data.get("name")
    return isinstance(named, str) and named.startswith("t3_")


def _unwrap(data: dict[str, JsonValue]) -> dict[str, JsonValue]:
    """``{"kind": "t1", "data": {...}}`` → the inner dict; anything else unchanged."""
    inner = data.get("data")
    if data.get("kind") in ("t1", "t3") and isinstance(inner, dict):
        return inner
    return data


def _looks_like_dump_object(data: dict[str, JsonValue]) -> bool:
    data = _unwrap(data)
    return (
        "subreddit" in data
        and "created_utc" in data
        and (
            _is_comment(data)
            or ("title" in data and ("selftext" in data or "num_comments" in data))
        )
    )


def _looks_like_dump_bytes(line: bytes) -> bool:
    """The keys of a dump line, for a first line longer than the sniffed head (keys past
    the cut are unseen, so ``body`` alone marks a comment here)."""
    has = {key: pattern.search(line) is not None for key, pattern in _KEY.items()}
    thing = has["body"] or (has["title"] and (has["selftext"] or has["num_comments"]))
    return has["subreddit"] and has["created_utc"] and thing


def sniff(head: bytes, path: str) -> int:
    head = head.removeprefix(_BOM)
    if head.lstrip()[:1] != b"{":
        return 0
    lines = head.split(b"\n")
    complete = lines[:-1] if len(lines) > 1 else []
    seen = 0
    for line in complete:
        if not line.strip():
            continue
        seen += 1
        if seen > _SNIFF_LINES:
            break
        try:
            data: JsonValue = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if not isinstance(data, dict):
            return 0
        return 92 if _looks_like_dump_object(data) else 0
    if seen == 0 and lines[0].strip():
        try:
            data = orjson.loads(lines[0])  # a one-line file without a final newline
        except orjson.JSONDecodeError:
            pass  # a first line longer than the head: judge by its keys
        else:
            return 92 if isinstance(data, dict) and _looks_like_dump_object(data) else 0
        if not _WRAPPER.match(lines[0]) and _looks_like_dump_bytes(lines[0]):
            return 85
    return 0


def _transcoded(ctx: ParseContext) -> Iterator[tuple[int, bytes]]:
    for number, text in iter_text_lines(ctx.source, ctx.encoding, ctx.limits):
        yield number, text.encode("utf-8", "surrogatepass") + b"\n"


def parse(ctx: ParseContext) -> Iterator[Record]:
    unescape = unescape_enabled(ctx)
    loads = orjson.loads
    limit = ctx.max_record_bytes
    stream = None
    if is_utf8(ctx.encoding):
        stream = (
            open_binary(ctx.source, ctx.limits)
            if ctx.span is None
            else open_span(ctx.source, ctx.span[0])
        )
    try:
        lines: Iterator[tuple[int, bytes]]
        # Lines of at most ``limit`` + 1 bytes (``lines_of``): a longer one is cut there,
        # rejected and skipped below, never held whole.
        if stream is not None and ctx.span is not None and ctx.span[0].start > 0:
            # A range of the file (a worker's shard): its lines, numbered as in the file.
            lines = enumerate(lines_of(stream, limit), ctx.span[1])
        elif stream is not None:
            # What ``iter_binary_lines`` does, inline: no generator of our own in between.
            first = stream.readline(limit + 1)
            if not overlong(first, limit):
                first = first.removeprefix(_BOM)
            lines = enumerate(chain((first,), lines_of(stream, limit)), 1)
        else:
            lines = _transcoded(ctx)
        for number, raw in lines:
            if len(raw) > limit and overlong(raw, limit):
                ctx.reject_too_large(number)
                assert stream is not None  # decoded lines come bounded from iter_text_lines
                skip_line(stream)
                continue
            # What ``json_lines`` does, inline: one generator less per record.
            try:
                data: JsonValue = loads(raw)
            except orjson.JSONDecodeError as exc:
                if raw.strip():
                    reject_invalid_json(ctx, number, raw, exc)
                continue
            if type(data) is dict and "body" in data and "link_id" in data and "data" not in data:
                try:  # the usual line: a comment, not wrapped
                    reply = to_reply(data, ctx, unescape=unescape, line=number)
                except BadThing as bad:
                    ctx.reject(bad.kind, bad.reason, line=number)
                    continue
                yield reply
                continue
            if not isinstance(data, dict):
                ctx.reject(
                    "not-a-record", f"a JSON {type(data).__name__}, not an object", line=number
                )
                continue
            data = _unwrap(data)
            try:
                record: Record
                if _is_comment(data):
                    record = to_reply(data, ctx, unescape=unescape, line=number)
                elif _is_submission(data):
                    record = to_post(data, ctx, unescape=unescape, line=number)
                else:
                    ctx.reject(
                        "unknown-thing",
                        "neither a comment (body + link_id or parent_id) nor a submission (title, selftext)",
                        line=number,
                    )
                    continue
            except BadThing as bad:
                ctx.reject(bad.kind, bad.reason, line=number)
                continue
            yield record
    finally:
        if stream is not None:
            stream.close()
