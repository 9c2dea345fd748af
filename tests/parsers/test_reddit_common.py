"""The Reddit comment mapping: every source value in a slot or in extra, odd ones counted."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any, Final

from tearcorpus.model import JsonValue
from tearcorpus.parsers._base import ParseContext
from tearcorpus.parsers._reddit_common import BadThing, to_reply

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
#: ... and odd values (absent, empty, other type).
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


#: The odd values a slot cannot take (the others it takes: 2.0 is a score of 2, 1 and 0
#: stand for true and false).
_WRONG: Final[dict[str, list[Any]]] = {
    "id": ["", 7],
    "link_id": ["", 5],
    "parent_id": ["", 3],
    "body": [4],
    "author": [9],
    "author_fullname": [1],
    "is_submitter": ["yes"],
    "score": [True, 2.5, "7"],
    "depth": ["2", False],
    "stickied": ["no"],
    "replies": ["x", 3],
}


def _wrong(data: dict[str, Any]) -> set[str]:
    return {
        key
        for key, value in data.items()
        if any(type(value) is type(w) and value == w for w in _WRONG.get(key, []))
    }


def test_values_of_the_wrong_kind_stay_in_extra_and_are_counted() -> None:
    """For every pair of usual or odd slot (or option) values, to_reply keeps each value
    of the wrong kind for its slot in extra under its key, counts each once as an
    invalid-field note, keeps every key that is no slot, and leaves the input as it was;
    a comment it cannot build counts nothing."""
    cases = 0
    for data, options in _cases():
        before = list(data.items())
        ctx = ParseContext(source="RC_test.ndjson", format="pushshift")
        try:
            reply = to_reply(data, ctx, post_id="p0", parent="t1_c9", depth=2, line=3, **options)
        except BadThing:
            assert "invalid-field" not in ctx.report.notes
            continue
        finally:
            assert list(data.items()) == before
        wrong = _wrong(data)
        for key in wrong:
            assert reply.extra[key] == data[key], (key, data)
        assert ctx.report.notes["invalid-field"] == len(wrong), data
        for key in set(data) - set(_USUAL) - {"name", "removed_by_category"}:
            assert reply.extra[key] == data[key]
        cases += 1
    assert cases > 5000


def test_usual_comment_takes_every_slot() -> None:
    """A usual dump comment keeps only its unknown fields in extra."""
    data: dict[str, JsonValue] = {
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
