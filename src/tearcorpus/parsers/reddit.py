"""Reddit's own JSON: a thread's ``.json`` and ``/api/morechildren`` answers.

A thread (``https://www.reddit.com/r/SUB/comments/ID/SLUG.json``) is a JSON array of two
Listings: the submission (``t3``), then the comment tree (``t1``, nested through each
comment's ``replies``, which is a Listing or ``""``). ``more`` stubs are never comments:
each is recorded on the record it hangs off as ``extra["missing_children"]``. An
``/api/morechildren`` answer (``{"json": {"data": {"things": [...]}}}``) is a flat list
of comments that re-attach to a thread through their ``parent_id``; a Listing object of
things (a user page, a search) is read the same way.

The whole document is loaded (threads are small); see :mod:`._reddit_common` for the
field mapping, shared with the ``pushshift`` parser.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Final, TypeAlias

from attrs import define, field

from .._read import load_json
from ..errors import ParseError
from ..model import JsonValue, Record
from ._base import ParseContext
from ._reddit_common import (
    BadThing,
    MissingChildren,
    strip_prefix,
    to_post,
    to_reply,
    unescape_enabled,
)

__all__ = ["BINARY", "SPANS", "description", "name", "parse", "sniff"]

name = "reddit"
description = "Reddit thread JSON (a thread URL + .json) and /api/morechildren answers"
BINARY = False
SPANS = False

_BOM: Final = b"\xef\xbb\xbf"
_THREAD: Final = re.compile(rb'\A\s*\[\s*\{\s*"kind"\s*:\s*"Listing"')
_ARRAY: Final = re.compile(rb"\A\s*\[\s*\{")
_LISTING: Final = re.compile(rb'"kind"\s*:\s*"Listing"')
_T3: Final = re.compile(rb'"kind"\s*:\s*"t3"')
_THING: Final = re.compile(rb'"kind"\s*:\s*"t[13]"')
_MORECHILDREN: Final = re.compile(rb'\A\s*\{\s*"json"\s*:\s*\{\s*"(errors|data)"')
_LISTING_DOC: Final = re.compile(rb'\A\s*\{\s*"kind"\s*:\s*"Listing"')

#: A run of sibling things: (things, parent fullname, post id, depth of the things).
_Level: TypeAlias = tuple[list[JsonValue], str | None, str | None, int | None]


def sniff(head: bytes, path: str) -> int:
    head = head.removeprefix(_BOM)
    if _THREAD.match(head):
        return 95 if _T3.search(head) else 70
    if _MORECHILDREN.match(head):
        return 95
    if _LISTING_DOC.match(head) and _THING.search(head):
        return 90
    if _ARRAY.match(head) and _LISTING.search(head, 0, 4096) and _T3.search(head):
        return 90
    return 0


def _children(value: JsonValue) -> list[JsonValue] | None:
    """The things of a Listing (or a bare list of things); ``None`` if not one."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        data = value.get("data")
        if isinstance(data, dict):
            children = data.get("children")
            if isinstance(children, list):
                return children
    return None


def _fullname(data: Mapping[str, JsonValue], prefix: str) -> str | None:
    value = data.get("id")
    if isinstance(value, str) and value:
        return prefix + value
    named = data.get("name")
    if isinstance(named, str) and named.startswith(prefix):
        return named
    return None


def _thread_levels(ctx: ParseContext, doc: list[JsonValue]) -> list[_Level]:
    """``[Listing(t3), Listing(t1 ...)]``: the post level, then the comment levels."""
    if not doc:
        raise ParseError(ctx.source, "an empty JSON array, not a Reddit thread")
    first = _children(doc[0])
    if first is None or isinstance(doc[0], list):
        raise ParseError(
            ctx.source,
            "not a Reddit thread: expected [Listing of the post, Listing of comments]",
            index=0,
        )
    post_id: str | None = None
    for thing in first:
        if isinstance(thing, dict) and thing.get("kind") == "t3":
            data = thing.get("data")
            fullname = _fullname(data, "t3_") if isinstance(data, dict) else None
            if fullname is not None:
                post_id = fullname[3:]
                break
    levels: list[_Level] = [(first, None, None, None)]
    for position, listing in enumerate(doc[1:], 1):
        comments = _children(listing)
        if comments is None or isinstance(listing, list):
            ctx.reject(
                "not-a-listing", f"top-level item {position} is not a Listing", index=position
            )
            continue
        levels.append((comments, None if post_id is None else "t3_" + post_id, post_id, 0))
    return levels


def _flat_levels(ctx: ParseContext, doc: dict[str, JsonValue]) -> list[_Level]:
    """A morechildren answer, a Listing object, or a single thing."""
    if "json" in doc:
        answer = doc["json"]
        data = answer.get("data") if isinstance(answer, dict) else None
        things = data.get("things") if isinstance(data, dict) else None
        errors = answer.get("errors") if isinstance(answer, dict) else None
        if not isinstance(things, list):
            if errors:
                raise ParseError(ctx.source, f"reddit answered with errors: {errors!r}")
            raise ParseError(ctx.source, 'a morechildren answer without "things"')
        if errors:
            ctx.note("api-errors")
        return [(things, None, None, None)]
    if doc.get("kind") == "Listing":
        children = _children(doc)
        if children is None:
            raise ParseError(ctx.source, "a Listing without data.children")
        return [(children, None, None, None)]
    if doc.get("kind") in ("t1", "t3") and isinstance(doc.get("data"), dict):
        return [([doc], None, None, None)]
    raise ParseError(
        ctx.source, "not a Reddit thread, Listing or /api/morechildren answer (unknown JSON shape)"
    )


