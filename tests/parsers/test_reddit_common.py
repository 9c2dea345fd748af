"""The Reddit comment mapping: the fast path for the usual shape equals the checked path."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any, Final

from tearcorpus.model import Reply
from tearcorpus.parsers._base import ParseContext
from tearcorpus.parsers._reddit_common import BadThing, _reply_checked, to_reply

_MISSING = object()

#: Per slot: values to_reply reads itself (``_MISSING``: the key is absent) ...
_USUAL: dict[str, list[Any]] = {
    "id": ["c1"],
    "link_id": ["t3_p1", "p1"],
    "parent_id": ["t3_p1", "t1_c0", "p1", "c0"],
    "body": ["hi &amp; bye", "[deleted]", "[removed]", ""],
    "author": ["alice", "[deleted]", "", _MISSING, None],
    "author_fullname": ["t2_a", "", _MISSING, None],
    "is_submitter": [True, False, None, _MISSING],
    "score": [3, -2, 0, None, _MISSING],
    "depth": [0, 4, None, _MISSING],
    "stickied": [True, False, None, _MISSING],
    "replies": ["", None, {"kind": "Listing"}, _MISSING],
    "created_utc": [1600000000, "1600000000", 1600000000.5, -1, 10**13, "soon", None, _MISSING],
    "edited": [False, None, True, 1600000100, 1600000100.25, "x", _MISSING],
    "name": ["t1_c1", "t1_other", _MISSING],
    "removed_by_category": [None, "moderator", "deleted", "author", "", 5, _MISSING],
    "subreddit": ["music", _MISSING],
}
#: ... and values that send the comment to the checked path (absent, empty, other type).
_ODD: dict[str, list[Any]] = {
    "id": ["", None, 7, _MISSING],
    "link_id": ["", None, 5, _MISSING],
    "parent_id": ["", None, 3, _MISSING],
    "body": [None, 4, _MISSING],
    "author": [9],
    "author_fullname": [1],
    "is_submitter": [1, 0, "yes"],
    "score": [True, 2.0, 2.5, "7"],
    "depth": ["2", 1.0, False],
    "stickied": [1, "no"],
    "replies": [[], "x", 3],
}


#: The base comment: the first usual value of every slot.
_BASE: Final = {key: values[0] for key, values in _USUAL.items()}
#: to_reply's keyword arguments, varied like slots.
_OPTIONS: Final[dict[str, list[Any]]] = {
    "unescape": [True, False],
    "post_author": [None, "alice"],
    "missing": [None, {"count": 2, "ids": ["x", "y"]}],
}


def _variants() -> Iterator[tuple[str, Any]]:
    for key, values in (_USUAL | _OPTIONS).items():
        for value in values + _ODD.get(key, []):
            yield key, value


def _cases() -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Every pair of slot (or option) values over the base comment, in the base key order
    and reversed (the order of extra's keys follows the input's)."""
    variants = list(_variants())
    for (key1, value1), (key2, value2) in itertools.combinations(variants, 2):
        if key1 == key2:
            continue
        data = dict(_BASE)
        options = {key: values[0] for key, values in _OPTIONS.items()}
        for key, value in ((key1, value1), (key2, value2)):
            (options if key in _OPTIONS else data)[key] = value
        data = {k: v for k, v in data.items() if v is not _MISSING}
        yield data, options
        yield dict(reversed(data.items())), options


def _run(build: Any, data: dict[str, Any], options: dict[str, Any]) -> tuple[Any, Any]:
    ctx = ParseContext(source="RC_test.ndjson", format="pushshift")
    try:
        result: Any = build(data, ctx, options)
    except BadThing as bad:
        result = ("bad", bad.kind, bad.reason)
    return result, dict(ctx.report.notes)


def _fast(data: dict[str, Any], ctx: ParseContext, options: dict[str, Any]) -> Reply:
    return to_reply(data, ctx, post_id="p0", parent="t1_c9", depth=2, line=3, **options)


def _checked(data: dict[str, Any], ctx: ParseContext, options: dict[str, Any]) -> Reply:
    unescape, author, missing = options["unescape"], options["post_author"], options["missing"]
    return _reply_checked(data, ctx, unescape, "p0", "t1_c9", 2, author, missing, 3, None)


def test_fast_path_equals_checked_path() -> None:
    """For every pair of usual or odd slot values, to_reply gives the checked path's
    record, extra (keys in order), provenance, notes and errors, and leaves the input."""
    cases = 0
    for data, options in _cases():
        before = list(data.items())
        fast, fast_notes = _run(_fast, data, options)
        checked, checked_notes = _run(_checked, data, options)
        assert list(data.items()) == before
        assert fast == checked, (data, options)
        assert fast_notes == checked_notes, (data, options)
        if isinstance(fast, Reply):
            assert list(fast.extra.items()) == list(checked.extra.items()), (data, options)
            assert fast.provenance == checked.provenance
        cases += 1
    assert cases > 5000


def test_usual_comment_takes_every_slot() -> None:
    """A usual dump comment keeps only its unknown fields in extra."""
    data = {
        "id": "c1",
        "name": "t1_c1",
        "link_id": "t3_p1",
        "parent_id": "t1_c0",
        "body": "a &gt; b",
        "author": "alice",
        "author_fullname": "t2_a",
        "is_submitter": True,
        "score": 5,
        "stickied": False,
        "created_utc": 1600000000,
        "edited": 1600000100,
        "subreddit": "music",
    }
    ctx = ParseContext(source="RC_test.ndjson", format="pushshift")
    reply = to_reply(data, ctx, line=1)
    assert (reply.id, reply.post_id, reply.parent_id, reply.text) == ("c1", "p1", "c0", "a > b")
    assert reply.author is not None
    assert (reply.author.id, reply.author.name, reply.author.is_uploader) == ("t2_a", "alice", True)
    assert reply.like_count == 5
    assert reply.is_edited
    assert reply.extra == {"subreddit": "music", "edited_at": "2020-09-13T12:28:20Z"}
