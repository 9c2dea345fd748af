"""The yt-dlp parser's reading of the comments array in pieces."""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tearcorpus import TearcorpusError
from tearcorpus.parsers import ParseContext, _ytdlp_document, ytdlp

DATA = Path(__file__).parents[1] / "data" / "ytdlp"
NEW = DATA / "ytdlp_Xq7Tz0bWc3M.info.json"

#: Text that looks like the structure the cuts are searched in.
TRICKY = st.sampled_from(
    [
        '"comments": [',
        '\\"comments\\": [',
        "}, {",
        "}]",
        "},",
        "]",
        "\\",
        '"',
        "é😀\u2028",
        '{"a": [1, {"b": "}, ]"}]}',
    ]
)
TEXT = st.lists(st.text(max_size=8) | TRICKY, max_size=4).map("".join)
LEAF = st.none() | st.booleans() | st.integers(-(2**40), 2**40) | TEXT
NESTED = st.recursive(
    LEAF,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6,
)
IDS = st.sampled_from(["a", "b", "c", "d", "e", "f", ""])


@st.composite
def comments(draw: st.DrawFn) -> Any:
    """A comment as yt-dlp writes it, with odd text, ids, parents and extra values, or
    now and then no object at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(NESTED)
    comment: dict[str, Any] = {"id": draw(IDS), "text": draw(TEXT)}
    comment["parent"] = draw(st.just("root") | IDS)
    if draw(st.booleans()):
        comment["extra"] = draw(NESTED)
    if draw(st.booleans()):
        comment["like_count"] = draw(st.integers(-1, 5) | TEXT)
    return comment


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    """An info.json: video fields around a comments array (or none, or one nested in
    another field first), written with or without indent, ASCII-escaped or not."""
    info: dict[str, Any] = {}
    if draw(st.booleans()):
        info["note"] = {"comments": draw(st.lists(comments(), max_size=2))}
    info["id"] = draw(st.just("vid") | TEXT)
    info["title"] = draw(TEXT)
    if draw(st.integers(0, 5)):
        info["comments"] = draw(st.lists(comments(), max_size=12))
    info["formats"] = draw(st.lists(st.dictionaries(TEXT, NESTED, max_size=2), max_size=2))
    info["comment_count"] = draw(st.integers(0, 9))
    keys = draw(st.permutations(list(info)))
    info = {key: info[key] for key in keys}
    indent = draw(st.sampled_from([None, 1, 2]))
    separators = draw(st.sampled_from([None, (",", ":")]))
    text = json.dumps(info, indent=indent, separators=separators, ensure_ascii=draw(st.booleans()))
    return text.encode()


def _file(content: bytes) -> Iterator[str]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "v.info.json"
        path.write_bytes(content)
        yield str(path)


def _outcome(path: str, *, strict: bool, piece_size: int | None) -> Any:
    """The records, rejects and notes read from *path* the way of today (*piece_size*
    None: the whole document) or in pieces; or the error's text. Also whether pieces
    were used."""
    ctx = ParseContext(source=path, format="ytdlp", strict=strict)
    pieces = None if piece_size is None else _ytdlp_document._open_pieces(ctx, piece_size)
    try:
        if pieces is None:
            records = list(ytdlp._parse(ctx, _ytdlp_document._load(ctx), None))
        else:
            try:
                records = list(ytdlp._parse(ctx, pieces.info, pieces))
            finally:
                pieces.close()
    except TearcorpusError as exc:
        result: Any = ("error", str(exc))
    else:
        report = ctx.report
        errors = [str(error) for error in report.errors]
        result = ("records", records, dict(report.rejected_by_reason), dict(report.notes), errors)
    return result, pieces is not None


def _pieces_of(path: str, piece_size: int) -> tuple[Any, list[Any]] | None:
    """The document without its comments and the list of pieces, as read in pieces."""
    pieces = _ytdlp_document._open_pieces(ParseContext(source=path, format="ytdlp"), piece_size)
    if pieces is None:
        return None
    try:
        return pieces.info, list(pieces.lists(ParseContext(source=path, format="ytdlp")))
    finally:
        pieces.close()


def _check_sound(content: bytes, path: str, piece_size: int) -> bool:
    """When the comments come in pieces, the whole document is valid JSON, and it is the
    document read without them plus the pieces' items as its comments. True then."""
    found = _pieces_of(path, piece_size)
    if found is None:
        return False
    info, lists = found
    whole = orjson.loads(content.removeprefix(b"\xef\xbb\xbf"))
    assert type(whole) is dict
    assert isinstance(info["comments"], str)
    assert list(info) == list(whole)
    assert [item for items in lists for item in items] == whole["comments"]
    assert all(items for items in lists) or len(lists) == 1
    info["comments"] = whole["comments"]
    assert info == whole
    return True


@settings(max_examples=300)
@given(documents(), st.integers(1, 300), st.booleans())
def test_pieces_give_the_whole_documents_records(
    content: bytes, piece_size: int, strict: bool
) -> None:
    """Any info.json gives the same records, rejects, notes or error read in pieces as
    read whole, at any piece size, lenient or strict."""
    for path in _file(content):
        want, _ = _outcome(path, strict=strict, piece_size=None)
        got, used = _outcome(path, strict=strict, piece_size=piece_size)
        assert got == want
        assert _check_sound(content, path, piece_size) is used
        keys = list(json.loads(content))
        if "comments" in keys:  # no nested value before it: the key found is its own
            first = min(keys.index(key) for key in ("comments", "note", "formats") if key in keys)
            assert used or keys[first] != "comments"