def _walk(
    levels: list[_Level],
) -> Iterator[tuple[int, JsonValue, str | None, str | None, int | None]]:
    """Every thing in document order (pre-order): ``(index, thing, parent, post, depth)``.

    *parent*, *post* and *depth* are what the nesting says; a comment's own fields win.
    """
    stack: list[tuple[JsonValue, str | None, str | None, int | None]] = []
    for things, parent, post, depth in reversed(levels):
        stack.extend((thing, parent, post, depth) for thing in reversed(things))
    index = 0
    while stack:
        thing, parent, post, depth = stack.pop()
        yield index, thing, parent, post, depth
        index += 1
        if not isinstance(thing, dict) or thing.get("kind") != "t1":
            continue
        data = thing.get("data")
        if not isinstance(data, dict):
            continue
        kids = _children(data.get("replies"))
        if not kids:
            continue
        link = data.get("link_id")
        kid_post = strip_prefix(link, "t3_") if isinstance(link, str) and link else post
        kid_depth = None if depth is None else depth + 1
        own = _fullname(data, "t1_")
        stack.extend((kid, own, kid_post, kid_depth) for kid in reversed(kids))


@define
class _Gap:
    """The ``more`` stubs under one parent, merged."""

    count: int = 0
    ids: list[str] = field(factory=list)
    continue_thread: bool = False

    def as_extra(self) -> MissingChildren:
        out: MissingChildren = {"count": self.count, "ids": list[JsonValue](self.ids)}
        if self.continue_thread:
            out["continue_thread"] = True
        return out


def _missing_children(
    ctx: ParseContext, levels: list[_Level]
) -> tuple[dict[str, _Gap], Counter[str], dict[str, str]]:
    """First pass: ``more`` stubs by the fullname they hang off, and post authors by id."""
    missing: dict[str, _Gap] = {}
    stubs: Counter[str] = Counter()
    authors: dict[str, str] = {}
    for _, thing, parent, _post, _depth in _walk(levels):
        if not isinstance(thing, dict):
            continue
        kind = thing.get("kind")
        data = thing.get("data")
        if kind == "t3" and isinstance(data, dict):
            fullname = _fullname(data, "t3_")
            author = data.get("author")
            if fullname is not None and isinstance(author, str):
                authors.setdefault(fullname[3:], author)
        if kind != "more":
            continue
        ctx.note("more-stub")
        if not isinstance(data, dict):
            ctx.note("invalid-more-stub")
            continue
        stated = data.get("parent_id")
        owner = stated if isinstance(stated, str) and stated else parent
        if owner is None:
            ctx.note("more-stub-detached")
            continue
        gap = missing.setdefault(owner, _Gap())
        count = data.get("count")
        if isinstance(count, int) and not isinstance(count, bool):
            gap.count += count
        kids = data.get("children")
        if isinstance(kids, list):
            gap.ids.extend(kid for kid in kids if isinstance(kid, str) and kid != "_")
        if data.get("id") == "_" or data.get("name") == "t1__":
            gap.continue_thread = True
            ctx.note("continue-thread-stub")
        stubs[owner] += 1
    return missing, stubs, authors


def parse(ctx: ParseContext) -> Iterator[Record]:
    doc = load_json(ctx.source, encoding=ctx.encoding, limits=ctx.limits)
    if isinstance(doc, list):
        levels = _thread_levels(ctx, doc)
    elif isinstance(doc, dict):
        levels = _flat_levels(ctx, doc)
    else:
        raise ParseError(ctx.source, f"a JSON {type(doc).__name__}, not a Reddit thread")
    unescape = unescape_enabled(ctx)
    missing, stubs, authors = _missing_children(ctx, levels)
    for index, thing, parent, post, depth in _walk(levels):
        if not isinstance(thing, dict):
            ctx.reject("not-a-thing", f"a JSON {type(thing).__name__}, not a thing", index=index)
            continue
        kind = thing.get("kind")
        if kind == "more":
            continue
        data = thing.get("data")
        if kind not in ("t1", "t3"):
            ctx.reject("unknown-kind", f"a thing of kind {kind!r}, not t1 or t3", index=index)
            continue
        if not isinstance(data, dict):
            ctx.reject("not-a-thing", f"a {kind} thing without a data object", index=index)
            continue
        fullname = _fullname(data, kind + "_")
        gap = missing.pop(fullname, None) if fullname is not None else None
        gaps = gap.as_extra() if gap is not None else None
        if fullname is not None:
            stubs.pop(fullname, None)
        try:
            if kind == "t3":
                yield to_post(data, ctx, unescape=unescape, missing=gaps, index=index)
                continue
            link = data.get("link_id")
            post_id = strip_prefix(link, "t3_") if isinstance(link, str) and link else post
            yield to_reply(
                data,
                ctx,
                unescape=unescape,
                post_id=post,
                parent=parent,
                depth=depth,
                post_author=authors.get(post_id) if post_id is not None else None,
                missing=gaps,
                index=index,
            )
        except BadThing as bad:
            ctx.reject(bad.kind, bad.reason, index=index)
    detached = sum(stubs.values())
    if detached:
        ctx.note("more-stub-detached", detached)