@given(documents(), st.integers(1, 100), st.data())
def test_cut_or_flipped_documents_are_read_in_pieces_only_when_valid(
    content: bytes, piece_size: int, data: st.DataObject
) -> None:
    """A truncated or altered file is read in pieces only when it is still a valid
    document (then as that document); otherwise it gets today's outcome, error and all."""
    changed = bytearray(content[: data.draw(st.integers(0, len(content)), label="cut")])
    for _ in range(data.draw(st.integers(0, 3), label="flips")):
        if changed:
            at = data.draw(st.integers(0, len(changed) - 1))
            changed[at] = data.draw(st.sampled_from(b' ,:[]{}"\\\x80a0'))
    for path in _file(bytes(changed)):
        try:
            valid = type(orjson.loads(bytes(changed))) is dict
        except orjson.JSONDecodeError:
            valid = False
        assert _check_sound(bytes(changed), path, piece_size) <= valid
        want, _ = _outcome(path, strict=False, piece_size=None)
        got, _ = _outcome(path, strict=False, piece_size=piece_size)
        assert got == want


def _doc(comments: str, before: str = "", after: str = "") -> bytes:
    return (
        '{"id": "vid", ' + before + '"comments": ' + comments + after + ', "title": "t"}'
    ).encode()


C1 = '{"id": "a", "parent": "root", "text": "x"}'
C2 = '{"id": "b", "parent": "a", "text": "}, {\\"comments\\": [ ] }]"}'


@pytest.mark.parametrize(
    ("content", "used"),
    [
        (_doc("[]"), True),
        (_doc("[ \n ]"), True),
        (_doc("[" + C1 + "," + C2 + "]"), True),
        (_doc("[\n  " + C1 + " ,\n  " + C2 + "\n ]"), True),
        (b"\xef\xbb\xbf" + _doc("[" + C1 + "]"), True),
        (_doc("[" + C1 + ', 5, "s", [1]]'), True),
        (_doc("[" + C2 + "]", before='"x": "\\"comments\\": [", '), True),
        (_doc("[" + C1 + "]", before='"x": {"comments": [1]}, '), False),
        (_doc("[" + C1 + "]", after=', "comments": []'), False),
        (_doc("[" + C1 + ",]"), False),
        (_doc("[" + C1 + ",," + C2 + "]"), False),
        (_doc("[" + C1 + "," + C2), False),
        (_doc("[" + C1 + "]")[:-1], False),
        (b'{"id": "vid"}', False),
        (b'[{"comments": []}]', False),
    ],
)
def test_pieces_where_they_are_sound(content: bytes, used: bool) -> None:
    """Empty arrays, whitespace, a BOM, odd items and key look-alikes in strings are read
    in pieces; a nested or repeated key, a stray comma and a cut file are read whole,
    with today's outcome."""
    for piece_size in (1, 7, 1 << 20):
        for path in _file(content):
            want, _ = _outcome(path, strict=False, piece_size=None)
            got, got_used = _outcome(path, strict=False, piece_size=piece_size)
            assert got == want
            assert got_used == used
            assert _check_sound(content, path, piece_size) == used


@pytest.mark.parametrize("depth", [1020, 1021, 1022, 1023, 1024])
def test_depth_limit_is_met_as_in_the_whole_document(depth: int) -> None:
    """A comment nested near orjson's depth limit parses in pieces exactly when it does
    in the whole document."""
    deep = "[" * depth + "]" * depth
    content = _doc('[{"id": "a", "x": ' + deep + "}]")
    for path in _file(content):
        want, _ = _outcome(path, strict=False, piece_size=None)
        got, used = _outcome(path, strict=False, piece_size=1)
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(limit + 4 * depth)  # to compare values this deep
        try:
            assert got == want
        finally:
            sys.setrecursionlimit(limit)
        try:
            orjson.loads(content)
        except orjson.JSONDecodeError:
            assert not used
        else:
            assert used


def test_cuts_fall_between_comments_and_run_past_look_alikes() -> None:
    """A long array is cut into several pieces, each a run of whole comments, also when
    comment texts hold the bytes a cut is searched for."""
    items = [json.loads(C1), json.loads(C2)] * 200
    content = json.dumps({"id": "vid", "comments": items}, indent=1).encode()
    for path in _file(content):
        found = _pieces_of(path, 500)
        assert found is not None
        _, lists = found
        assert len(lists) > 10
        assert [item for items_ in lists for item in items_] == items
        want, _ = _outcome(path, strict=False, piece_size=None)
        got, used = _outcome(path, strict=False, piece_size=500)
        assert used
        assert got == want


def test_reply_before_its_parent_in_a_later_piece() -> None:
    """A reply listed before its parent, pieces after the first, hands the rest of the
    list to the two-pass reading with the same records and notes as read whole."""
    items: list[Any] = [{"id": f"t{i}", "parent": "root"} for i in range(300)]
    items.insert(250, {"id": "late", "parent": "later"})
    items.append({"id": "later", "parent": "t1"})
    items.append({"id": "gone", "parent": "missing"})
    content = json.dumps({"id": "vid", "comments": items}).encode()
    for path in _file(content):
        for strict in (False, True):
            want, _ = _outcome(path, strict=strict, piece_size=None)
            got, used = _outcome(path, strict=strict, piece_size=200)
            assert used
            assert got == want
            assert want[0] == "records"
            assert want[3] == {"orphan-reply": 1}


def test_fixture_reads_the_same_in_pieces() -> None:
    """The test fixture with a repeated pinned comment reads the same in pieces."""
    content = NEW.read_bytes()
    for path in _file(content):
        for piece_size in (1, 64, 1 << 20):
            want, _ = _outcome(path, strict=False, piece_size=None)
            got, used = _outcome(path, strict=False, piece_size=piece_size)
            assert used
            assert got == want
